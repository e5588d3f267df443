-- The local store of ClubGate Desk: launches, their settings and checklist history.
-- Settings and item changes are append-only: the current value is the latest row, and
-- triggers refuse UPDATE and DELETE so history can never be overwritten.

CREATE TABLE launches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL
);

CREATE TABLE launch_settings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    launch_id INTEGER NOT NULL REFERENCES launches (id),
    plan_id TEXT NOT NULL,
    plan_version TEXT NOT NULL,
    -- `builtin:launch-plan-v1` or the path the plan was loaded from.
    plan_source TEXT NOT NULL,
    -- A snapshot of the plan file, so the launch survives the file moving or changing.
    plan_toml TEXT NOT NULL,
    -- T0 as RFC 3339 with the zone's offset, e.g. 2026-12-07T10:00:00+01:00.
    t0 TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    changed_by TEXT NOT NULL CHECK (length(changed_by) > 0),
    changed_at TEXT NOT NULL
);

CREATE TABLE item_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    launch_id INTEGER NOT NULL REFERENCES launches (id),
    item_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'done', 'blocked', 'n/a')),
    who TEXT NOT NULL CHECK (length(who) > 0),
    -- UTC instant, RFC 3339.
    at TEXT NOT NULL,
    evidence TEXT NOT NULL
);

CREATE INDEX item_changes_by_item ON item_changes (launch_id, item_id, id);

CREATE TRIGGER item_changes_no_update BEFORE UPDATE ON item_changes
BEGIN
    SELECT RAISE(ABORT, 'item_changes is append-only');
END;

CREATE TRIGGER item_changes_no_delete BEFORE DELETE ON item_changes
BEGIN
    SELECT RAISE(ABORT, 'item_changes is append-only');
END;

CREATE TRIGGER launch_settings_no_update BEFORE UPDATE ON launch_settings
BEGIN
    SELECT RAISE(ABORT, 'launch_settings is append-only');
END;

CREATE TRIGGER launch_settings_no_delete BEFORE DELETE ON launch_settings
BEGIN
    SELECT RAISE(ABORT, 'launch_settings is append-only');
END;
