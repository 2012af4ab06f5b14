package com.mlconnector.ops;


import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * A destination that keeps failing turns its check DOWN, with the reason: its last {@code threshold} audited actions
 * (batches, replaces, refreshes, jobs) all failed. One success turns it UP again. It reports (in
 * {@code /observe/health}) without taking the process out: neither a liveness nor a readiness check, since a
 * restart or leaving the service would not mend Power BI or a warehouse, and would stop business events and
 * webhooks from being taken.
 */
public final class DestinationHealth extends ReportingHealthCheck {
    private final DataSource db;
    private final String destination;
    private final int threshold;

    public DestinationHealth(DataSource db, String destination, int threshold) {
        super("destination-" + destination);
        this.db = db;
        this.destination = destination;
        this.threshold = threshold;
    }

    @Override
    protected String unreadable() {
        return "cannot read the audit trail: ";
    }

    @Override
    protected Verdict verdict() throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT status, answer, target_table FROM batch_audit WHERE destination = ? ORDER BY finished_at DESC, started_at DESC")) {
            ps.setString(1, destination);
            ps.setMaxRows(threshold);
            int failed = 0;
            String reason = null;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if ("CONFIRMED".equals(rs.getString(1))) {
                        break;
                    }
                    if (failed++ == 0) {
                        reason = rs.getString(3) + ": " + rs.getString(2);
                    }
                }
            }
            return failed >= threshold
                    ? Verdict.of(false, destination + " failed its last " + failed + " deliveries; last: " + reason,
                    "destination", destination, "recentFailures", failed)
                    : Verdict.of(true, null, "destination", destination, "recentFailures", failed);
        }
    }
}
