-- Runs own their table through a lease in the state database, so every process and node sharing it (the service,
-- a one-off `sync --once`, a second node) runs a table once at a time. The owner renews the lease while the run
-- lasts (heartbeat); a lease not renewed by expires_at belongs to a process that died, and may be taken over.
CREATE TABLE table_lease (
    target_table VARCHAR(128) NOT NULL PRIMARY KEY,
    owner        VARCHAR(200) NOT NULL,
    run_id       VARCHAR(64)  NOT NULL,
    acquired_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at   TIMESTAMP WITH TIME ZONE NOT NULL
);

-- The processes that run syncs, each with its heartbeat: `status` and the status page show which are alive.
CREATE TABLE connector_node (
    node_id      VARCHAR(200) NOT NULL PRIMARY KEY,
    host         VARCHAR(200) NOT NULL,
    role         VARCHAR(32)  NOT NULL,
    started_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    heartbeat_at TIMESTAMP WITH TIME ZONE NOT NULL
);

ALTER TABLE connector_run ADD COLUMN node_id VARCHAR(200);
