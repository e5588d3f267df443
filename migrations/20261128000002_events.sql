-- The ledger events the desktop knows, in log order: imported from a JSON Lines file or
-- replayed by the simulator. `line` is the event's JSON, re-read at start-up into the
-- in-memory ledger; the other columns make the table queryable.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    line TEXT NOT NULL
);

-- Where the current event stream came from: `import:<path>` or `replay:<scenario>:<seed>`.
CREATE TABLE event_stream (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    source TEXT NOT NULL,
    started_at TEXT NOT NULL
);
