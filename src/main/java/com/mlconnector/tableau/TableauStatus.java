package com.mlconnector.tableau;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Per configured data source: the last refresh and whether the extract is behind the landing tables. */
public final class TableauStatus {
    public record Line(String datasourceId, String lastStatus, Instant lastAt, String lastAnswer, Instant owedSince) {
        public boolean behind() {
            return owedSince != null;
        }
    }

    private TableauStatus() {
    }

    public static List<Line> of(DataSource db, TableauSettings settings) throws SQLException {
        List<Line> lines = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            for (String ds : settings.datasources.keySet()) {
                String status = null;
                String answer = null;
                Instant at = null;
                try (PreparedStatement ps = c.prepareStatement("SELECT status, finished_at, answer FROM batch_audit "
                        + "WHERE destination = 'tableau' AND kind = 'REFRESH' AND answer LIKE ? ORDER BY finished_at DESC")) {
                    ps.setString(1, "data source " + ds + "%");
                    ps.setMaxRows(1);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            status = rs.getString(1);
                            at = rs.getTimestamp(2).toInstant();
                            answer = rs.getString(3);
                        }
                    }
                }
                Instant owed = null;
                try (PreparedStatement ps = c.prepareStatement("SELECT landed_at FROM tableau_refresh_owed WHERE datasource_id = ?")) {
                    ps.setString(1, ds);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            owed = rs.getTimestamp(1).toInstant();
                        }
                    }
                }
                lines.add(new Line(ds, status, at, answer, owed));
            }
        }
        return lines;
    }

    public static String render(List<Line> lines) {
        StringBuilder sb = new StringBuilder();
        for (Line l : lines) {
            sb.append("Tableau data source ").append(l.datasourceId()).append(": ")
                    .append(l.lastStatus() == null ? "never refreshed" : "last refresh " + l.lastStatus() + " at " + l.lastAt())
                    .append(l.behind() ? "; extract BEHIND the landing tables since " + l.owedSince() + " (the next run asks again)"
                            : "; extract up to date")
                    .append(System.lineSeparator());
            if (l.lastAnswer() != null && !"CONFIRMED".equals(l.lastStatus())) {
                sb.append("    ").append(l.lastAnswer()).append(System.lineSeparator());
            }
        }
        return sb.toString();
    }
}
