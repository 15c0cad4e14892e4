-- Natter's schema on PostgreSQL: the SQLite schema after its eight migrations
-- (engine/migrations/sqlite/0001-0008 explain each table and column), in one go.
-- Times are milliseconds since the epoch (BIGINT), as in SQLite.

-- Substring search on message text (`ILIKE '%word%'`, any script) uses a trigram index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- People: a nickname claimed by a browser, optionally protected by a password.
CREATE TABLE users (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    nickname      TEXT    NOT NULL,
    -- NFKC + lower case: the form that must be unique.
    nickname_key  TEXT    NOT NULL UNIQUE,
    -- Argon2id PHC string; NULL for an unprotected nickname.
    password_hash TEXT,
    created_at    BIGINT  NOT NULL
);

-- Rooms. Names are canonical (lower case), so uniqueness is case-insensitive.
-- kind: 'public' (everyone), 'private' (members invited by the owner), 'direct' (two people).
-- `last_seq` is the room's latest seq (of any event, 0 for none): the writers of every node
-- lock the row (SELECT … FOR NO KEY UPDATE) to give the room's next events their seqs, and write
-- it back in the same transaction.
CREATE TABLE rooms (
    name       TEXT    NOT NULL PRIMARY KEY,
    created_at BIGINT  NOT NULL,
    kind       TEXT    NOT NULL DEFAULT 'public' CHECK (kind IN ('public', 'private', 'direct')),
    -- The creator of a private room, who invites and removes members.
    owner      BIGINT  REFERENCES users (id),
    last_seq   BIGINT  NOT NULL DEFAULT 0
);

INSERT INTO rooms (name, created_at) VALUES ('general', (extract(epoch FROM now()) * 1000)::BIGINT);

CREATE TABLE room_members (
    room     TEXT    NOT NULL REFERENCES rooms (name),
    user_id  BIGINT  NOT NULL REFERENCES users (id),
    added_at BIGINT  NOT NULL,
    PRIMARY KEY (room, user_id)
);

-- Every room event, ordered per room by seq (1, 2, 3, … with no gaps): messages and the
-- changes to them, told apart by `kind`:
--   0 a message, 1 an edit, 2 a deletion, 3 a reaction added, 4 a reaction taken back.
-- A change names the message it changes in `target`; an edit's new text (and its mood and
-- language) and a reaction's emoji are in `text`. A message row always shows its current
-- state (edited text, or deleted); deleting a message also turns every earlier change of it
-- into a deletion, so no version of its text is left in the room's events.
CREATE TABLE messages (
    room          TEXT     NOT NULL,
    seq           BIGINT   NOT NULL,
    client_id     TEXT     NOT NULL,
    author        TEXT     NOT NULL,
    text          TEXT     NOT NULL,
    sent_at       BIGINT   NOT NULL,
    -- Sentiment (-1 negative … 1 positive) and the language it was read in.
    mood          REAL     NOT NULL DEFAULT 0,
    lang          TEXT,
    kind          SMALLINT NOT NULL DEFAULT 0,
    target        BIGINT,
    -- The message a message answers.
    reply_to      BIGINT,
    -- The nicknames it mentions, one per line; it mentions the whole room (`@room`).
    mentions      TEXT,
    mentions_room BOOLEAN  NOT NULL DEFAULT false,
    edited_at     BIGINT,
    deleted_at    BIGINT,
    -- A message's files as it shows them (JSON array of attachments), NULL for none.
    attachments   TEXT,
    -- Insertion order across rooms: search pages newest first by it (its cursor).
    id            BIGINT   GENERATED ALWAYS AS IDENTITY UNIQUE,
    PRIMARY KEY (room, seq)
);

-- A resent message (same client_id in the same room) is stored once.
CREATE UNIQUE INDEX messages_client_id ON messages (room, client_id);
-- A message's changes (turned into deletions with it).
CREATE INDEX messages_by_target ON messages (room, target) WHERE target IS NOT NULL;
-- Search: each word of a query is a case-insensitive substring of the text.
CREATE INDEX messages_text_trgm ON messages USING gin (text gin_trgm_ops)
    WHERE kind = 0 AND deleted_at IS NULL;

-- Each message's reactions now: one row per person per emoji. `person` is the nickname key,
-- `seq` the reaction event that added it (people in the order they reacted).
CREATE TABLE reactions (
    room     TEXT    NOT NULL,
    target   BIGINT  NOT NULL,
    emoji    TEXT    NOT NULL,
    person   TEXT    NOT NULL,
    nickname TEXT    NOT NULL,
    seq      BIGINT  NOT NULL,
    PRIMARY KEY (room, target, emoji, person)
);

-- How far each person has read each room (claimed nicknames only).
CREATE TABLE read_positions (
    user_id BIGINT  NOT NULL REFERENCES users (id),
    room    TEXT    NOT NULL,
    seq     BIGINT  NOT NULL,
    PRIMARY KEY (user_id, room)
);

-- Files sent with messages: `blobs` are the stored contents by content hash (SHA-256, hex),
-- `thumb` tells that a thumbnail was made; `uploads` say whose each upload is, what it is,
-- and once it is sent the message it belongs to (`room`, `seq`).
CREATE TABLE blobs (
    hash       TEXT    PRIMARY KEY,
    size       BIGINT  NOT NULL,
    thumb      BOOLEAN NOT NULL DEFAULT false,
    created_at BIGINT  NOT NULL
);

CREATE TABLE uploads (
    id         TEXT    PRIMARY KEY,
    owner      TEXT    NOT NULL,
    hash       TEXT    NOT NULL REFERENCES blobs (hash),
    name       TEXT    NOT NULL,
    size       BIGINT  NOT NULL,
    mime       TEXT    NOT NULL,
    width      INTEGER,
    height     INTEGER,
    created_at BIGINT  NOT NULL,
    room       TEXT,
    seq        BIGINT
);
CREATE INDEX uploads_by_owner ON uploads (owner);
CREATE INDEX uploads_by_hash ON uploads (hash);
CREATE INDEX uploads_by_message ON uploads (room, seq) WHERE room IS NOT NULL;
