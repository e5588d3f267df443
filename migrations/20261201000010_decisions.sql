-- The warroom's decision log (issue 11): each decision this desk signed, as the `decision`
-- command it sent to the ledger (the typed data's fields, the author's signature, the
-- SLO/rollback snapshot it was taken on). The log is a chain of its own — each decision
-- names its seq and the hash of the one before — verified on every load; while the desk
-- follows a ledger the log is read from the ledger's records (and this desk's outbox).
-- Append-only: a decision is never changed or removed.
CREATE TABLE decisions (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only');
END;

CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only');
END;
