-- The audit log: one row per API call (both APIs), like CloudTrail's management events.
-- Request parameters are stored with their secrets already redacted.
CREATE TABLE audit_log (
    seq                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Milliseconds: when the request arrived.
    event_time          BIGINT NOT NULL,
    request_id          TEXT NOT NULL,
    -- Unknown (NULL) when the request could not be authenticated.
    account_id          TEXT COLLATE "C",
    -- The access key id the request was signed with.
    principal           TEXT,
    region              TEXT,
    source_ip           TEXT,
    user_agent          TEXT,
    -- pinpoint or sms-voice.
    api                 TEXT NOT NULL,
    -- NULL when the request named no operation Herald knows.
    operation           TEXT,
    -- JSON array of ARNs.
    resources           TEXT NOT NULL,
    -- JSON, or NULL when the request was not authenticated or its body was not JSON.
    request_parameters  TEXT,
    error_code          TEXT,
    error_message       TEXT,
    duration_ms         BIGINT NOT NULL
);

CREATE INDEX audit_log_by_time ON audit_log (event_time);
CREATE INDEX audit_log_by_account ON audit_log (account_id, event_time);
