-- The language each message's mood was read in ("en", "ru", "pt", "zh"; NULL when unknown).
-- The migration's hook fills it for messages stored before, and rescores their mood in it.
ALTER TABLE messages ADD COLUMN lang TEXT;
