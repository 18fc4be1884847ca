-- Accounts, access keys, Pinpoint apps, push channels and tags.
-- Times are milliseconds since the Unix epoch.

CREATE TABLE accounts (
    id          TEXT PRIMARY KEY NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE access_keys (
    access_key_id  TEXT PRIMARY KEY NOT NULL,
    account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    sealed_secret  BLOB NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE apps (
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    settings    TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE channels (
    account_id          TEXT NOT NULL,
    app_id              TEXT NOT NULL,
    kind                TEXT NOT NULL,
    enabled             INTEGER NOT NULL,
    attributes          TEXT NOT NULL,
    sealed_credentials  BLOB,
    version             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (account_id, app_id, kind),
    FOREIGN KEY (account_id, app_id) REFERENCES apps(account_id, id) ON DELETE CASCADE
);

CREATE TABLE tags (
    account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    resource_type  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    key            TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (account_id, resource_type, resource_id, key)
);
