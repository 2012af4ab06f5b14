-- A destination's follow-up that runs once after the runs that landed rows (the Databricks Job, the refresh of a Power BI
-- model), not once per table run: each table run that landed rows owes it, and one follow-up asked after those runs
-- settles what it covered. Kept across restarts, so a follow-up that failed is asked again.
CREATE TABLE follow_up_owed (
    destination  VARCHAR(64)  NOT NULL,
    target_table VARCHAR(128) NOT NULL,
    run_id       VARCHAR(128) NOT NULL,
    landed_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (destination, target_table)
);
