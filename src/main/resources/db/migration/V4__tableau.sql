-- Tableau reads the landing tables through published data sources whose extracts must be refreshed after rows land.

-- A data source owes a refresh from the moment rows it reads have landed until a refresh requested after that
-- moment succeeds. Kept across runs and restarts: a failed, cancelled or timed-out refresh is tried again by the
-- next run even when nothing new lands.
CREATE TABLE tableau_refresh_owed (
    datasource_id VARCHAR(64)  NOT NULL PRIMARY KEY,
    landed_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    target_table  VARCHAR(128) NOT NULL
);

-- Every webhook event received, once: Tableau may deliver the same event twice, and the key (type, data source,
-- Tableau's own created_at text) makes the second delivery a no-op.
CREATE TABLE tableau_event (
    event_type    VARCHAR(64)  NOT NULL,
    resource_luid VARCHAR(64)  NOT NULL,
    created_at    VARCHAR(64)  NOT NULL,
    received_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    site_luid     VARCHAR(64),
    resource_name VARCHAR(400),
    outcome       VARCHAR(400),
    PRIMARY KEY (event_type, resource_luid, created_at)
);
