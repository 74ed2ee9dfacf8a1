-- The one table of every release up to a68a8d3: the newest JSON body per (kind, key). Data dirs
-- written then have it already (and user_version 0); this step only creates it for new ones.
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
