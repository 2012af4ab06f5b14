package com.mlconnector.fno;

import com.mlconnector.mapping.EntityMapping;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/** Builds the first URL of an entity read; the following ones are the server's {@code @odata.nextLink}s. */
public final class ODataQueries {
    private ODataQueries() {
    }

    /**
     * {@code {root}/{Entity}?cross-company=true&$select=…&$filter=(dataAreaId eq 'usmf' or …)&$count=true}.
     * Company-scoped entities are read across companies and narrowed to the configured legal entities; shared
     * ones (main accounts, products) carry no dataAreaId and get no company filter.
     *
     * @param extraFilter a further condition (change detection), or null
     * @param orderBy     a property to order by (a growing key, so the watermark can follow the read), or null
     */
    public static String firstPage(String serviceRoot, EntityMapping m, boolean crossCompany, List<String> legalEntities,
                                   String extraFilter, String orderBy) {
        StringBuilder filter = new StringBuilder();
        if (m.companyScoped() && crossCompany && !legalEntities.isEmpty()) {
            filter.append('(').append(legalEntities.stream().map(c -> "dataAreaId eq " + literal(c))
                    .collect(Collectors.joining(" or "))).append(')');
        }
        if (extraFilter != null && !extraFilter.isBlank()) {
            if (filter.length() > 0) {
                filter.append(" and ");
            }
            filter.append('(').append(extraFilter).append(')');
        }
        StringBuilder url = new StringBuilder(serviceRoot).append('/').append(m.entitySet()).append('?');
        if (m.companyScoped() && crossCompany) {
            url.append("cross-company=true&");
        }
        url.append("$select=").append(encode(String.join(",", m.selectedSources())));
        if (filter.length() > 0) {
            url.append("&$filter=").append(encode(filter.toString()));
        }
        if (orderBy != null) {
            url.append("&$orderby=").append(encode(orderBy));
        }
        url.append("&$count=true");
        return url.toString();
    }

    /**
     * A split-point probe: the value of {@code column} in the row at position {@code skip} of the read ordered by it,
     * {@code …?$select=column&$filter=…&$orderby=column&$skip=n&$top=1}.
     */
    public static String probe(String serviceRoot, EntityMapping m, boolean crossCompany, List<String> legalEntities,
                               String filter, String column, long skip) {
        String first = firstPage(serviceRoot, m, crossCompany, legalEntities, filter, column);
        String withoutCount = first.substring(0, first.length() - "&$count=true".length());
        return withoutCount.replaceFirst("\\$select=[^&]*", "\\$select=" + encode(column)) + "&$skip=" + skip + "&$top=1";
    }

    /** An OData string literal: quoted, with quotes doubled ({@code 'O''Brien'}). */
    public static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** Percent-encoding as the connector sends query options (its length is what a URL limit counts). */
    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%2C", ",");
    }
}
