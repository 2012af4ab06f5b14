package com.mlconnector.landing;

import com.mlconnector.mapping.EntityMapping;
import com.mlconnector.mapping.TargetColumn;
import com.mlconnector.sync.Batch;
import com.mlconnector.sync.BatchSink;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Upserts batches into the landing database, one transaction per batch: all of a batch lands, or none of it. */
public final class LandingWriter implements BatchSink {
    private final LandingDatabase db;
    private final Map<String, String> upserts = new ConcurrentHashMap<>();
    private final Map<String, String> deletes = new ConcurrentHashMap<>();

    public LandingWriter(LandingDatabase db) {
        this.db = db;
    }

    @Override
    public void write(Batch batch) throws SQLException {
        EntityMapping m = batch.mapping();
        if (batch.kind() == Batch.Kind.DELETE) {
            delete(batch);
            return;
        }
        String sql = upserts.computeIfAbsent(m.table(), t -> db.dialect().upsert(m));
        List<TargetColumn> cols = m.columns();
        Transactions.inTransaction(db.dataSource(), c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (Object[] row : batch.rows()) {
                    for (int i = 0; i < row.length; i++) {
                        if (row[i] == null) {
                            ps.setNull(i + 1, cols.get(i).type().sqlType);
                        } else {
                            ps.setObject(i + 1, row[i]);
                        }
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }

    private void delete(Batch batch) throws SQLException {
        EntityMapping m = batch.mapping();
        String sql = deletes.computeIfAbsent(m.table(), t -> db.dialect().deleteByKey(m));
        int[] keys = m.keyColumns();
        Transactions.inTransaction(db.dataSource(), c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (Object[] row : batch.rows()) {
                    for (int k = 0; k < keys.length; k++) {
                        ps.setObject(k + 1, row[keys[k]]);
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }
}
