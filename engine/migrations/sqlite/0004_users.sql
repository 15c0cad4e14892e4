-- People: a nickname claimed by a browser (its session cookie holds the id), optionally
-- protected by a password so it can be used from another browser.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    nickname      TEXT    NOT NULL,
    -- NFKC + lower case: the form that must be unique.
    nickname_key  TEXT    NOT NULL UNIQUE,
    -- Argon2id PHC string; NULL for an unprotected nickname.
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);
