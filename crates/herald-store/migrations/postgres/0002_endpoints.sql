-- Pinpoint endpoints: one device token or address of an app, optionally owned by a user.
-- The document holds every endpoint field; the columns copy what queries select on.

CREATE TABLE endpoints (
    account_id       TEXT COLLATE "C" NOT NULL,
    app_id           TEXT COLLATE "C" NOT NULL,
    id               TEXT COLLATE "C" NOT NULL,
    channel_type     TEXT,
    address          TEXT COLLATE "C",
    user_id          TEXT COLLATE "C",
    endpoint_status  TEXT NOT NULL,
    opt_out          TEXT NOT NULL,
    document         TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (account_id, app_id, id),
    FOREIGN KEY (account_id, app_id) REFERENCES apps(account_id, id) ON DELETE CASCADE
);

CREATE INDEX endpoints_by_user ON endpoints (account_id, app_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX endpoints_by_address ON endpoints (account_id, app_id, address) WHERE address IS NOT NULL;
