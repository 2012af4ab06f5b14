-- One row per run of one entity into one destination: what was read, what was written, how it ended.
-- Written in SQL that H2 and PostgreSQL both accept.
CREATE TABLE connector_run (
    run_id        VARCHAR(64)   NOT NULL PRIMARY KEY,
    entity        VARCHAR(128)  NOT NULL,
    target_table  VARCHAR(128)  NOT NULL,
    destination   VARCHAR(64)   NOT NULL,
    trigger_kind  VARCHAR(32)   NOT NULL,
    status        VARCHAR(16)   NOT NULL,
    started_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at   TIMESTAMP WITH TIME ZONE,
    rows_total    BIGINT,
    rows_read     BIGINT        NOT NULL DEFAULT 0,
    rows_written  BIGINT        NOT NULL DEFAULT 0,
    batches       INTEGER       NOT NULL DEFAULT 0,
    pages         INTEGER       NOT NULL DEFAULT 0,
    error_message VARCHAR(4000)
);
CREATE INDEX connector_run_entity ON connector_run (entity, started_at);
