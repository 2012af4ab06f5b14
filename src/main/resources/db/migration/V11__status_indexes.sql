-- Health checks, gauges and the status page ask for the newest audit rows and runs of a table (every scrape, every
-- few seconds); these indexes answer them without sorting a table's whole history, which grows with every run.
CREATE INDEX batch_audit_latest ON batch_audit (target_table, destination, finished_at);
CREATE INDEX batch_audit_destination_latest ON batch_audit (destination, finished_at);
CREATE INDEX connector_run_latest ON connector_run (target_table, status, finished_at);
CREATE INDEX connector_run_finished ON connector_run (finished_at);
