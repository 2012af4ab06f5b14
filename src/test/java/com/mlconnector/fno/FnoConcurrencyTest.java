package com.mlconnector.fno;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.sandbox.FnoEmulator;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests to F&O are bounded across the process's runs (d365.max-concurrent-requests), and a 429 holds every run back. */
class FnoConcurrencyTest {
    private static void all(ConnectorRuntime rt, String... entities) throws Exception {
        CompletableFuture<?>[] runs = new CompletableFuture<?>[entities.length];
        for (int i = 0; i < entities.length; i++) {
            String e = entities[i];
            runs[i] = CompletableFuture.runAsync(() -> rt.syncNow(e, "test"));
        }
        CompletableFuture.allOf(runs).get(120, TimeUnit.SECONDS);
    }

    @Test
    void requestsInFlightNeverExceedTheLimitAndNoRunSendsBeforeARetryAfterHasPassed() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("d365.max-concurrent-requests", "2");
        p.setProperty("sandbox.fno.page-delay-ms", "150");
        p.setProperty("sandbox.fno.page-size", "500");
        p.setProperty("sandbox.fno.rows.GeneralJournalAccountEntryBiEntities", "4000");
        p.setProperty("sandbox.fno.retry-after-seconds", "2");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            FnoEmulator fno = rt.sandbox().fno();
            rt.syncNow("GLAccounts", "test"); // $metadata read, tokens warm
            fno.resetCounters();
            all(rt, "GLEntries", "Vendors", "Customers", "Invoices");
            assertThat(fno.maxInFlight()).as("requests F&O served at once").isLessThanOrEqualTo(2);
            for (String t : List.of("GLEntries", "Vendors", "Customers", "Invoices")) {
                assertThat(TestConnector.runs(rt, t)).allSatisfy(r -> assertThat(r).containsEntry("STATUS", "SUCCEEDED"));
            }

            // F&O answers one request 429 with Retry-After 2 s: no run sends anything until it has passed
            fno.resetCounters();
            fno.throttleNext(1);
            all(rt, "Vendors", "Customers", "GLAccounts", "Products");
            List<FnoEmulator.Arrival> arrivals = fno.arrivals();
            Instant refused = arrivals.stream().filter(FnoEmulator.Arrival::throttled).findFirst().orElseThrow().at();
            // (a request already on its way when the 429 was answered may arrive just after it)
            assertThat(arrivals.stream().map(FnoEmulator.Arrival::at)
                    .filter(a -> a.isAfter(refused.plusMillis(150)) && a.isBefore(refused.plus(Duration.ofMillis(1900)))))
                    .as("requests within the Retry-After of the 429 at %s", refused).isEmpty();
            assertThat(arrivals.stream().filter(a -> a.at().isAfter(refused))).as("the runs went on after it").isNotEmpty();
            for (String t : List.of("Vendors", "Customers", "GLAccounts", "Products")) {
                assertThat(TestConnector.runs(rt, t)).allSatisfy(r -> assertThat(r).containsEntry("STATUS", "SUCCEEDED"));
            }
        }
    }
}
