-- Public rooms. Names are canonical (lower case), so uniqueness is case-insensitive.
CREATE TABLE rooms (
    name       TEXT    NOT NULL PRIMARY KEY,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO rooms (name, created_at) VALUES ('general', CAST(strftime('%s', 'now') AS INTEGER) * 1000);
-- Rooms that already have messages exist too.
INSERT OR IGNORE INTO rooms (name, created_at) SELECT room, MIN(sent_at) FROM messages GROUP BY room;
