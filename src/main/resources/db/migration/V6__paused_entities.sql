-- Entities an operator paused (JMX / Hawtio): kept across restarts until resumed.
CREATE TABLE paused_entity (
    target_table VARCHAR(128) NOT NULL PRIMARY KEY,
    paused_at    TIMESTAMP WITH TIME ZONE NOT NULL
);
