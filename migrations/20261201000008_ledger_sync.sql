-- The desktop as a client of the backend ledger (issue 10, docs/ledger.md).

-- The ledger this store follows: one row — its URL, the last record applied (its seq and
-- hash: the tip of the chain as verified here) and when. Written in the same transaction as
-- the records it covers, so the cursor never runs ahead of or behind what was applied.
CREATE TABLE ledger_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    url TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq >= 0),
    hash TEXT NOT NULL CHECK (length(hash) = 64),
    synced_at TEXT NOT NULL
);

-- Every record pulled from the ledger, events and commands alike, as served, each verified
-- against the chain before it was stored.
CREATE TABLE ledger_records (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    prev TEXT NOT NULL CHECK (length(prev) = 64),
    hash TEXT NOT NULL CHECK (length(hash) = 64)
);

-- Commands for the ledger, sent with their id until the ledger answers: `acked` (2xx, with
-- the seq it gave) or `refused` (409/422, with its error code and message, shown to the
-- user). A network error or 5xx leaves a command pending; the id makes a resend safe.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'acked', 'refused')),
    seq INTEGER,
    error_code TEXT,
    error_message TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX outbox_pending ON outbox (created_at) WHERE state = 'pending';
