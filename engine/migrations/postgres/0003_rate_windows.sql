-- Limits every node on this database counts in together, so a cluster of N nodes allows no
-- more than one node would: password attempts per nickname, uploads per person. `count`
-- events of `kind` for `key` since `window_start` (ms since the epoch); a window is a minute.
CREATE TABLE rate_windows (
    kind         TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    window_start BIGINT  NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
);
