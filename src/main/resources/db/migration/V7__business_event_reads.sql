-- One business event may lead to several reads (an invoice posted: the pending invoice leaves VendorInvoiceHeaders,
-- the posted one appears in VendInvoiceJourBiEntities). Each read has its own state, retries and run; the event's own
-- status (business_event.status) sums them up: READ when every read is, FAILED when one gave up, else PENDING.
CREATE TABLE business_event_read (
    event_id      VARCHAR(64)   NOT NULL,
    target_table  VARCHAR(128)  NOT NULL,
    status        VARCHAR(16)   NOT NULL,
    attempts      INTEGER       NOT NULL DEFAULT 0,
    not_before    TIMESTAMP WITH TIME ZONE,
    run_id        VARCHAR(64),
    processed_at  TIMESTAMP WITH TIME ZONE,
    error_message VARCHAR(4000),
    PRIMARY KEY (event_id, target_table)
);
CREATE INDEX business_event_read_status ON business_event_read (status, not_before);
INSERT INTO business_event_read (event_id, target_table, status, attempts, not_before, run_id, processed_at, error_message)
    SELECT event_id, target_table, status, attempts, not_before, run_id, processed_at, error_message
    FROM business_event WHERE target_table IS NOT NULL AND status <> 'IGNORED';
