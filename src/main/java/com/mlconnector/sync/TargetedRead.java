package com.mlconnector.sync;

import com.mlconnector.mapping.EntityMapping;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A read of some records only (those business events point to): the extra $filter, and which events each record
 * answers, so the audit trail can name them. Such a read never moves a watermark; a record it names that the landing
 * database holds and F&O no longer returns has left the entity (a pending invoice, once posted) and is deleted.
 *
 * @param matchSources  the entity properties the events are matched on, in order
 * @param eventsByMatch the lower-case values of those properties → the events asking for that record
 */
public record TargetedRead(String entity, String filter, List<String> matchSources, Map<List<String>, List<String>> eventsByMatch) {

    /** Every event this read answers. */
    public List<String> eventIds() {
        Set<String> all = new LinkedHashSet<>();
        eventsByMatch.values().forEach(all::addAll);
        return List.copyOf(all);
    }

    /** The events the rows of a batch answer. */
    public Set<String> eventsOf(EntityMapping m, List<Object[]> rows) {
        Set<String> out = new LinkedHashSet<>();
        int[] cols = matchSources.stream().mapToInt(m::columnOf).toArray();
        for (Object[] row : rows) {
            List<String> values = new ArrayList<>(cols.length);
            for (int c : cols) {
                values.add(c < 0 || row[c] == null ? "" : row[c].toString().toLowerCase(Locale.ROOT));
            }
            List<String> ids = eventsByMatch.get(values);
            if (ids != null) {
                out.addAll(ids);
            }
        }
        return out;
    }
}
