//! One sink's worker: takes the oldest records waiting for the sink, hands them over, and
//! removes them once the sink has them; on a failure the same records are tried again after a
//! backoff, and the ones behind them wait (their order is the order per message).

use std::sync::Arc;
use std::time::Duration;

use herald_events::{Sink, SinkEvent};
use herald_store::{OutboxEntry, Store};
use rand::Rng;
use time::OffsetDateTime;
use tokio::sync::watch;

use super::EventDeliverySettings;

pub(super) struct SinkWorker {
    pub arn: String,
    pub sink: Arc<dyn Sink>,
    pub store: Store,
    pub settings: EventDeliverySettings,
}

impl SinkWorker {
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let lease = format!("sink:{}", self.arn);
        while !*stop.borrow() {
            let held = self
                .store
                .acquire_lease(&lease, &self.settings.node_id, OffsetDateTime::now_utc(), self.settings.lease)
                .await;
            let pause = match held {
                // Another node drains this sink; look again well within its lease.
                Ok(false) => self.settings.lease / 4,
                Ok(true) => match self.round().await {
                    Ok(Some(pause)) => pause,
                    Ok(None) => continue,
                    Err(error) => {
                        tracing::error!(sink = %self.arn, %error, "could not read or settle the outbox");
                        Duration::from_secs(1)
                    }
                },
                Err(error) => {
                    tracing::error!(sink = %self.arn, %error, "could not take the sink's lease");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.changed() => {}
            }
        }
        if let Err(error) = self.store.release_lease(&lease, &self.settings.node_id).await {
            tracing::warn!(sink = %self.arn, %error, "could not give the sink's lease up");
        }
    }

    /// One hand-over. Answers how long to pause before the next, or None to go on at once.
    async fn round(&self) -> Result<Option<Duration>, String> {
        let now = OffsetDateTime::now_utc();
        let entries = self.store.outbox_due(&self.arn, now, self.settings.batch).await.map_err(|e| e.to_string())?;
        let Some(head) = entries.first() else {
            return Ok(Some(self.settings.idle_poll));
        };
        if let Some(since) = head.first_failure_at
            && self.settings.retry.is_dead((now - since).unsigned_abs())
        {
            let buried = self.store.outbox_bury(&self.arn, now - self.settings.retry.dead_after).await;
            let buried = buried.map_err(|e| e.to_string())?;
            self.count("dead_lettered", buried);
            tracing::error!(
                sink = %self.arn,
                records = buried,
                last_error = head.last_error.as_deref().unwrap_or_default(),
                "gave up event records the sink kept refusing (dead-lettered)"
            );
            return Ok(None);
        }
        let events: Vec<SinkEvent> = entries.iter().map(sink_event).collect();
        let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
        match self.sink.deliver(&events).await {
            Ok(()) => {
                self.store.outbox_delivered(&seqs).await.map_err(|e| e.to_string())?;
                self.count("delivered", seqs.len() as u64);
                let full = entries.len() >= self.settings.batch as usize;
                Ok(if full { None } else { Some(self.settings.idle_poll) })
            }
            Err(error) => {
                let attempt = u32::try_from(head.attempts.saturating_add(1)).unwrap_or(u32::MAX);
                let delay = self.settings.retry.delay(attempt, rand::rng().random_range(0.0..1.0));
                let error = error.to_string();
                tracing::warn!(sink = %self.arn, %error, attempt, retry_in = ?delay, "a sink refused event records");
                self.count("failed", seqs.len() as u64);
                self.store.outbox_failed(&seqs, &error, now, now + delay).await.map_err(|e| e.to_string())?;
                Ok(Some(delay))
            }
        }
    }
}

impl SinkWorker {
    fn count(&self, outcome: &'static str, records: u64) {
        metrics::counter!(super::DELIVERIES, "sink" => self.arn.clone(), "outcome" => outcome).increment(records);
    }
}

fn sink_event(entry: &OutboxEntry) -> SinkEvent {
    SinkEvent { event_id: entry.event_id.clone(), ordering_key: entry.message_id.clone(), body: entry.record.clone() }
}
