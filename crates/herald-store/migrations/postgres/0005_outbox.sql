-- The event outbox: one row per event record and sink ARN, written in the same transaction as
-- the event (and so as the state change that caused it), deleted once the sink has it.
CREATE TABLE outbox (
    seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_seq         BIGINT NOT NULL REFERENCES message_events (seq) ON DELETE CASCADE,
    sink              TEXT COLLATE "C" NOT NULL,
    attempts          BIGINT NOT NULL DEFAULT 0,
    next_attempt_at   BIGINT NOT NULL,
    first_failure_at  BIGINT,
    last_error        TEXT,
    -- Given up (dead-lettered) after failing for too long; kept for the operator.
    dead              BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        BIGINT NOT NULL
);

CREATE INDEX outbox_by_sink ON outbox (sink, dead, seq);
CREATE INDEX outbox_by_event ON outbox (event_seq);
