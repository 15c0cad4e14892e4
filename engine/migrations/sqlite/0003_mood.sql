-- Each message's sentiment, scored when it was posted (-1 negative … 1 positive). Messages
-- stored before this column existed are scored by the migration's hook.
ALTER TABLE messages ADD COLUMN mood REAL NOT NULL DEFAULT 0;
