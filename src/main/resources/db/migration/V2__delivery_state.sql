-- What each destination holds: per key, the hash of the mapped columns it last confirmed. Change detection
-- compares every read row with it, so nothing unchanged is sent again; keys of a full read that are missing
-- from here are inserts, keys here missing from a full read are deletes.
-- scope_value: the growing key (growing-key) or the business date as epoch day (date-window), so a run loads
-- only the part of the state its read can return.
CREATE TABLE delivered_key (
    target_table VARCHAR(128)  NOT NULL,
    destination  VARCHAR(64)   NOT NULL,
    key_text     VARCHAR(1000) NOT NULL,
    row_hash     BIGINT        NOT NULL,
    scope_value  BIGINT,
    PRIMARY KEY (target_table, destination, key_text)
);

-- Where the next read of an entity starts, per destination; advanced only by confirmed batches.
CREATE TABLE watermark (
    target_table VARCHAR(128) NOT NULL,
    destination  VARCHAR(64)  NOT NULL,
    mark_value   BIGINT       NOT NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (target_table, destination)
);

-- The audit trail: every batch sent to every destination.
CREATE TABLE batch_audit (
    batch_id     VARCHAR(64)   NOT NULL PRIMARY KEY,
    run_id       VARCHAR(64)   NOT NULL,
    target_table VARCHAR(128)  NOT NULL,
    destination  VARCHAR(64)   NOT NULL,
    sequence_no  INTEGER       NOT NULL,
    kind         VARCHAR(16)   NOT NULL,
    row_count    INTEGER       NOT NULL,
    key_first    VARCHAR(1000),
    key_last     VARCHAR(1000),
    content_hash VARCHAR(32)   NOT NULL,
    attempts     INTEGER       NOT NULL,
    status       VARCHAR(16)   NOT NULL,
    answer       VARCHAR(4000),
    event_id     VARCHAR(128),
    started_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at  TIMESTAMP WITH TIME ZONE
);
CREATE INDEX batch_audit_run ON batch_audit (run_id);
CREATE INDEX batch_audit_table ON batch_audit (target_table, destination, started_at);

-- Batches that exhausted their retries, kept whole so they can be replayed.
CREATE TABLE dead_letter (
    batch_id     VARCHAR(64)  NOT NULL PRIMARY KEY,
    target_table VARCHAR(128) NOT NULL,
    destination  VARCHAR(64)  NOT NULL,
    kind         VARCHAR(16)  NOT NULL,
    row_count    INTEGER      NOT NULL,
    reason       VARCHAR(4000),
    payload      ${text_type} NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    replayed_at  TIMESTAMP WITH TIME ZONE
);

ALTER TABLE connector_run ADD COLUMN rows_unchanged BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE connector_run ADD COLUMN rows_deleted BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE connector_run ADD COLUMN dead_batches INTEGER DEFAULT 0 NOT NULL;
