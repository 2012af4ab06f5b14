-- A batch handed to a destination that is not idempotent (Power BI push tables) is marked here before it is sent
-- and unmarked in the same transaction that records it as confirmed. A mark left behind (the process died, or the
-- batch was dead-lettered) means the destination's table is in doubt: it may hold the batch, twice or not at all,
-- and is repaired by a replace.
CREATE TABLE pending_delivery (
    batch_id     VARCHAR(64)  NOT NULL PRIMARY KEY,
    target_table VARCHAR(128) NOT NULL,
    destination  VARCHAR(64)  NOT NULL,
    since        TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX pending_delivery_table ON pending_delivery (target_table, destination);
