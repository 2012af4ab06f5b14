-- The keys a full read found in F&O, kept in the state database for the length of the run (not in the heap: a
-- snapshot entity of millions of keys needs memory flat in keys). After the read, a destination's keys that the read
-- did not find are its deletes. Rows of a run are removed when it ends.
CREATE TABLE seen_key (
    run_id   VARCHAR(64)   NOT NULL,
    key_text VARCHAR(1000) NOT NULL,
    PRIMARY KEY (run_id, key_text)
);
