//! The delivery queue's records: messages waiting for or in delivery, their events, the money
//! they cost, and what carriers hand back.

use serde_json::Value;
use time::OffsetDateTime;

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageState {
    /// Waiting for its turn (`due_at`) to be sent.
    Queued,
    /// With the carrier, waiting for receipts until `due_at`.
    Submitted,
    /// Has its final event.
    Final,
}

impl MessageState {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Queued => "queued",
            MessageState::Submitted => "submitted",
            MessageState::Final => "final",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "queued" => Some(MessageState::Queued),
            "submitted" => Some(MessageState::Submitted),
            "final" => Some(MessageState::Final),
            _ => None,
        }
    }
}

/// An accepted SMS, voice or media message. The document is owned by the layer above.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRecord {
    pub id: String,
    pub account_id: String,
    /// `TEXT`, `VOICE` or `MEDIA`.
    pub channel: String,
    pub state: MessageState,
    /// The origination identity whose rate limit the message counts against.
    pub lane: String,
    pub due_at: OffsetDateTime,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub document: Value,
    /// Starts at 1; every update names the version it read.
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One event record of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Assigned by the store; 0 before.
    pub seq: i64,
    pub account_id: String,
    pub message_id: String,
    pub event_type: String,
    /// The ARNs of the sinks the record is to be delivered to (the configuration set's event
    /// destinations, a two-way channel); the store queues it in the outbox for each.
    pub destinations: Vec<String>,
    pub record: Value,
    pub created_at: OffsetDateTime,
}

/// Money a message costs, charged when it is accepted. The charge is refused, and the message
/// with it, when it would take the month's total past `limit_micros`.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendCharge {
    pub account_id: String,
    /// The spend limit's name, e.g. `TEXT_MESSAGE_MONTHLY_SPEND_LIMIT`.
    pub channel: String,
    /// `YYYY-MM`, UTC.
    pub month: String,
    pub amount_micros: i64,
    pub limit_micros: i64,
}

/// A message to store, with what it costs and the events its acceptance produces.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub message: MessageRecord,
    pub charge: Option<SpendCharge>,
    pub events: Vec<EventRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnqueueOutcome {
    Stored,
    /// The charge would pass the month's limit: nothing was stored.
    SpendLimitReached,
}

/// A carrier's id for one part of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierMessageId {
    pub carrier: String,
    /// As `normalize`d by the caller, so receipts in another notation still match.
    pub carrier_message_id: String,
    pub part: u32,
}

/// A change to a message by whoever holds it: the worker that claimed it, or the receipt
/// processor. Applied only if the message is still at `expected_version`; releases any lease.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageUpdate {
    pub id: String,
    pub expected_version: i64,
    pub state: MessageState,
    pub lane: String,
    pub due_at: OffsetDateTime,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub document: Value,
    pub carrier_ids: Vec<CarrierMessageId>,
    pub events: Vec<EventRecord>,
}

/// Something a carrier or operator handed in, kept until processed.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxItem {
    /// Assigned by the store; 0 before.
    pub seq: i64,
    /// `receipt` or `inbound`.
    pub kind: String,
    pub document: Value,
    pub attempts: i64,
    pub created_at: OffsetDateTime,
}
