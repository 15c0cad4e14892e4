-- Private rooms and direct conversations: only their members may see them.
-- kind: 'public' (everyone), 'private' (members invited by the owner), 'direct' (two people).
ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'public'
    CHECK (kind IN ('public', 'private', 'direct'));
-- The creator of a private room, who invites and removes members.
ALTER TABLE rooms ADD COLUMN owner INTEGER REFERENCES users (id);

CREATE TABLE room_members (
    room     TEXT    NOT NULL REFERENCES rooms (name),
    user_id  INTEGER NOT NULL REFERENCES users (id),
    added_at INTEGER NOT NULL,
    PRIMARY KEY (room, user_id)
) WITHOUT ROWID;
