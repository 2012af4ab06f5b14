package com.mlconnector.ops;


import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * F&O failing: DOWN when the last {@code threshold} runs that ended (any table, any node) all failed on a request to
 * F&O (their error names the F&O host: throttled past every retry, refused, unreachable), with the last reason. One
 * run that gets its pages turns it UP again. Like the destinations' checks it reports without taking the process out.
 */
public final class FnoHealth extends ReportingHealthCheck {
    private final DataSource db;
    private final String fnoHost;
    private final int threshold;

    public FnoHealth(DataSource db, String fnoHost, int threshold) {
        super("fno");
        this.db = db;
        this.fnoHost = fnoHost;
        this.threshold = threshold;
    }

    @Override
    protected String unreadable() {
        return "cannot read the run ledger: ";
    }

    @Override
    protected Verdict verdict() throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT status, error_message, target_table FROM connector_run WHERE status <> 'RUNNING' "
                        + "ORDER BY finished_at DESC")) {
            ps.setMaxRows(threshold);
            int failed = 0;
            String reason = null;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String error = rs.getString(2);
                    if (!"FAILED".equals(rs.getString(1)) || error == null || !error.contains(fnoHost)) {
                        break;
                    }
                    if (failed++ == 0) {
                        reason = rs.getString(3) + ": " + FailureReasons.shortReason(error);
                    }
                }
            }
            return failed >= threshold
                    ? Verdict.of(false, "F&O failed the last " + failed + " runs; last: " + reason, "recentFailures", failed)
                    : Verdict.of(true, null, "recentFailures", failed);
        }
    }
}
