-- The SMS, voice and media delivery queue: every accepted message is a row here before its
-- MessageId is returned, and stays (state 'final') once it has its final event.

CREATE TABLE messages (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    -- TEXT, VOICE or MEDIA.
    channel      TEXT NOT NULL,
    -- queued: waiting to be sent; submitted: with the carrier, waiting for receipts; final.
    state        TEXT NOT NULL,
    -- The origination identity whose rate limit the message counts against.
    lane         TEXT NOT NULL,
    -- Milliseconds: the next attempt, or when a submitted message stops waiting for receipts.
    due_at       INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    document     TEXT NOT NULL,
    version      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE INDEX messages_due ON messages (due_at) WHERE state <> 'final';
CREATE INDEX messages_by_account ON messages (account_id, created_at);

-- The carrier's id for each submitted part, which its delivery receipts name.
CREATE TABLE message_carrier_ids (
    carrier             TEXT NOT NULL,
    carrier_message_id  TEXT NOT NULL,
    message_id          TEXT NOT NULL,
    part                INTEGER NOT NULL,
    PRIMARY KEY (carrier, carrier_message_id)
);

-- Event records, in the order they happened. `destinations` names the configuration set's event
-- destinations the record is for.
CREATE TABLE message_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    destinations  TEXT NOT NULL,
    record        TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE INDEX message_events_by_message ON message_events (account_id, message_id, seq);

-- Money charged per account, channel and calendar month (UTC), in millionths of a US dollar.
CREATE TABLE spend (
    account_id     TEXT NOT NULL,
    channel        TEXT NOT NULL,
    month          TEXT NOT NULL,
    amount_micros  INTEGER NOT NULL,
    PRIMARY KEY (account_id, channel, month)
);

-- What carriers and operators hand in (delivery receipts, inbound messages), stored before it is
-- acknowledged and removed once processed.
CREATE TABLE inbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    document    TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
