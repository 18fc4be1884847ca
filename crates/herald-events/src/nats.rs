//! `type = "nats"`: publish each event to a NATS subject.
//!
//! With JetStream (the default) a delivery succeeds when the stream has acknowledged every
//! event; each message carries the event id as `Nats-Msg-Id`, so the stream drops the
//! duplicates retries make within its de-duplication window (two minutes by default). Without
//! JetStream, success means only that the server has received the messages.
//!
//! The connection is made on first use and then kept; the client reconnects by itself in the
//! background. While it is disconnected, and whenever the server does not answer within the
//! timeout, `deliver` fails with a retryable error instead of waiting.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::jetstream;
use async_nats::jetstream::context::{CreateStreamErrorKind, PublishErrorKind};
use async_nats::jetstream::message::PublishMessage;
use async_trait::async_trait;

use crate::config::{NatsConfig, redact_url};
use crate::error::{SinkError, chain};
use crate::{Sink, SinkEvent};

const KIND: &str = "nats";

/// Publishes events to one subject of one NATS server.
pub struct NatsSink {
    arn: String,
    server: String,
    /// The server URL as shown in errors and logs: without a password it may carry.
    shown_server: String,
    subject: String,
    jetstream: bool,
    stream: Option<String>,
    timeout: Duration,
    ca_file: Option<PathBuf>,
    connection: tokio::sync::Mutex<Option<Connection>>,
    /// Set once `stream` is known to exist; cleared when a publish finds no stream, so that a
    /// deleted stream is created again.
    stream_ready: AtomicBool,
}

#[derive(Clone)]
struct Connection {
    client: async_nats::Client,
    jetstream: jetstream::Context,
}

impl NatsSink {
    /// Does not connect: that happens on the first delivery.
    pub fn new(arn: &str, config: &NatsConfig) -> Self {
        NatsSink {
            arn: arn.to_string(),
            server: config.server.clone(),
            shown_server: redact_url(&config.server),
            subject: config.subject.clone(),
            jetstream: config.jetstream,
            stream: config.stream.clone(),
            timeout: config.timeout(),
            ca_file: config.ca_file.clone(),
            connection: tokio::sync::Mutex::new(None),
            stream_ready: AtomicBool::new(false),
        }
    }

    fn retryable(&self, message: impl Into<String>) -> SinkError {
        SinkError::retryable(&self.arn, KIND, message)
    }

    fn permanent(&self, message: impl Into<String>) -> SinkError {
        SinkError::permanent(&self.arn, KIND, message)
    }

    async fn connection(&self) -> Result<Connection, SinkError> {
        // Held while connecting, so that concurrent deliveries wait for one connection rather
        // than each opening their own.
        let mut cached = self.connection.lock().await;
        if let Some(connection) = cached.as_ref() {
            return Ok(connection.clone());
        }

        let arn = self.arn.clone();
        let server = self.shown_server.clone();
        let mut options = async_nats::ConnectOptions::new()
            .name("herald")
            .connection_timeout(self.timeout)
            .request_timeout(Some(self.timeout))
            .event_callback(move |event| {
                let (arn, server) = (arn.clone(), server.clone());
                async move {
                    match event {
                        async_nats::Event::Connected => tracing::info!(sink = %arn, %server, "NATS connected"),
                        async_nats::Event::Disconnected => {
                            tracing::warn!(sink = %arn, %server, "NATS disconnected; reconnecting")
                        }
                        other => tracing::warn!(sink = %arn, %server, event = %other, "NATS connection event"),
                    }
                }
            });
        if let Some(path) = &self.ca_file {
            options = options.add_root_certificates(path.clone());
        }
        let client = options.connect(self.server.as_str()).await.map_err(|error| {
            let message = format!("cannot connect to NATS server {}: {}", self.shown_server, chain(&error));
            match error.kind() {
                async_nats::ConnectErrorKind::Io
                | async_nats::ConnectErrorKind::TimedOut
                | async_nats::ConnectErrorKind::Dns
                | async_nats::ConnectErrorKind::MaxReconnects => self.retryable(message),
                _ => self.permanent(message),
            }
        })?;
        let jetstream = jetstream::ContextBuilder::new().timeout(self.timeout).build(client.clone());
        let connection = Connection { client, jetstream };
        *cached = Some(connection.clone());
        Ok(connection)
    }

