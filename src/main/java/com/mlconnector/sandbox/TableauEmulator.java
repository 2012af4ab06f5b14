package com.mlconnector.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Tableau REST API as the connector uses it (JSON), strict where Tableau is: sign-in with a personal access
 * token on a site (a second sign-in with the same token ends the first session), sessions that end after an idle
 * time, X-Tableau-Auth on every call, the site LUID in every site URL, extract-refresh jobs that progress in real
 * time and finish with a finishCode (0 success, 1 failed, 2 cancelled), 409 while a data source is refreshing
 * already, and webhook calls (DatasourceRefreshStarted/Succeeded/Failed) to the connector's webhook URL.
 */
public final class TableauEmulator extends EmulatorServer {
    private static final Logger LOG = LoggerFactory.getLogger(TableauEmulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern API = Pattern.compile("/api/3\\.(\\d{1,2})/(.*)");
    private static final Pattern REFRESH = Pattern.compile("sites/([^/]+)/datasources/([^/]+)/refresh");
    private static final Pattern DATASOURCE = Pattern.compile("sites/([^/]+)/datasources/([^/]+)");
    private static final Pattern JOB = Pattern.compile("sites/([^/]+)/jobs/([^/]+)");

    private record Session(String token, Instant[] lastUsed) {
    }

    /** One refresh job; it completes {@code duration} after it was created. */
    private static final class Job {
        final String id = UUID.randomUUID().toString();
        final String datasourceId;
        final Instant createdAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final Duration duration;
        final int finishCode;
        final Duration apiLag;

        Job(String datasourceId, Duration duration, int finishCode, Duration apiLag) {
            this.datasourceId = datasourceId;
            this.duration = duration;
            this.finishCode = finishCode;
            this.apiLag = apiLag;
        }

        Instant completedAt() {
            return createdAt.plus(duration);
        }

        /** What the job API shows: completion only once {@code apiLag} after it happened (webhooks come at once). */
        boolean doneForApi(Instant now) {
            return !now.isBefore(completedAt().plus(apiLag));
        }
    }

    private final String patName;
    private final String patSecret;
    private final String siteContentUrl;
    private final String siteId = UUID.randomUUID().toString();
    private final String userId = UUID.randomUUID().toString();
    private final Duration sessionIdle;
    private final Map<String, String> datasources = new ConcurrentHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<String, Deque<Integer>> scripted = new ConcurrentHashMap<>();
    private final List<String> webhookAnswers = java.util.Collections.synchronizedList(new ArrayList<>());
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tableau-emulator-webhooks");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient webhookClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger signIns = new AtomicInteger();
    private final AtomicInteger refreshRequests = new AtomicInteger();
    private final AtomicInteger polls = new AtomicInteger();
    private final AtomicInteger refusedSessions = new AtomicInteger();
    private final AtomicInteger throttleNext = new AtomicInteger();
    private volatile Duration jobDuration;
    private volatile Duration apiLag = Duration.ZERO;
    private volatile boolean duplicateWebhooks;
    private volatile boolean answerAfterEvents;
    private volatile Duration endEventDelay = Duration.ZERO;
    private volatile Supplier<String> webhookUrl = () -> null;

    public TableauEmulator(int port, String patName, String patSecret, String siteContentUrl, Duration sessionIdle,
                           Duration jobDuration) {
        super(port);
        this.patName = patName;
        this.patSecret = patSecret;
        this.siteContentUrl = siteContentUrl;
        this.sessionIdle = sessionIdle;
        this.jobDuration = jobDuration;
        start();
    }

    // ---- what tests and the sandbox set up ----

    public void addDatasource(String id, String name) {
        datasources.put(id, name);
    }

    /** Where webhook events go (the connector's URL, secret included), asked for when an event is sent. */
    public void webhookUrl(Supplier<String> url) {
        this.webhookUrl = url;
    }

    /** The next refresh jobs of a data source end with these finishCodes (then 0 again). */
    public void nextFinishCodes(String datasourceId, Integer... codes) {
        scripted.computeIfAbsent(datasourceId, k -> new ArrayDeque<>()).addAll(List.of(codes));
    }

    public void jobDuration(Duration d) {
        this.jobDuration = d;
    }

    /** The job API reports completion this long after it happened (the webhook comes at once). */
    public void jobApiLag(Duration d) {
        this.apiLag = d;
    }

    public void duplicateWebhooks(boolean twice) {
        this.duplicateWebhooks = twice;
    }

    /** A job's end webhook is sent this long after the job ended (Tableau delivers webhooks asynchronously). */
    public void endEventDelay(Duration d) {
        this.endEventDelay = d;
    }

    /** The refresh POST is answered only after the job ended and its webhook was delivered (a slow Tableau). */
    public void answerAfterEvents(boolean slow) {
        this.answerAfterEvents = slow;
    }

    /** Every session ends now, as after the idle timeout. */
    public void expireSessions() {
        sessions.clear();
    }

    /** The next {@code n} API calls get 429 with Retry-After: 1. */
    public void throttleNext(int n) {
        throttleNext.set(n);
    }

    // ---- what tests read ----

    public String siteId() { return siteId; }
    public int signIns() { return signIns.get(); }
    public int refreshRequests() { return refreshRequests.get(); }
    public int polls() { return polls.get(); }
    /** Calls refused with 401 because their session had ended or never existed. */
    public int refusedSessions() { return refusedSessions.get(); }
    /** The HTTP status the connector answered to each webhook call, in order. */
    public List<String> webhookAnswers() { return List.copyOf(webhookAnswers); }
    public long jobsOf(String datasourceId) {
        return jobs.values().stream().filter(j -> j.datasourceId.equals(datasourceId)).count();
    }

    @Override
    protected void handle(HttpExchange ex) throws IOException {
        Matcher api = API.matcher(ex.getRequestURI().getRawPath());
        if (!api.matches() || Integer.parseInt(api.group(1)) > 29) {
            error(ex, 404, "404000", "Resource Not Found", "Unknown API version or path " + ex.getRequestURI().getPath());
            return;
        }
        String path = api.group(2);
        String accept = ex.getRequestHeaders().getFirst("Accept");
        if (accept == null || !accept.contains("application/json")) {
            // Tableau answers XML unless asked for JSON; this emulator only speaks JSON
            error(ex, 406, "406000", "Not Acceptable", "send Accept: application/json");
            return;
        }
        if (throttleNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            ex.getResponseHeaders().set("Retry-After", "1");
            error(ex, 429, "429000", "Too Many Requests", "Rate limit exceeded");
            return;
        }
        String method = ex.getRequestMethod();
        if (path.equals("auth/signin") && method.equals("POST")) {
            signIn(ex);
            return;
        }
        Session s = session(ex);
        if (s == null) {
            refusedSessions.incrementAndGet();
            error(ex, 401, "401002", "Unauthorized Access", "Invalid authentication credentials were provided.");
            return;
        }
        if (path.equals("auth/signout") && method.equals("POST")) {
            sessions.remove(s.token());
            send(ex, 204, "application/json", "");
            return;
        }
        Matcher m;
        if ((m = REFRESH.matcher(path)).matches() && method.equals("POST")) {
            if (site(ex, m.group(1))) {
                refresh(ex, m.group(2), Integer.parseInt(api.group(1)));
            }
        } else if ((m = JOB.matcher(path)).matches() && method.equals("GET")) {
            if (site(ex, m.group(1))) {
                job(ex, m.group(2));
            }
        } else if ((m = DATASOURCE.matcher(path)).matches() && method.equals("GET")) {
            if (site(ex, m.group(1))) {
                String name = datasources.get(m.group(2));
                if (name == null) {
                    error(ex, 404, "404011", "Resource Not Found", "Datasource '" + m.group(2) + "' could not be found.");
                } else {
                    sendJson(ex, 200, "{\"datasource\":{\"id\":" + quote(m.group(2)) + ",\"name\":" + quote(name)
                            + ",\"type\":\"postgres\",\"hasExtracts\":true}}");
                }
            }
        } else {
            error(ex, 405, "405000", "Method Not Allowed", method + " " + path + " is not emulated");
        }
    }

    private void signIn(HttpExchange ex) throws IOException {
        JsonNode c;
        try {
            c = JSON.readTree(ex.getRequestBody()).path("credentials");
        } catch (IOException e) {
            error(ex, 400, "400000", "Bad Request", "The request body is not valid JSON");
            return;
        }
        String name = c.path("personalAccessTokenName").asText(null);
        String secret = c.path("personalAccessTokenSecret").asText(null);
        String site = c.path("site").path("contentUrl").asText(null);
        if (!patName.equals(name) || !patSecret.equals(secret) || !siteContentUrl.equals(site)) {
            error(ex, 401, "401001", "Signin Error", "Error signing in to Tableau Server");
            return;
        }
        // one session per personal access token: signing in again ends the one before
        sessions.clear();
        String token = UUID.randomUUID().toString().replace("-", "") + "|" + UUID.randomUUID().toString().replace("-", "");
        sessions.put(token, new Session(token, new Instant[]{Instant.now()}));
        signIns.incrementAndGet();
        sendJson(ex, 200, "{\"credentials\":{\"site\":{\"id\":" + quote(siteId) + ",\"contentUrl\":" + quote(siteContentUrl)
                + "},\"user\":{\"id\":" + quote(userId) + "},\"token\":" + quote(token)
                + ",\"estimatedTimeToExpiration\":\"" + sessionIdle.toMinutes() + ":00\"}}");
    }

    private Session session(HttpExchange ex) {
        String token = ex.getRequestHeaders().getFirst("X-Tableau-Auth");
        Session s = token == null ? null : sessions.get(token);
        if (s == null) {
            return null;
        }
        synchronized (s) {
            if (Instant.now().isAfter(s.lastUsed()[0].plus(sessionIdle))) {
                sessions.remove(token);
                return null;
            }
            s.lastUsed()[0] = Instant.now();
        }
        return s;
    }

    private boolean site(HttpExchange ex, String id) throws IOException {
        if (!siteId.equals(id)) {
            error(ex, 403, "403000", "Forbidden", "The session is not for site " + id + " (use the site id from the sign-in)");
            return false;
        }
        return true;
    }

    private void refresh(HttpExchange ex, String ds, int minor) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!body.isEmpty()) {
            try {
                JsonNode b = JSON.readTree(body);
                if (b.has("extractRefresh") && minor < 25) {
                    error(ex, 400, "400000", "Bad Request", "extractRefresh in the request needs API 3.25 or later");
                    return;
                }
                if (!b.isObject() || (b.size() > 0 && !b.has("extractRefresh"))) {
                    error(ex, 400, "400000", "Bad Request", "Unexpected request body");
                    return;
                }
            } catch (IOException e) {
                error(ex, 400, "400000", "Bad Request", "The request body is not valid JSON");
                return;
            }
        }
        String name = datasources.get(ds);
        if (name == null) {
            error(ex, 404, "404011", "Resource Not Found", "Datasource '" + ds + "' could not be found.");
            return;
        }
        Job job;
        synchronized (this) {
            Instant now = Instant.now();
            boolean running = jobs.values().stream().anyMatch(j -> j.datasourceId.equals(ds) && !j.doneForApi(now));
            if (running) {
                error(ex, 409, "409093", "Resource Conflict", "A refresh of this data source is already in progress.");
                return;
            }
            Deque<Integer> codes = scripted.get(ds);
            Integer code = codes == null ? null : codes.poll();
            job = new Job(ds, jobDuration, code == null ? 0 : code, apiLag);
            jobs.put(job.id, job);
        }
        refreshRequests.incrementAndGet();
        sendEvent("DatasourceRefreshStarted", job, name, job.createdAt);
        long delay = Math.max(0, Duration.between(Instant.now(), job.completedAt()).toMillis());
        Runnable end = () -> {
            if (job.finishCode == 0) {
                sendEvent("DatasourceRefreshSucceeded", job, name, job.completedAt());
            } else if (job.finishCode == 1) {
                sendEvent("DatasourceRefreshFailed", job, name, job.completedAt());
            }
        };
        if (answerAfterEvents) {
            // a slow answer: the job finished and its webhook went out before the POST is answered
            try {
                Thread.sleep(delay);
                end.run();
                timer.submit(() -> { }).get(30, TimeUnit.SECONDS); // the webhooks queued before it are delivered
            } catch (Exception e) {
                throw new IOException("interrupted", e);
            }
        } else {
            timer.schedule(end, delay + endEventDelay.toMillis(), TimeUnit.MILLISECONDS);
        }
        sendJson(ex, 202, "{\"job\":{\"id\":" + quote(job.id) + ",\"mode\":\"Asynchronous\",\"type\":\"RefreshExtract\","
                + "\"createdAt\":" + quote(job.createdAt.toString()) + "}}");
    }

    private void job(HttpExchange ex, String id) throws IOException {
        polls.incrementAndGet();
        Job j = jobs.get(id);
        if (j == null) {
            error(ex, 404, "404005", "Resource Not Found", "Job '" + id + "' could not be found.");
            return;
        }
        Instant now = Instant.now();
        StringBuilder sb = new StringBuilder("{\"job\":{\"id\":").append(quote(j.id))
                .append(",\"mode\":\"Asynchronous\",\"type\":\"RefreshExtract\",\"createdAt\":").append(quote(j.createdAt.toString()))
                .append(",\"startedAt\":").append(quote(j.createdAt.toString()));
        if (j.doneForApi(now)) {
            sb.append(",\"progress\":\"100\",\"completedAt\":").append(quote(j.completedAt().toString()))
                    .append(",\"finishCode\":\"").append(j.finishCode).append('"');
            if (j.finishCode == 1) {
                sb.append(",\"statusNotes\":{\"statusNote\":[{\"type\":\"ErrorInfo\",\"value\":\"Unable to connect to the server "
                        + "\\\"landing\\\". Check that the server is running and that you have access privileges.\"}]}");
            }
        } else {
            long total = Math.max(1, j.duration.toMillis());
            long done = Math.min(total, Duration.between(j.createdAt, now).toMillis());
            sb.append(",\"progress\":\"").append(Math.min(99, done * 100 / total)).append('"');
        }
        sb.append(",\"extractRefreshJob\":{\"datasource\":{\"id\":").append(quote(j.datasourceId))
                .append(",\"name\":").append(quote(datasources.getOrDefault(j.datasourceId, ""))).append("}}}}");
        sendJson(ex, 200, sb.toString());
    }

    /** Posts one webhook event to the connector (twice when asked to: Tableau may deliver an event again). */
    private void sendEvent(String type, Job job, String name, Instant at) {
        String url = webhookUrl.get();
        if (url == null) {
            return;
        }
        String body = "{\"resource\":\"DATASOURCE\",\"event_type\":" + quote(type) + ",\"resource_name\":" + quote(name)
                + ",\"site_luid\":" + quote(siteId) + ",\"resource_luid\":" + quote(job.datasourceId)
                + ",\"created_at\":" + quote(at.toString()) + "}";
        int times = duplicateWebhooks ? 2 : 1;
        timer.execute(() -> {
            for (int i = 0; i < times; i++) {
                try {
                    HttpResponse<Void> r = webhookClient.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json").header("User-Agent", "Tableau-Webhooks")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
                    webhookAnswers.add(type + " " + r.statusCode());
                } catch (IOException e) {
                    webhookAnswers.add(type + " unreachable");
                    LOG.debug("Tableau emulator: webhook not delivered: {}", e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        });
    }

    private static void error(HttpExchange ex, int status, String code, String summary, String detail) throws IOException {
        send(ex, status, "application/json", "{\"error\":{\"summary\":" + quote(summary) + ",\"detail\":" + quote(detail)
                + ",\"code\":" + quote(code) + "}}");
    }

    @Override
    public void close() {
        timer.shutdownNow();
        super.close();
    }
}
