package com.mlconnector.routes;

import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The YAML routes integration engineers edit (routes/sync.yaml, routes/error-handling.yaml), run on their own with
 * camel-test-junit5: every bean they call is a stand-in that records the call, so these tests pin the data flow as the
 * routes read (which step follows which, what a filter skips, what the error handler does), not what the beans do.
 */
class SyncRoutesTest extends CamelTestSupport {
    /** Every bean call, in order, as "bean.method" (with a detail where it matters). */
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    /** The run the routes carry in the exchange property "sync": pages left, as the loop condition reads them. */
    public static final class Run {
        int pagesLeft;

        public boolean isMorePages() {
            return pagesLeft > 0;
        }
    }

    public final class Ledger {
        final int pages;

        Ledger(int pages) {
            this.pages = pages;
        }

        public void begin(Exchange e) {
            Run r = new Run();
            r.pagesLeft = pages;
            e.setProperty("sync", r);
            calls.add("runLedger.begin");
        }

        public void finished(Exchange e) { calls.add("runLedger.finished"); }
        public void failed(Exchange e) { calls.add("runLedger.failed"); }
        public void batchWritten(Exchange e) { calls.add("runLedger.batchWritten"); }
    }

    public final class Pages {
        int page;

        public void readPage(Exchange e) {
            Run r = e.getProperty("sync", Run.class);
            r.pagesLeft--;
            page++;
            calls.add("fnoPages.readPage");
            // two batches from each page (a batch stands in as a list of row keys)
            e.getMessage().setBody(List.of(List.of("p" + page + "a"), List.of("p" + page + "b")));
        }
    }

    public final class Changes {
        final boolean unchanged;

        Changes(boolean unchanged) {
            this.unchanged = unchanged;
        }

        public void recordSeen(Exchange e) { calls.add("changes.recordSeen"); }

        public void deletions(Exchange e) {
            String d = e.getMessage().getHeader("destination", String.class);
            calls.add("changes.deletions " + d);
            // the landing has one vanished key to delete; the others none
            e.getMessage().setBody(d.equals("landing") ? List.of(List.of("gone")) : List.of());
        }

        public void onlyChanged(Exchange e) {
            calls.add("changes.onlyChanged " + e.getMessage().getHeader("destination"));
            if (unchanged) {
                e.getMessage().setBody(List.of());
            }
        }
    }

    public final class Queues {
        public void enqueue(Exchange e) { calls.add("deliveries.enqueue " + e.getMessage().getBody()); }
        public void drained(Exchange e) { calls.add("deliveries.drained"); }
    }

    public final class Destination {
        final String name;
        volatile boolean takes;
        final RuntimeException failure;

        Destination(String name, boolean takes, RuntimeException failure) {
            this.name = name;
            this.takes = takes;
            this.failure = failure;
        }

        public boolean takes(Exchange e) { return takes; }

        public void write(Exchange e) {
            calls.add(name + ".write " + e.getMessage().getBody());
            if (failure != null) {
                throw failure;
            }
            if (takesNothing) {
                e.getMessage().setBody(List.of()); // Power BI's write leaves in the body what it took
            }
        }

        public void finish(Exchange e) {
            calls.add(name + ".finish");
            if (finishFailure != null && name.equals(finishFailure.getMessage().split(" ")[0])) {
                throw finishFailure;
            }
        }
        public void landed(Exchange e) { calls.add(name + ".landed"); }
        public void replay(Exchange e) { calls.add(name + ".replay"); }
        public boolean allows(Exchange e) { return true; }
    }

