//! The event outbox: event records waiting for the sinks their destinations name.

use serde_json::Value;
use time::OffsetDateTime;

/// An event record waiting for one sink.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub seq: i64,
    /// The destination ARN the record goes to.
    pub sink: String,
    /// Stable across retries and unique in the database: what consumers de-duplicate on.
    pub event_id: String,
    /// The message (or inbound message) the record is about; its records go out in order.
    pub message_id: String,
    pub record: Value,
    pub attempts: i64,
    /// When the sink first failed to take it; None while it has not failed.
    pub first_failure_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
}

/// How much waits for one sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxDepth {
    pub sink: String,
    pub pending: u64,
    /// Given up after failing for too long.
    pub dead: u64,
    pub oldest_pending: Option<OffsetDateTime>,
}
