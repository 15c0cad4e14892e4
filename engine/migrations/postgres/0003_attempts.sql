-- Password attempts per nickname (its key), counted by every node on this database together,
-- so a cluster of N nodes allows no more guesses than one: `count` attempts since
-- `window_start` (ms since the epoch), a window of one minute.
CREATE TABLE password_attempts (
    nickname_key TEXT    PRIMARY KEY,
    window_start BIGINT  NOT NULL,
    count        INTEGER NOT NULL
);
