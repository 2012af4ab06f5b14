-- F&O business events, kept from the moment they are acknowledged until the record they point to has been read
-- (and delivered) or given up on. A crash after the acknowledgement loses nothing: PENDING events are read at the
-- next start. EventId and ControlNumber each identify an event, so a second delivery of either is a duplicate.
CREATE TABLE business_event (
    event_id          VARCHAR(64)   NOT NULL PRIMARY KEY,
    control_number    BIGINT,
    business_event_id VARCHAR(200)  NOT NULL,
    legal_entity      VARCHAR(16),
    target_table      VARCHAR(128),
    payload           VARCHAR(8000) NOT NULL,
    received_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    status            VARCHAR(16)   NOT NULL,
    attempts          INTEGER       NOT NULL DEFAULT 0,
    not_before        TIMESTAMP WITH TIME ZONE,
    run_id            VARCHAR(64),
    processed_at      TIMESTAMP WITH TIME ZONE,
    error_message     VARCHAR(4000)
);
CREATE UNIQUE INDEX business_event_control ON business_event (control_number);
CREATE INDEX business_event_status ON business_event (status, received_at);
