-- Which signed transactions were handed to the network (by the operator or, later, by the
-- ledger outbox). A TRC-20 chunk is re-signed after expiry only while its latest signature
-- was never broadcast: a broadcast transaction may have confirmed before it expired.
-- Append-only, one row per signature attempt.
CREATE TABLE broadcasts (
    bundle_id TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    broadcast_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (bundle_id, chunk, attempt),
    FOREIGN KEY (bundle_id, chunk, attempt) REFERENCES signatures (bundle_id, chunk, attempt)
);

CREATE TRIGGER broadcasts_no_update BEFORE UPDATE ON broadcasts
BEGIN SELECT RAISE(ABORT, 'broadcast records are append-only'); END;
CREATE TRIGGER broadcasts_no_delete BEFORE DELETE ON broadcasts
BEGIN SELECT RAISE(ABORT, 'broadcast records are append-only'); END;
