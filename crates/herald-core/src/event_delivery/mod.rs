//! Event records leave Herald: every record the store queued in its outbox for a sink ARN is
//! handed to the sink the node configuration maps that ARN to (`[[sinks]]`), at least once, in
//! order per sink (and so per message), with capped exponential backoff between failed
//! attempts and a dead letter after failing for `dead_after`. A sink that is down holds up only
//! its own records; sending never waits for a sink.
//!
//! Nodes that share a database drain each sink from one node at a time: the worker holds the
//! lease `sink:<ARN>` while it works and renews it every round.
//!
//! An ARN no sink is configured for is accepted, as AWS accepts any ARN: its records wait in the
//! outbox, at most `max_pending_without_sink` of them (the oldest are dropped beyond that), until
//! a sink is configured for it.

mod sink_worker;

use std::sync::Arc;
use std::time::Duration;

use herald_events::{RetryPolicy, SinkRegistry};
use herald_store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How the outbox is drained.
#[derive(Debug, Clone)]
pub struct EventDeliverySettings {
    pub retry: RetryPolicy,
    /// Records handed to a sink at once.
    pub batch: u32,
    /// How often an idle sink's queue is looked at.
    pub idle_poll: Duration,
    /// Records kept for an ARN that no sink is configured for.
    pub max_pending_without_sink: u64,
    /// How often the ARNs without a sink are trimmed.
    pub housekeeping_interval: Duration,
    /// Names this node in the leases that keep one node per sink (so that nodes sharing a
    /// database do not deliver the same records).
    pub node_id: String,
    /// How long a sink's lease lasts without renewal; another node takes the sink over after it.
    pub lease: Duration,
}

impl Default for EventDeliverySettings {
    fn default() -> Self {
        EventDeliverySettings {
            retry: RetryPolicy::default(),
            batch: 100,
            idle_poll: Duration::from_millis(250),
            max_pending_without_sink: 100_000,
            housekeeping_interval: Duration::from_secs(10),
            node_id: "local".to_string(),
            lease: Duration::from_secs(30),
        }
    }
}

/// Records handed over, by sink and outcome (`delivered`, `failed`, `dead_lettered`).
const DELIVERIES: &str = "herald_event_deliveries_total";
/// Records dropped from ARNs that no sink is configured for, beyond the bound.
const DROPPED: &str = "herald_event_outbox_dropped_total";
/// Records waiting for an ARN that no sink is configured for: they cannot be delivered until one is.
const UNDELIVERABLE: &str = "herald_event_outbox_undeliverable_records";

pub fn describe_metrics() {
    metrics::describe_counter!(DELIVERIES, "Event records handed to sinks, by sink ARN and outcome");
    metrics::describe_counter!(DROPPED, "Event records dropped for an ARN without a sink, beyond the bound");
    metrics::describe_gauge!(UNDELIVERABLE, "Event records waiting for an ARN that no [[sinks]] entry maps");
}

/// The running outbox drain; `shutdown` stops it after the deliveries in progress.
pub struct EventDelivery {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Starts one worker per configured sink and the housekeeping of ARNs without one.
pub fn start(store: Store, sinks: Arc<SinkRegistry>, settings: EventDeliverySettings) -> EventDelivery {
    let (stop, stopped) = watch::channel(false);
    let mut tasks = Vec::new();
    for arn in sinks.arns() {
        let Some(sink) = sinks.get(arn) else { continue };
        let worker =
            sink_worker::SinkWorker { arn: arn.to_owned(), sink, store: store.clone(), settings: settings.clone() };
        tasks.push(tokio::spawn(worker.run(stopped.clone())));
    }
    tasks.push(tokio::spawn(housekeeping(store, sinks, settings, stopped)));
    EventDelivery { stop, tasks }
}

impl EventDelivery {
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Keeps the records of ARNs without a sink bounded, and says once per ARN that they wait.
async fn housekeeping(
    store: Store,
    sinks: Arc<SinkRegistry>,
    settings: EventDeliverySettings,
    mut stop: watch::Receiver<bool>,
) {
    let mut reported = std::collections::HashSet::new();
    while !*stop.borrow() {
        match store.outbox_depth().await {
            Ok(depths) => {
                for depth in depths.iter().filter(|depth| sinks.get(&depth.sink).is_none()) {
                    let arn = &depth.sink;
                    metrics::gauge!(UNDELIVERABLE, "sink" => arn.clone()).set(depth.pending as f64);
                    if reported.insert(arn.clone()) {
                        tracing::warn!(%arn, "event records wait in the outbox: no [[sinks]] entry maps this ARN");
                    }
                    match store.outbox_trim(arn, settings.max_pending_without_sink).await {
                        Ok(0) => {}
                        Ok(dropped) => {
                            metrics::counter!(DROPPED, "sink" => arn.clone()).increment(dropped);
                            tracing::warn!(%arn, dropped, "dropped the oldest event records of an ARN without a sink");
                        }
                        Err(error) => tracing::error!(%arn, %error, "could not trim the outbox"),
                    }
                }
            }
            Err(error) => tracing::error!(%error, "could not measure the outbox"),
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.housekeeping_interval) => {}
            _ = stop.changed() => {}
        }
    }
}
