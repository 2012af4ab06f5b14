package com.mlconnector.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mlconnector.mapping.EntityMapping;
import org.apache.camel.Exchange;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The status page (route bean {@code statusPage}, GET /status and /status.json): a grid of entities × destinations
 * with the last run, rows, lag, state and failure reason, and a chart of rows delivered over the recent runs. Plain
 * HTML and inline SVG, rendered here: no script, nothing fetched from elsewhere, readable without Hawtio.
 */
public final class StatusPage {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    /** One cell of the grid. */
    public record Cell(String table, String destination, Instant lastSuccess, long rows, Duration lag, String state, String reason,
                       int deadLetters) {
    }

    /** One bar of the chart. */
    public record Run(String table, Instant started, String status, long rowsWritten, String trigger) {
    }

    private final OperatedConnector rt;

    public StatusPage(OperatedConnector rt) {
        this.rt = rt;
    }

    public List<Cell> grid() throws SQLException {
        List<Cell> cells = new ArrayList<>();
        for (EntityMapping m : rt.mappings().all()) {
            for (String d : rt.activeDestinations()) {
                if (!rt.takes(d, m)) {
                    continue;
                }
                StatusReport.Line l = StatusReport.of(rt.landing().dataSource(), List.of(m), d).get(0);
                String[] lastRun = lastRun(m.table());
                String[] lastAudit = StatusReport.lastAudit(rt.landing().dataSource(), m.table(), d);
                // a failed read fails every destination; otherwise each destination is judged by its own deliveries
                String reason = "FAILED".equals(lastRun[0]) ? lastRun[1]
                        : lastAudit != null && !"CONFIRMED".equals(lastAudit[0]) ? lastAudit[1]
                        : l.deadLetters() > 0 ? l.deadLetters() + " dead letter(s) waiting for replay" : "";
                String state = rt.pauses().isPaused(m.table()) ? "PAUSED" : !reason.isEmpty() ? "FAILING"
                        : l.lastSuccess() == null && lastAudit == null ? "NEVER RUN" : "OK";
                cells.add(new Cell(m.table(), d, l.lastSuccess(), l.rowsWritten(), l.lag(), state, reason == null ? "" : reason,
                        l.deadLetters()));
            }
        }
        return cells;
    }

