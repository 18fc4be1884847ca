-- SMS and voice v2 resources (pools, numbers, opt-out lists, configuration sets, ...) as JSON
-- documents owned by the layer above, with the keys queries select on as columns.

CREATE TABLE resources (
    account_id     TEXT COLLATE "C" NOT NULL,
    resource_type  TEXT COLLATE "C" NOT NULL,
    id             TEXT COLLATE "C" NOT NULL,
    -- A second unique key within the type, such as a configuration set's name.
    name           TEXT COLLATE "C",
    -- The resource this one belongs to, such as a keyword's phone number or pool.
    parent_id      TEXT COLLATE "C",
    document       TEXT NOT NULL,
    version        BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    -- Insertion order (SQLite's rowid): breaks ties between resources created in the same
    -- millisecond.
    ord            BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (account_id, resource_type, id)
);

CREATE UNIQUE INDEX resources_by_name ON resources (account_id, resource_type, name) WHERE name IS NOT NULL;
CREATE INDEX resources_by_parent ON resources (account_id, resource_type, parent_id) WHERE parent_id IS NOT NULL;
