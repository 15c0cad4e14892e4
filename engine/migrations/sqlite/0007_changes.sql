-- Replies, mentions, edits, deletions and reactions.
--
-- Changes to messages are room events with their own place in the room's order, so they are
-- rows of `messages` too, told apart by `kind`:
--   0 a message, 1 an edit, 2 a deletion, 3 a reaction added, 4 a reaction taken back.
-- A change names the message it changes in `target`; an edit's new text (and its mood and
-- language) and a reaction's emoji are in `text`. A message row always shows its current
-- state (edited text, or deleted); deleting a message also turns every earlier change of it
-- into a deletion, so no version of its text is left in the room's events.
ALTER TABLE messages ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN target INTEGER;
-- The message a message answers.
ALTER TABLE messages ADD COLUMN reply_to INTEGER;
-- The nicknames it mentions, one per line (nicknames hold no control characters).
ALTER TABLE messages ADD COLUMN mentions TEXT;
-- It mentions the whole room (`@room`).
ALTER TABLE messages ADD COLUMN mentions_room INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;

-- Each message's reactions now: one row per person per emoji. `person` is the nickname key
-- (NFKC, lower case), `seq` the reaction event that added it (people in the order they reacted).
CREATE TABLE reactions (
    room     TEXT    NOT NULL,
    target   INTEGER NOT NULL,
    emoji    TEXT    NOT NULL,
    person   TEXT    NOT NULL,
    nickname TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (room, target, emoji, person)
) WITHOUT ROWID;

-- How far each person has read each room (claimed nicknames only).
CREATE TABLE read_positions (
    user_id INTEGER NOT NULL REFERENCES users (id),
    room    TEXT    NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (user_id, room)
) WITHOUT ROWID;