    /** Status and error of the table's latest run ({null, null} when it never ran). */
    private String[] lastRun(String table) throws SQLException {
        try (Connection c = rt.landing().dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT status, error_message FROM connector_run WHERE target_table = ? ORDER BY started_at DESC")) {
            ps.setString(1, table);
            ps.setMaxRows(1);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new String[]{rs.getString(1), rs.getString(2)} : new String[]{null, null};
            }
        }
    }

    public List<Run> recentRuns(int limit) throws SQLException {
        List<Run> runs = new ArrayList<>();
        try (Connection c = rt.landing().dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT target_table, started_at, status, rows_written, trigger_kind FROM connector_run ORDER BY started_at DESC")) {
            ps.setMaxRows(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    runs.add(new Run(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getLong(4), rs.getString(5)));
                }
            }
        }
        java.util.Collections.reverse(runs); // oldest first, left to right
        return runs;
    }

    /** GET /status */
    public void html(Exchange exchange) throws SQLException {
        List<Cell> grid = grid();
        List<Run> runs = recentRuns(40);
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"30\">")
                .append("<title>ml-connector status</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#1d2733;background:#f6f8fa}")
                .append("h1{font-size:20px;margin:0 0 4px}p.sub{color:#5b6b7b;margin:0 0 18px}")
                .append("table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002;margin-bottom:24px}")
                .append("th,td{padding:6px 10px;border-bottom:1px solid #e3e8ee;text-align:left;font-size:13px;vertical-align:top}")
                .append("th{background:#eef2f6;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}")
                .append(".OK{color:#11683a;font-weight:600}.FAILING{color:#b42318;font-weight:600}.PAUSED{color:#9a6700;font-weight:600}")
                .append(".NEVER{color:#5b6b7b}td.reason{max-width:520px;color:#b42318;word-break:break-word}")
                .append("h2{font-size:16px;margin:8px 0}.legend span{display:inline-block;margin-right:14px;font-size:12px}")
                .append("#failing{background:#fff4f2;border:1px solid #f3c5bf;padding:8px 8px 8px 28px;margin:0 0 18px;font-size:13px}")
                .append("#failing li{margin:3px 0;color:#7a1c14}details{display:inline;margin-left:6px}summary{cursor:pointer;color:#5b6b7b;")
                .append("display:inline}details[open] pre{white-space:pre-wrap;word-break:break-all;font-size:11px;color:#3d4b59;")
                .append("background:#f6f8fa;padding:6px;margin:4px 0}")
                .append("</style></head><body>");
        // one line per failing table: a failed read fails every destination with the same reason, said once
        java.util.Map<String, List<Cell>> failingTables = new java.util.LinkedHashMap<>();
        grid.stream().filter(c -> c.state().equals("FAILING")).forEach(c -> failingTables.computeIfAbsent(c.table(), t -> new ArrayList<>()).add(c));
        long neverRun = grid.stream().filter(c -> c.state().equals("NEVER RUN")).map(Cell::table).distinct().count();
        String summary = runs.isEmpty() ? "nothing has run yet"
                : !failingTables.isEmpty() ? failingTables.size() + " table(s) failing"
                : "all deliveries healthy" + (neverRun == 0 ? "" : " · " + neverRun + " table(s) not run yet");
        h.append("<h1>ml-connector</h1><p class=\"sub\" id=\"summary\">").append(esc(TIME.format(Instant.now()))).append(" · ")
                .append(rt.sandboxed() ? "sandbox" : esc(rt.settings().d365Url)).append(" · ")
                .append(esc(summary)).append("</p>");
        if (!failingTables.isEmpty()) {
            h.append("<ul id=\"failing\">");
            for (java.util.Map.Entry<String, List<Cell>> e : failingTables.entrySet()) {
                List<String> full = e.getValue().stream().map(Cell::reason).distinct().toList();
                h.append("<li data-table=\"").append(esc(e.getKey())).append("\"><b>").append(esc(e.getKey())).append("</b> (")
                        .append(esc(String.join(", ", e.getValue().stream().map(Cell::destination).toList()))).append("): ")
                        .append(esc(String.join("; ", full.stream().map(FailureReasons::shortReason).distinct().toList())))
                        .append(details(String.join("\n\n", full))).append("</li>");
            }
            h.append("</ul>");
        }
        h.append("<table id=\"grid\"><thead><tr><th>Entity</th><th>Destination</th><th>State</th><th>Last success</th>")
                .append("<th>Rows (last run)</th><th>Lag</th><th>Dead letters</th><th>Failure reason</th></tr></thead><tbody>");
        for (Cell c : grid) {
            h.append("<tr data-table=\"").append(esc(c.table())).append("\" data-destination=\"").append(esc(c.destination()))
                    .append("\"><td>").append(esc(c.table())).append("</td><td>").append(esc(c.destination()))
                    .append("</td><td class=\"").append(c.state().split(" ")[0]).append("\">").append(esc(c.state()))
                    .append("</td><td>").append(c.lastSuccess() == null ? "never" : esc(TIME.format(c.lastSuccess())))
                    .append("</td><td class=\"n\">").append(String.format("%,d", c.rows()))
                    .append("</td><td class=\"n\">").append(c.lag() == null ? "–" : esc(lag(c.lag())))
                    .append("</td><td class=\"n\">").append(c.deadLetters())
                    .append("</td><td class=\"reason\">").append(esc(FailureReasons.shortReason(c.reason())))
                    .append(c.reason().isEmpty() ? "" : details(c.reason())).append("</td></tr>");
        }
        h.append("</tbody></table>");
        List<StatusReport.Reconcile> reconciles = StatusReport.lastReconciles(rt.landing().dataSource());
        if (!reconciles.isEmpty()) {
            // what the last full reads corrected: the drift the incremental runs had missed
            h.append("<h2>Last reconcile</h2><table id=\"reconcile\"><thead><tr><th>Entity</th><th>Destination</th><th>When</th>")
                    .append("<th>Corrected</th></tr></thead><tbody>");
            for (StatusReport.Reconcile r : reconciles) {
                h.append("<tr><td>").append(esc(r.table())).append("</td><td>").append(esc(r.destination())).append("</td><td>")
                        .append(esc(TIME.format(r.at()))).append("</td><td>").append(esc(r.corrected())).append("</td></tr>");
            }
            h.append("</tbody></table>");
        }
        List<StatusReport.Owed> owed = StatusReport.owed(rt.landing().dataSource());
        if (!owed.isEmpty()) {
            // a model refresh or a Job the runs that landed rows still wait for: asked once per window, again after a failure
            h.append("<h2>Follow-ups owed</h2><table id=\"owed\"><thead><tr><th>Destination</th><th>Entity</th><th>Run</th>")
                    .append("<th>Waiting</th><th>Last try</th></tr></thead><tbody>");
            for (StatusReport.Owed o : owed) {
                h.append("<tr><td>").append(esc(o.destination())).append("</td><td>").append(esc(o.table())).append("</td><td>")
                        .append(esc(o.runId())).append("</td><td class=\"n\">")
                        .append(esc(lag(java.time.Duration.between(o.landedAt(), Instant.now())))).append("</td><td class=\"reason\">")
                        .append(o.lastFailure() == null ? "not asked yet" : esc(FailureReasons.shortReason(o.lastFailure()))
                                + details(o.lastFailure())).append("</td></tr>");
            }
            h.append("</tbody></table>");
        }
        // the nodes sharing this state database, and which runs what now
        java.time.Duration leaseTime = java.time.Duration.ofSeconds(rt.settings().leaseSeconds);
        List<com.mlconnector.state.TableLeases.Holder> leases = com.mlconnector.state.TableLeases.all(rt.landing().dataSource());
        h.append("<h2>Nodes</h2><table id=\"nodes\"><thead><tr><th>Node</th><th>Role</th><th>Up since</th><th>Last heartbeat</th>")
                .append("<th>Running</th></tr></thead><tbody>");
        for (com.mlconnector.state.Nodes.Node n : com.mlconnector.state.Nodes.alive(rt.landing().dataSource(), leaseTime)) {
            String running = String.join(", ", leases.stream().filter(l -> l.owner().equals(n.nodeId()) && l.expiresAt().isAfter(Instant.now()))
                    .map(com.mlconnector.state.TableLeases.Holder::table).toList());
            h.append("<tr><td>").append(esc(n.nodeId())).append(n.nodeId().equals(rt.leases().owner()) ? " (this one)" : "")
                    .append("</td><td>").append(esc(n.role())).append("</td><td>").append(esc(TIME.format(n.startedAt())))
                    .append("</td><td>").append(esc(TIME.format(n.heartbeatAt()))).append("</td><td>")
                    .append(running.isEmpty() ? "idle" : esc(running)).append("</td></tr>");
        }
        h.append("</tbody></table>");
        h.append("<h2>Rows delivered, last ").append(runs.size()).append(" runs</h2>").append(chart(runs));
        h.append("</body></html>");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/html; charset=utf-8");
        exchange.getMessage().setBody(h.toString());
    }

    /** GET /status.json: the same, for scripts. */
    public void json(Exchange exchange) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.put("time", Instant.now().toString());
        ArrayNode cells = root.putArray("grid");
        for (Cell c : grid()) {
            ObjectNode n = cells.addObject();
            n.put("table", c.table()).put("destination", c.destination()).put("state", c.state())
                    .put("lastSuccess", c.lastSuccess() == null ? null : c.lastSuccess().toString()).put("rows", c.rows())
                    .put("lagSeconds", c.lag() == null ? null : c.lag().toSeconds()).put("deadLetters", c.deadLetters())
                    .put("reason", c.reason());
        }
        ArrayNode runs = root.putArray("runs");
        for (Run r : recentRuns(40)) {
            runs.addObject().put("table", r.table()).put("started", r.started().toString()).put("status", r.status())
                    .put("rowsWritten", r.rowsWritten()).put("trigger", r.trigger());
        }
        ArrayNode owed = root.putArray("followUpsOwed");
        for (StatusReport.Owed o : StatusReport.owed(rt.landing().dataSource())) {
            owed.addObject().put("destination", o.destination()).put("table", o.table()).put("runId", o.runId())
                    .put("landedAt", o.landedAt().toString()).put("lastFailure", o.lastFailure());
        }
        ArrayNode nodes = root.putArray("nodes");
        List<com.mlconnector.state.TableLeases.Holder> leases = com.mlconnector.state.TableLeases.all(rt.landing().dataSource());
        for (com.mlconnector.state.Nodes.Node n : com.mlconnector.state.Nodes.alive(rt.landing().dataSource(),
                java.time.Duration.ofSeconds(rt.settings().leaseSeconds))) {
            ObjectNode node = nodes.addObject().put("node", n.nodeId()).put("role", n.role()).put("startedAt", n.startedAt().toString())
                    .put("heartbeatAt", n.heartbeatAt().toString());
            ArrayNode running = node.putArray("running");
            leases.stream().filter(l -> l.owner().equals(n.nodeId()) && l.expiresAt().isAfter(Instant.now()))
                    .forEach(l -> running.addObject().put("table", l.table()).put("run", l.runId()));
        }
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(JSON.writeValueAsString(root));
    }

    /**
     * Bars of rows written per run on a log scale (a 60,000-row load and a 3-row update both stay readable), coloured
     * by how the run ended, with the count on top and the table under each bar.
     */
    static String chart(List<Run> runs) {
        int w = Math.max(460, runs.size() * 40 + 80);
        int h = 250;
        int top = 20;
        int base = 180;
        double maxLog = Math.max(1, Math.ceil(Math.log10(1 + runs.stream().mapToLong(Run::rowsWritten).max().orElse(1))));
        StringBuilder s = new StringBuilder();
        s.append("<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" role=\"img\" aria-label=\"rows delivered per run\" style=\"background:#fff;box-shadow:0 1px 2px #0002\">");
        for (int e = 0; e <= maxLog; e++) {
            int y = (int) Math.round(base - e / maxLog * (base - top));
            s.append("<line x1=\"60\" y1=\"").append(y).append("\" x2=\"").append(w - 8).append("\" y2=\"").append(y)
                    .append("\" stroke=\"").append(e == 0 ? "#8795a1" : "#e3e8ee").append("\"/>")
                    .append("<text x=\"54\" y=\"").append(y + 4).append("\" font-size=\"10\" text-anchor=\"end\" fill=\"#5b6b7b\">")
                    .append(e == 0 ? "0" : String.format("%,d", (long) Math.pow(10, e))).append("</text>");
        }
        int x = 70;
        for (Run r : runs) {
            boolean failed = r.status().equals("FAILED") || r.status().equals("ABANDONED");
            int barH = (int) Math.round(Math.log10(1 + r.rowsWritten()) / maxLog * (base - top));
            if (failed && barH < 30) {
                barH = 30; // a run that failed before writing anything is a red bar, not an empty slot
            }
            String colour = switch (r.status()) {
                case "SUCCEEDED" -> "#2f9e6a";
                case "PARTIAL" -> "#d99a1e";
                case "RUNNING" -> "#4f86c6";
                default -> "#d0463b";
            };
            int y = base - Math.max(barH, 2);
            s.append("<rect class=\"bar").append(failed ? " failed" : "").append("\" data-status=\"").append(esc(r.status()))
                    .append("\" data-rows=\"").append(r.rowsWritten()).append("\" x=\"").append(x).append("\" y=\"")
                    .append(y).append("\" width=\"26\" height=\"").append(Math.max(barH, 2))
                    .append("\" fill=\"").append(colour).append("\"><title>").append(esc(r.table())).append(' ')
                    .append(esc(r.status())).append(" (").append(esc(r.trigger())).append("): ")
                    .append(String.format("%,d", r.rowsWritten())).append(" rows at ").append(esc(TIME.format(r.started())))
                    .append("</title></rect>")
                    .append("<text x=\"").append(x + 13).append("\" y=\"").append(y - 3).append("\" font-size=\"9\" text-anchor=\"middle\" ")
                    .append("fill=\"").append(failed ? "#b42318" : "#1d2733").append("\">")
                    .append(failed ? "failed" : compact(r.rowsWritten())).append("</text>")
                    .append("<text x=\"").append(x + 13).append("\" y=\"").append(base + 12).append("\" font-size=\"9\" fill=\"#3d4b59\" ")
                    .append("transform=\"rotate(40 ").append(x + 13).append(' ').append(base + 12).append(")\">")
                    .append(esc(r.table())).append("</text>");
            x += 40;
        }
        s.append("</svg><div class=\"legend\"><span style=\"color:#2f9e6a\">&#9632; succeeded</span><span style=\"color:#d99a1e\">")
                .append("&#9632; partial</span><span style=\"color:#d0463b\">&#9632; failed / abandoned</span><span style=\"color:#4f86c6\">")
                .append("&#9632; running</span><span>rows on a log scale</span></div>");
        return s.toString();
    }

    /** The full text, one click away. */
    private static String details(String full) {
        return "<details><summary>full text</summary><pre>" + esc(full) + "</pre></details>";
    }

    private static String compact(long n) {
        return n < 1000 ? String.valueOf(n) : n < 1_000_000 ? (n / 100) / 10.0 + "k" : (n / 100_000) / 10.0 + "M";
    }

    private static String lag(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + " s" : s < 7200 ? s / 60 + " min" : s / 3600 + " h";
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
