package com.mlconnector.sync;

import com.mlconnector.app.ConnectorRuntime;
import com.mlconnector.support.TestConnector;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Starting a run is idempotent per exchange: a transient database error while it starts is retried without waiting on itself. */
class RunStartTest {
    /** Fails the next inserts into the run ledger as a dropped database connection would (SQLState 08006). */
    public static final class DroppedConnection implements org.h2.api.Trigger {
        static final AtomicInteger FAILURES = new AtomicInteger();

        @Override
        public void init(Connection conn, String schemaName, String triggerName, String tableName, boolean before, int type) {
        }

        @Override
        public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
            if (FAILURES.getAndDecrement() > 0) {
                throw new SQLException("connection to the database was lost", "08006");
            }
        }
    }

    @Test
    void aRunStartRetriedAfterATransientDatabaseErrorDoesNotWaitForItself() throws Exception {
        Properties p = TestConnector.defaults();
        p.setProperty("sync.table-wait-minutes", "1");
        try (ConnectorRuntime rt = TestConnector.start(p)) {
            try (Connection c = rt.landing().dataSource().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TRIGGER run_ledger_drops BEFORE INSERT ON connector_run FOR EACH ROW CALL \""
                        + DroppedConnection.class.getName() + "\"");
            }
            DroppedConnection.FAILURES.set(1);
            rt.syncNow("Vendors", "test"); // before the fix: the retry waited a minute for its own hold, then failed
            assertThat(DroppedConnection.FAILURES.get()).as("the failure was injected").isNegative();
            assertThat(TestConnector.runs(rt, "Vendors")).singleElement().satisfies(r -> assertThat(r).containsEntry("STATUS", "SUCCEEDED"));
            assertThat(TestConnector.count(rt, "Vendors")).isEqualTo(600);
            // the table was released: the next run starts
            rt.syncNow("Vendors", "test");
            assertThat(TestConnector.runs(rt, "Vendors")).hasSize(2);
        }
    }
}
