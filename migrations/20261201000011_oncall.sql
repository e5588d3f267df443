-- Roles and on-call (issue 11, point 5; seed §2): the people of each plan role with their
-- contacts, and the on-call rota of the warroom hours. Both are append-only like the rest
-- of the history: triggers refuse UPDATE and DELETE. A person's current entry is the latest
-- row of their name (a new row changes their role or contacts); a shift is removed by a
-- later row that cancels it, so the rota is every shift no row cancels.
-- The core validates every value (clubgate_core::oncall) before it is written; the CHECKs
-- here only keep a damaged writer from storing what no rule could have let through.

CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    -- A role id of the launch's plan.
    role TEXT NOT NULL CHECK (length(role) BETWEEN 1 AND 64),
    -- `+` and 8 to 15 digits.
    phone TEXT CHECK (phone IS NULL OR (phone GLOB '+[1-9]*' AND length(phone) BETWEEN 9 AND 16)),
    -- `@` and 5 to 32 characters.
    telegram TEXT CHECK (telegram IS NULL OR (telegram GLOB '@[A-Za-z]*' AND length(telegram) BETWEEN 6 AND 33)),
    email TEXT CHECK (email IS NULL OR (email LIKE '_%@_%._%' AND length(email) <= 254)),
    added_at TEXT NOT NULL,
    CHECK (phone IS NOT NULL OR telegram IS NOT NULL OR email IS NOT NULL)
);

CREATE INDEX people_by_name ON people (name, id);

CREATE TABLE oncall_shifts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The person's name (people.name).
    person TEXT NOT NULL CHECK (length(person) BETWEEN 1 AND 120),
    role TEXT NOT NULL CHECK (length(role) BETWEEN 1 AND 64),
    -- The shift is [start_ns, end_ns): nanoseconds since the epoch, half-open.
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    -- NULL for a shift; the id of the shift it removes for a cancellation (which repeats
    -- that shift's person, role and instants). A shift is cancelled at most once.
    cancels INTEGER UNIQUE REFERENCES oncall_shifts (id),
    added_at TEXT NOT NULL,
    CHECK (end_ns > start_ns)
);

-- A cancellation removes a shift, never another cancellation.
CREATE TRIGGER oncall_shifts_cancel_a_shift BEFORE INSERT ON oncall_shifts
WHEN NEW.cancels IS NOT NULL AND (SELECT cancels FROM oncall_shifts WHERE id = NEW.cancels) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a cancellation removes a shift, not another cancellation'); END;

CREATE TRIGGER people_no_update BEFORE UPDATE ON people
BEGIN SELECT RAISE(ABORT, 'people is append-only'); END;
CREATE TRIGGER people_no_delete BEFORE DELETE ON people
BEGIN SELECT RAISE(ABORT, 'people is append-only'); END;
CREATE TRIGGER oncall_shifts_no_update BEFORE UPDATE ON oncall_shifts
BEGIN SELECT RAISE(ABORT, 'oncall_shifts is append-only'); END;
CREATE TRIGGER oncall_shifts_no_delete BEFORE DELETE ON oncall_shifts
BEGIN SELECT RAISE(ABORT, 'oncall_shifts is append-only'); END;