    async fn ensure_stream(&self, jetstream: &jetstream::Context) -> Result<(), SinkError> {
        let Some(name) = &self.stream else { return Ok(()) };
        if self.stream_ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let config = jetstream::stream::Config {
            name: name.clone(),
            subjects: vec![self.subject.clone()],
            ..Default::default()
        };
        jetstream.get_or_create_stream(config).await.map_err(|error| {
            let message = format!("cannot find or create JetStream stream `{name}`: {}", chain(&error));
            match error.kind() {
                CreateStreamErrorKind::TimedOut | CreateStreamErrorKind::JetStreamUnavailable => {
                    self.retryable(message)
                }
                _ => self.permanent(message),
            }
        })?;
        self.stream_ready.store(true, Ordering::Release);
        Ok(())
    }

    fn publish_error(&self, error: &jetstream::context::PublishError, event: &SinkEvent) -> SinkError {
        let error = match error.kind() {
            PublishErrorKind::StreamNotFound => match &self.stream {
                Some(stream) => {
                    self.stream_ready.store(false, Ordering::Release);
                    self.retryable(format!(
                        "no JetStream stream captures subject `{}`; stream `{stream}` will be looked up or created \
                         again on the next attempt (it may have been deleted, or it exists without this subject)",
                        self.subject
                    ))
                }
                None => self.permanent(format!(
                    "no JetStream stream captures subject `{}`: create one, or set `stream` in the sink's \
                     configuration for Herald to create it",
                    self.subject
                )),
            },
            PublishErrorKind::MaxPayloadExceeded => {
                self.permanent(format!("the record is too large: {}", chain(error)))
            }
            _ => self.retryable(format!("JetStream publish to `{}` failed: {}", self.subject, chain(error))),
        };
        error.with_event(&event.event_id)
    }

    async fn deliver_within_timeout(&self, events: &[SinkEvent]) -> Result<(), SinkError> {
        let connection = self.connection().await?;
        if connection.client.connection_state() != async_nats::connection::State::Connected {
            return Err(self.retryable(format!(
                "not connected to NATS server {} (the client keeps reconnecting)",
                self.shown_server
            )));
        }

        let mut payloads = Vec::with_capacity(events.len());
        for event in events {
            let payload = serde_json::to_vec(&event.body).map_err(|error| {
                self.permanent(format!("cannot encode the record: {error}")).with_event(&event.event_id)
            })?;
            payloads.push(payload);
        }

        if !self.jetstream {
            for (event, payload) in events.iter().zip(payloads) {
                let mut headers = async_nats::HeaderMap::new();
                headers.insert(async_nats::header::NATS_MESSAGE_ID, event.event_id.as_str());
                connection.client.publish_with_headers(self.subject.clone(), headers, payload.into()).await.map_err(
                    |error| self.retryable(format!("publish to `{}` failed: {}", self.subject, chain(&error))),
                )?;
            }
            return connection.client.flush().await.map_err(|error| {
                self.retryable(format!("NATS server {} did not confirm: {}", self.shown_server, chain(&error)))
            });
        }

        self.ensure_stream(&connection.jetstream).await?;
        // All publishes first, then all acknowledgements: one round trip for the slice instead
        // of one per event. One connection keeps them in slice order on the stream.
        let mut acks = Vec::with_capacity(events.len());
        for (event, payload) in events.iter().zip(payloads) {
            let message = PublishMessage::build().payload(payload.into()).message_id(&event.event_id);
            let ack = connection
                .jetstream
                .send_publish(self.subject.clone(), message)
                .await
                .map_err(|error| self.publish_error(&error, event))?;
            acks.push((event, ack));
        }
        for (event, ack) in acks {
            let ack = ack.await.map_err(|error| self.publish_error(&error, event))?;
            if ack.duplicate {
                tracing::debug!(sink = %self.arn, event_id = %event.event_id, "JetStream already had this event");
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Sink for NatsSink {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn deliver(&self, events: &[SinkEvent]) -> Result<(), SinkError> {
        if events.is_empty() {
            return Ok(());
        }
        // The client's own time-outs cover each step; this bounds the sum of them.
        match tokio::time::timeout(self.timeout, self.deliver_within_timeout(events)).await {
            Ok(result) => result,
            Err(_) => Err(self.retryable(format!(
                "NATS server {} did not accept the events within {} s",
                self.shown_server,
                self.timeout.as_secs()
            ))),
        }
    }
}
