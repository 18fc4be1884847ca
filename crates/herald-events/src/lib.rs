//! Event sinks: where Herald's event records (SMS event records, Pinpoint event stream records,
//! two-way SMS inbound records, audit records) leave the server.
//!
//! The durable outbox lives in the store; this crate is what the outbox drains into, plus the
//! retry policy the outbox follows. Delivery is at least once: a sink acknowledges a slice of
//! events only when all of them are durably accepted, the caller retries the whole slice
//! otherwise, and consumers de-duplicate on [`SinkEvent::event_id`].
//!
//! Sinks are named by an ARN (an SNS topic, Firehose stream, CloudWatch Logs group, Kinesis
//! stream, two-way channel, ...), which is what AWS event destinations point at; the
//! configuration maps each ARN to a local sink ([`SinkConfig`], [`SinkRegistry`]).

mod config;
mod error;
mod file;
mod nats;
mod registry;
mod retry;
mod webhook;

pub use config::{FileConfig, NatsConfig, SinkConfig, SinkKind, WebhookConfig};
pub use error::SinkError;
pub use file::FileSink;
pub use nats::NatsSink;
pub use registry::SinkRegistry;
pub use retry::RetryPolicy;
pub use webhook::{WebhookSink, verify_webhook_signature};

use async_trait::async_trait;

/// One record handed to a sink.
#[derive(Clone, Debug, PartialEq)]
pub struct SinkEvent {
    /// Unique and stable across retries: consumers de-duplicate on it.
    pub event_id: String,
    /// Events of one key (for example a message id) are delivered in order. The caller
    /// guarantees it by not handing over the next event of a key before the previous one was
    /// delivered; a sink delivers the events of one slice in slice order.
    pub ordering_key: String,
    /// The record itself, delivered as compact JSON.
    pub body: serde_json::Value,
}

/// A destination for event records.
#[async_trait]
pub trait Sink: Send + Sync {
    /// The sink's type as written in the configuration: "webhook", "nats" or "file".
    fn kind(&self) -> &'static str;

    /// Succeeds only when every event of `events` is durably accepted. On an error some events
    /// may have been delivered already; the caller retries the whole slice, and the duplicates
    /// that makes carry the same event ids.
    async fn deliver(&self, events: &[SinkEvent]) -> Result<(), SinkError>;
}
