-- Snapshot bodies apart from their descriptions: listing a tenant's snapshots (and finding one
-- to restore) reads a few bytes per snapshot instead of every body. Bodies are large, so they
-- live in a rowid table (a WITHOUT ROWID table keeps whole rows in its b-tree).
CREATE TABLE snapshot_bodies (
    client_id   TEXT NOT NULL,
    snapshot_id TEXT NOT NULL,
    body        BLOB NOT NULL,
    PRIMARY KEY (client_id, snapshot_id)
);
INSERT INTO snapshot_bodies (client_id, snapshot_id, body)
SELECT client_id, snapshot_id, body FROM snapshots;

CREATE TABLE snapshot_list (
    client_id     TEXT NOT NULL,
    snapshot_id   TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    items         INTEGER NOT NULL,
    PRIMARY KEY (client_id, snapshot_id)
) WITHOUT ROWID;
INSERT INTO snapshot_list (client_id, snapshot_id, created_at_ms, items)
SELECT client_id, snapshot_id, created_at_ms, items FROM snapshots;
DROP TABLE snapshots;
ALTER TABLE snapshot_list RENAME TO snapshots;

-- Rows in a rowid table, found by key through its index: a new row is appended where the
-- last one went, instead of landing in a random page of a b-tree that holds every body (with
-- random ids as keys, each write touched a page of its own, and the pages writes walk grew
-- with the store). Same columns, same key.
CREATE TABLE rows_by_rowid (
    client_id TEXT NOT NULL,
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    live      INTEGER NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (client_id, kind, key)
);
INSERT INTO rows_by_rowid (client_id, kind, key, live, body)
SELECT client_id, kind, key, live, body FROM rows;
DROP TABLE rows;
ALTER TABLE rows_by_rowid RENAME TO rows;
