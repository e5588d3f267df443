-- The ledger service's log and its bearer tokens (PostgreSQL back end).
-- The same tables as migrations/sqlite/, in PostgreSQL's types. Several `serve` processes
-- may share this database: appends are serialised by a transaction-scoped advisory lock
-- (see ledger/src/storage/postgres.rs and ARCHITECTURE.md).

-- One row per record, events and commands alike, in seq order with no gaps.
-- `id` is the idempotency key (the event's or command's UUID); `body` is the record's JSON
-- object as the client sent it (without `kind`) — text, not jsonb, so that what is read
-- back is what was hashed; `prev` and `hash` are lowercase hex.
CREATE TABLE records (
    seq BIGINT PRIMARY KEY CHECK (seq >= 1),
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    prev TEXT NOT NULL CHECK (length(prev) = 64),
    hash TEXT NOT NULL CHECK (length(hash) = 64),
    committed_at_ms BIGINT NOT NULL
);

-- The log is append-only: the server never changes or removes a record.
CREATE FUNCTION ledger_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger records are append-only';
END;
$$;

CREATE TRIGGER records_no_update BEFORE UPDATE ON records
    FOR EACH ROW EXECUTE FUNCTION ledger_records_append_only();

CREATE TRIGGER records_no_delete BEFORE DELETE ON records
    FOR EACH ROW EXECUTE FUNCTION ledger_records_append_only();

CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON records
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_records_append_only();

-- Bearer tokens, stored only as the sha256 of the token (hex). A token is revoked by
-- setting `revoked_at_ms`; at most one live token per name.
CREATE TABLE tokens (
    row_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('platform', 'launch_ic', 'treasury_lead', 'approver', 'viewer')),
    token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    issued_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT
);

CREATE UNIQUE INDEX tokens_live_name ON tokens (name) WHERE revoked_at_ms IS NULL;
