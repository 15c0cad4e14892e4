-- The cluster's identity: the nodes on this database are one cluster, and name their bus
-- channel after it, so two clusters may share one Redis without hearing each other.
CREATE TABLE natter_cluster (
    id  TEXT    NOT NULL,
    one BOOLEAN NOT NULL DEFAULT TRUE PRIMARY KEY CHECK (one)
);
INSERT INTO natter_cluster (id) VALUES (gen_random_uuid()::text);
