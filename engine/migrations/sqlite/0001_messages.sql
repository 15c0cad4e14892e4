-- Every chat message, ordered per room by seq (1, 2, 3, … with no gaps).
CREATE TABLE messages (
    room      TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    client_id TEXT    NOT NULL,
    author    TEXT    NOT NULL,
    text      TEXT    NOT NULL,
    sent_at   INTEGER NOT NULL,
    PRIMARY KEY (room, seq)
) WITHOUT ROWID;

-- A resent message (same client_id in the same room) is stored once.
CREATE UNIQUE INDEX messages_client_id ON messages (room, client_id);
