package com.mlconnector.landing;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/** Runs JDBC work in one transaction: committed whole, or rolled back whole. */
public final class Transactions {
    public interface Work {
        void run(Connection c) throws SQLException;
    }

    private Transactions() {
    }

    public static void inTransaction(DataSource ds, Work work) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                work.run(c);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }
}
