-- The ledger service's log and its bearer tokens (SQLite back end).
-- Kept apart from the desk store's migrations/ (see ARCHITECTURE.md, `ledger/`).

-- One row per record, events and commands alike, in seq order with no gaps.
-- `id` is the idempotency key (the event's or command's UUID); `body` is the record's JSON
-- object as the client sent it (without `kind`), `prev` and `hash` are lowercase hex.
CREATE TABLE records (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    prev TEXT NOT NULL CHECK (length(prev) = 64),
    hash TEXT NOT NULL CHECK (length(hash) = 64),
    committed_at_ms INTEGER NOT NULL
) STRICT;

-- The log is append-only: the server never changes or removes a record.
CREATE TRIGGER records_no_update BEFORE UPDATE ON records
BEGIN
    SELECT RAISE(ABORT, 'ledger records are append-only');
END;

CREATE TRIGGER records_no_delete BEFORE DELETE ON records
BEGIN
    SELECT RAISE(ABORT, 'ledger records are append-only');
END;

-- Bearer tokens, stored only as the sha256 of the token (hex). A token is revoked by
-- setting `revoked_at_ms`; at most one live token per name.
CREATE TABLE tokens (
    row_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('platform', 'launch_ic', 'treasury_lead', 'approver', 'viewer')),
    token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    issued_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
) STRICT;

CREATE UNIQUE INDEX tokens_live_name ON tokens (name) WHERE revoked_at_ms IS NULL;
