-- Accounts, access keys, Pinpoint apps, push channels and tags.
-- Times are milliseconds since the Unix epoch, as on SQLite. Keys compare byte-wise
-- (COLLATE "C") so that orderings and pages match SQLite's whatever the database's locale.

CREATE TABLE accounts (
    id          TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE access_keys (
    access_key_id  TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    account_id     TEXT COLLATE "C" NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    sealed_secret  BYTEA NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE apps (
    account_id  TEXT COLLATE "C" NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id          TEXT COLLATE "C" NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    settings    TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE channels (
    account_id          TEXT COLLATE "C" NOT NULL,
    app_id              TEXT COLLATE "C" NOT NULL,
    kind                TEXT COLLATE "C" NOT NULL,
    enabled             BOOLEAN NOT NULL,
    attributes          TEXT NOT NULL,
    sealed_credentials  BYTEA,
    version             BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (account_id, app_id, kind),
    FOREIGN KEY (account_id, app_id) REFERENCES apps(account_id, id) ON DELETE CASCADE
);

CREATE TABLE tags (
    account_id     TEXT COLLATE "C" NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    resource_type  TEXT COLLATE "C" NOT NULL,
    resource_id    TEXT COLLATE "C" NOT NULL,
    key            TEXT COLLATE "C" NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (account_id, resource_type, resource_id, key)
);
