-- SMS and voice v2 resources (pools, numbers, opt-out lists, configuration sets, ...) as JSON
-- documents owned by the layer above, with the keys queries select on as columns.

CREATE TABLE resources (
    account_id     TEXT NOT NULL,
    resource_type  TEXT NOT NULL,
    id             TEXT NOT NULL,
    -- A second unique key within the type, such as a configuration set's name.
    name           TEXT,
    -- The resource this one belongs to, such as a keyword's phone number or pool.
    parent_id      TEXT,
    document       TEXT NOT NULL,
    version        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (account_id, resource_type, id)
);

CREATE UNIQUE INDEX resources_by_name ON resources (account_id, resource_type, name) WHERE name IS NOT NULL;
CREATE INDEX resources_by_parent ON resources (account_id, resource_type, parent_id) WHERE parent_id IS NOT NULL;
