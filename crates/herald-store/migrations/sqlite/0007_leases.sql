-- Named leases: work only one node may do at a time (draining one sink's outbox, ...). A node
-- holds a lease until `until` (milliseconds since the epoch) and renews it while it works; once
-- it lapses, another node may take it.
CREATE TABLE leases (
    name   TEXT PRIMARY KEY,
    owner  TEXT NOT NULL,
    until  BIGINT NOT NULL
);