    public final class Recorder {
        public void confirmed(Exchange e) { calls.add("delivery.confirmed " + e.getMessage().getHeader("destination")); }
        public void dead(Exchange e) {
            calls.add("delivery.dead " + e.getMessage().getHeader("destination") + ": "
                    + e.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class).getMessage());
        }
    }

    public final class Retries {
        public boolean shouldRetry(Exchange e) {
            calls.add("retryPolicy.shouldRetry");
            return false; // no retries here: the error handler's last step is what is tested
        }
    }

    public final class CatchUpStub {
        public void replayLagging(Exchange e) { calls.add("catchUp.replayLagging"); }
    }

    /** The service's follow-up timer (its first tick comes after these tests). */
    public final class FollowUpsStub {
        public void askDue() { calls.add("followUps.askDue"); }
    }

    public final class Gate {
        public void verify(Exchange e) { calls.add("mappingCheck.verify"); }
    }

    private boolean unchanged;
    private RuntimeException landingFailure;
    /** "<destination> …": that destination's finish fails. */
    private RuntimeException finishFailure;
    private boolean takesNothing;

    @Override
    public boolean isUseAdviceWith() {
        return true; // the routes are loaded from the YAML files, advised, then the context is started
    }

    private void bind(boolean powerBiTakes) {
        Registry r = context.getRegistry();
        r.bind("runLedger", new Ledger(2));
        r.bind("mappingCheck", new Gate());
        r.bind("fnoPages", new Pages());
        r.bind("changes", new Changes(unchanged));
        r.bind("deliveries", new Queues());
        r.bind("landing", new Destination("landing", true, landingFailure));
        r.bind("powerbi", new Destination("powerbi", powerBiTakes, null));
        r.bind("databricks", new Destination("databricks", false, null));
        r.bind("tableau", new Destination("tableau", true, null));
        r.bind("delivery", new Recorder());
        r.bind("retryPolicy", new Retries());
        r.bind("catchUp", new CatchUpStub());
        r.bind("followUps", new FollowUpsStub());
        r.bind("pauses", new Destination("pauses", true, null));
        // the registry's answers, from the stand-ins' takes: batches to landing, powerbi, databricks; follow-ups by
        // powerbi, databricks, tableau
        r.bind("destinations", new Destinations());
    }

    /** The registry's answers the sync route asks for: which destinations take this run's batches and follow up. */
    public final class Destinations {
        private List<String> taking(String... names) {
            return java.util.Arrays.stream(names)
                    .filter(n -> context.getRegistry().lookupByNameAndType(n, Destination.class).takes).toList();
        }

        public List<String> batchDestinationsOf(Exchange e) {
            return taking("landing", "powerbi", "databricks");
        }

        public int followUpCount(Exchange e) {
            return taking("powerbi", "databricks", "tableau").size();
        }

        public String followUp(Exchange e) {
            return taking("powerbi", "databricks", "tableau").get(e.getProperty(Exchange.LOOP_INDEX, Integer.class));
        }
    }

    private void load() throws Exception {
        // the destinations' route files too: their deliver-<name> routes are where the sync route hands batches;
        // their HTTP routes' token steps are stand-ins (no call goes out in these tests)
        context.getRegistry().bind("powerBiToken", (org.apache.camel.Processor) e -> { });
        context.getRegistry().bind("fabricToken", (org.apache.camel.Processor) e -> { });
        context.getRegistry().bind("databricksToken", (org.apache.camel.Processor) e -> { });
        context.getRegistry().bind("tableauToken", (org.apache.camel.Processor) e -> { });
        PluginHelper.getRoutesLoader(context).loadRoutes(
                ResourceHelper.resolveMandatoryResource(context, "file:routes/error-handling.yaml"),
                ResourceHelper.resolveMandatoryResource(context, "file:routes/sync.yaml"),
                ResourceHelper.resolveMandatoryResource(context, "file:routes/powerbi.yaml"),
                ResourceHelper.resolveMandatoryResource(context, "file:routes/databricks.yaml"),
                ResourceHelper.resolveMandatoryResource(context, "file:routes/tableau.yaml"));
    }

    @Test
    void aRunReadsEveryPageHandsEachBatchToTheQueuesThenDeletesThenFollowUps() throws Exception {
        bind(true);
        load();
        context.start();
        NotifyBuilder done = new NotifyBuilder(context).from("direct:sync-entity").whenDone(1).create();
        template.sendBodyAndHeader("direct:sync-entity", null, "entity", "GLEntries");
        assertThat(done.matches(10, TimeUnit.SECONDS)).isTrue();

        assertThat(calls).containsExactly(
                "runLedger.begin", "mappingCheck.verify",
                "fnoPages.readPage", "changes.recordSeen", "deliveries.enqueue [p1a]", "deliveries.enqueue [p1b]",
                "fnoPages.readPage", "changes.recordSeen", "deliveries.enqueue [p2a]", "deliveries.enqueue [p2b]",
                // every queue drained before the deletes: a delete never overtakes an upsert of the same key
                "deliveries.drained",
                "changes.deletions landing",
                "changes.onlyChanged landing", "landing.write [gone]", "delivery.confirmed landing", "runLedger.batchWritten",
                // deletes and follow-ups only for the destinations that take the table (Databricks does not here)
                "changes.deletions powerbi",
                "powerbi.finish", "tableau.finish",
                "catchUp.replayLagging", "runLedger.finished");
    }

    @Test
    void aBatchTheDestinationHoldsAlreadyIsNotWrittenNorConfirmed() throws Exception {
        unchanged = true;
        bind(true);
        load();
        AdviceWith.adviceWith(context, "deliver-landing", a -> a.weaveAddLast().to("mock:landing-done"));
        context.start();
        MockEndpoint after = getMockEndpoint("mock:landing-done");
        after.expectedMessageCount(1);
        template.sendBody("direct:deliver-landing", List.of("k1", "k2"));
        after.assertIsSatisfied();
        assertThat(calls).containsExactly("changes.onlyChanged landing");
    }

    @Test
    void powerBiConfirmsWhatItTookAndNothingWhenItTookNothing() throws Exception {
        bind(true);
        load();
        context.start();
        template.sendBody("direct:deliver-powerbi", List.of("k1"));
        assertThat(calls).containsExactly("changes.onlyChanged powerbi", "powerbi.write [k1]", "delivery.confirmed powerbi");

        calls.clear();
        takesNothing = true; // every row was held back for the replace at the end of the run
        template.sendBody("direct:deliver-powerbi", List.of("k2"));
        assertThat(calls).containsExactly("changes.onlyChanged powerbi", "powerbi.write [k2]");
    }

    @Test
    void aFollowUpThatFailsIsRecordedOnceAndTheLaterOnesDoNotRun() throws Exception {
        finishFailure = new IllegalStateException("powerbi refresh refused");
        bind(true);
        load();
        context.start();
        Exchange out = template.send("direct:sync-entity", e -> e.getMessage().setHeader("entity", "GLEntries"));
        assertThat(out.getException()).hasMessage("powerbi refresh refused");
        List<String> after = calls.subList(calls.indexOf("changes.deletions powerbi") + 1, calls.size());
        assertThat(after).as("retried by the sync route's error handler, the run recorded as failed once, Tableau not asked")
                .containsExactly("powerbi.finish", "retryPolicy.shouldRetry", "runLedger.failed");
    }

    @Test
    void databricksWritesWhatChangedAndConfirmsIt() throws Exception {
        bind(true);
        load();
        context.getRegistry().lookupByNameAndType("databricks", Destination.class).takes = true;
        NotifyBuilder done = new NotifyBuilder(context).from("direct:deliver-databricks").whenDone(1).create();
        context.start();
        template.sendBody("direct:deliver-databricks", List.of("k1", "k2"));
        assertThat(done.matches(5, TimeUnit.SECONDS)).isTrue();
        assertThat(calls).containsExactly("changes.onlyChanged databricks", "databricks.write [k1, k2]", "delivery.confirmed databricks");
    }

    @Test
    void aBatchThatStillFailsIsDeadLetteredAndTheCallerGoesOn() throws Exception {
        landingFailure = new IllegalStateException("connection refused");
        bind(true);
        load();
        AdviceWith.adviceWith(context, "deliver-landing", a -> a.weaveAddLast().to("mock:landing-done"));
        context.start();
        MockEndpoint confirmed = getMockEndpoint("mock:landing-done");
        confirmed.expectedMessageCount(0); // nothing after the failed write runs: no confirmation, no watermark
        Exchange out = template.send("direct:deliver-landing", e -> e.getMessage().setBody(List.of("k1")));
        assertThat(out.getException()).as("handled by batch-delivery: the run goes on with the next batch").isNull();
        confirmed.assertIsSatisfied();
        assertThat(calls).containsExactly("changes.onlyChanged landing", "landing.write [k1]", "retryPolicy.shouldRetry",
                "delivery.dead landing: connection refused");
    }

    @Test
    void aReplayWritesRecordsAndOwesTableauItsRefresh() throws Exception {
        bind(true);
        load();
        context.start();
        template.sendBody("direct:replay-landing", List.of("k9"));
        assertThat(calls).containsExactly("landing.write [k9]", "delivery.confirmed landing", "tableau.landed");
    }
}
