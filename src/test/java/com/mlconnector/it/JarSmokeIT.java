package com.mlconnector.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded jar as a user runs it, against the sandbox: a one-off sync, then the service with fixed ports (the
 * status page, health, Jolokia, a business event), so what the fat jar lacks or merges wrongly shows here.
 */
class JarSmokeIT {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Path jar() {
        Path jar = Path.of(System.getProperty("connector.jar", "target/ml-connector.jar"));
        assertThat(jar).as("the shaded jar, built by package").exists();
        return jar;
    }

    private void workDir() throws IOException {
        for (String folder : List.of("routes", "mappings", "events")) {
            Files.createDirectories(dir.resolve(folder));
            try (Stream<Path> files = Files.list(Path.of(folder))) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(folder).resolve(f.getFileName()));
                }
            }
        }
        Files.copy(Path.of("application.properties"), dir.resolve("application.properties"));
    }

    private Process start(List<String> jvmArgs, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-jar", jar().toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--dir", dir.toString()));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("connector.log").toFile()).start();
    }

    /**
     * A free port below the kernel's ephemeral range (32768 and up on Linux): the service's sandbox emulators bind port
     * 0 and get ephemeral ports, so a port handed out by bind(0) here could be taken by one of them before the service
     * binds it (its management server then only logs a warning, and this test's calls reached an HTTPS emulator).
     */
    private static int freePort() throws IOException {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20_000 + random.nextInt(10_000);
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port between 20000 and 30000");
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theJarSyncsOnceAndRunsAsAServiceWithItsEndpoints() throws Exception {
        workDir();
        List<String> sandbox = List.of("-Dsandbox.fno.throttle-share=0", "-Dsandbox.landing.jdbc-url=jdbc:h2:file:" + dir.resolve("landing"));
        Process once = start(sandbox, "sync", "--once", "--entity", "GLAccounts", "Vendors");
        assertThat(once.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(once.exitValue()).as(Files.readString(dir.resolve("connector.log"))).isZero();

        int server = freePort();
        int management = freePort();
        List<String> service = new ArrayList<>(sandbox);
        service.addAll(List.of("-Dcamel.server.port=" + server, "-Dcamel.management.port=" + management,
                "-Devents.secret=smoke-test-secret-0123456789", "-Dconnector.sandbox=true")); // a secret of its own: the sandbox on purpose
        Process p = start(service, "run");
        try {
            HttpResponse<String> status = null;
            long deadline = System.currentTimeMillis() + 120_000;
            while (System.currentTimeMillis() < deadline && p.isAlive()) {
                try {
                    status = get("http://127.0.0.1:" + server + "/status");
                    if (status.statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    Thread.sleep(500);
                }
            }
            String log = Files.readString(dir.resolve("connector.log"));
            assertThat(status).as("the status page answered; log:\n" + log).isNotNull();
            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(status.body()).contains("data-table=\"GLAccounts\"").contains(">150<");
            HttpResponse<String> health = get("http://127.0.0.1:" + management + "/observe/health");
            assertThat(health.body()).contains("\"status\":\"UP\"");
            assertThat(get("http://127.0.0.1:" + management + "/observe/jolokia/read/com.mlconnector:type=Entity,name=GLAccounts/Paused")
                    .body()).contains("\"value\":false");
            assertThat(get("http://127.0.0.1:" + management + "/observe/metrics").body()).contains("jvm_memory_used_bytes");
            HttpResponse<String> event = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server
                    + "/events/fno/smoke-test-secret-0123456789")).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"BusinessEventId\":\"PurchaseOrderConfirmedBusinessEvent\",\"BusinessEventLegalEntity\":\"USMF\","
                            + "\"ControlNumber\":1,\"EventId\":\"smoke-1\",\"PurchaseOrderNumber\":\"PUR-1\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(event.body()).isEqualTo("{\"stored\":1,\"duplicates\":0,\"ignored\":0}");
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
