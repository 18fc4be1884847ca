-- The event outbox: one row per event record and sink ARN, written in the same transaction as
-- the event (and so as the state change that caused it), deleted once the sink has it.
CREATE TABLE outbox (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    event_seq         INTEGER NOT NULL REFERENCES message_events (seq) ON DELETE CASCADE,
    sink              TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    first_failure_at  INTEGER,
    last_error        TEXT,
    -- 1: given up (dead-lettered) after failing for too long; kept for the operator.
    dead              INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL
);

CREATE INDEX outbox_by_sink ON outbox (sink, dead, seq);
