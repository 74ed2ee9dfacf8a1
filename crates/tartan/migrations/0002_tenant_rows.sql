-- Rows keyed by tenant: each tenant's Items, tokens and the rest are its own (a fork may hold
-- the same item_id or token as its source). `live` marks what the server loads at startup;
-- history (delivered webhooks, removed Items, rotated tokens, exchanged public tokens,
-- finished Link sessions) stays here and is read on demand.
CREATE TABLE rows (
    client_id TEXT NOT NULL,
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    live      INTEGER NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (client_id, kind, key)
) WITHOUT ROWID;

INSERT INTO rows (client_id, kind, key, live, body)
SELECT json_extract(body, '$.body.client_id'), kind, key,
       CASE kind
           WHEN 'delivery' THEN json_extract(body, '$.body.state') = 'pending'
           WHEN 'item' THEN json_extract(body, '$.body.removed_at_ms') IS NULL
           WHEN 'access_token' THEN json_extract(body, '$.body.status') <> 'revoked'
           WHEN 'public_token' THEN NOT json_extract(body, '$.body.exchanged')
           WHEN 'link_session' THEN json_extract(body, '$.body.result') IS NULL
           ELSE 1
       END,
       body
FROM records
WHERE json_extract(body, '$.body.client_id') IS NOT NULL;
DROP TABLE records;

-- Tenant snapshots: the tenant's rows at one moment, as one JSON document.
CREATE TABLE snapshots (
    client_id     TEXT NOT NULL,
    snapshot_id   TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    items         INTEGER NOT NULL,
    body          BLOB NOT NULL,
    PRIMARY KEY (client_id, snapshot_id)
) WITHOUT ROWID;
