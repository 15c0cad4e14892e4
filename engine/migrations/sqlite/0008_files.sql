-- Files sent with messages.
--
-- `blobs` are the stored contents, by content hash (SHA-256, hex): the same file uploaded
-- twice is kept once. `thumb` tells that a thumbnail was made (images only).
CREATE TABLE blobs (
    hash       TEXT    PRIMARY KEY,
    size       INTEGER NOT NULL,
    thumb      INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Each upload: whose it is (`owner`, the nickname key), what it is, and once it is sent the
-- message it belongs to (`room`, `seq`). An upload not sent within a day is forgotten; a
-- deleted message's uploads are deleted with it; a blob no upload names is deleted.
CREATE TABLE uploads (
    id         TEXT    PRIMARY KEY,
    owner      TEXT    NOT NULL,
    hash       TEXT    NOT NULL REFERENCES blobs (hash),
    name       TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    mime       TEXT    NOT NULL,
    width      INTEGER,
    height     INTEGER,
    created_at INTEGER NOT NULL,
    room       TEXT,
    seq        INTEGER
);
CREATE INDEX uploads_by_owner ON uploads (owner);
CREATE INDEX uploads_by_hash ON uploads (hash);
CREATE INDEX uploads_by_message ON uploads (room, seq) WHERE room IS NOT NULL;

-- A message's files as it shows them (JSON array of attachments), NULL for none.
ALTER TABLE messages ADD COLUMN attachments TEXT;
