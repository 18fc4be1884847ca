//! The delivery engine's tasks and settings: a dispatcher that claims due messages from the
//! queue and delivers each in its own task, an intake that stores what carriers hand back, and
//! an inbox processor for receipts and inbound messages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use herald_sms::smpp::{CarrierEvent, IdNotation};
use herald_store::MessageUpdate;
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::group_commit::GroupCommit;
use super::lanes::Lanes;
use super::routes::CarrierRoute;
use crate::Core;

/// How the engine runs; the defaults are the guide's where it has one.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Names this node's leases on queued messages.
    pub node_id: String,
    /// How long a submitted message waits for its receipts before it is UNKNOWN (72 hours).
    pub receipt_timeout: Duration,
    /// How long a claimed message stays with this node before another may take it.
    pub lease: Duration,
    /// Messages being delivered at once.
    pub max_in_flight: usize,
    /// How often the queue is looked at when nothing wakes the dispatcher.
    pub idle_poll: Duration,
    /// How long a receipt that names no known message is retried (it can arrive before the
    /// submission that it answers is recorded).
    pub receipt_match_window: Duration,
    /// How long a receipt waits for a message with the id it quotes, in the notation its carrier
    /// is known to use, before the other notations are tried (by then the submission it answers
    /// is recorded, so a numeric id cannot be taken for another message's id in another base).
    pub receipt_notation_fallback: Duration,
    /// Backoff between attempts of a message the carrier could not take.
    pub retry_min: Duration,
    pub retry_max: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            node_id: "local".to_string(),
            receipt_timeout: Duration::from_secs(72 * 3600),
            lease: Duration::from_secs(120),
            max_in_flight: 2048,
            idle_poll: Duration::from_millis(250),
            receipt_match_window: Duration::from_secs(600),
            receipt_notation_fallback: Duration::from_secs(10),
            retry_min: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
        }
    }
}

pub(crate) struct Engine {
    pub core: Arc<Core>,
    pub settings: DeliverySettings,
    pub carriers: Vec<CarrierRoute>,
    pub lanes: Lanes,
    pub permits: Arc<Semaphore>,
    pub inbox_wake: Notify,
    /// The receipt id notation learned per carrier (for carriers that do not configure one).
    pub receipt_notations: Mutex<HashMap<String, IdNotation>>,
    /// The deliveries' writes, group-committed.
    pub updates: GroupCommit<MessageUpdate, bool>,
}

/// The running engine; `shutdown` stops it after the deliveries in progress.
pub struct Delivery {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    engine: Arc<Engine>,
}

/// Starts the engine over `core`'s queue with the given carriers, whose events arrive on
/// `carrier_events`.
pub fn start(
    core: Arc<Core>,
    settings: DeliverySettings,
    carriers: Vec<CarrierRoute>,
    carrier_events: mpsc::Receiver<CarrierEvent>,
) -> Delivery {
    let store = core.store().clone();
    let engine = Arc::new(Engine {
        core,
        permits: Arc::new(Semaphore::new(settings.max_in_flight.max(1))),
        settings,
        carriers,
        lanes: Lanes::default(),
        inbox_wake: Notify::new(),
        receipt_notations: Default::default(),
        updates: GroupCommit::start("message updates", 512, move |updates: Vec<MessageUpdate>| {
            let store = store.clone();
            async move {
                let applied = store.update_messages(&updates).await.map_err(|e| e.to_string())?;
                super::metrics::count_applied(&updates, &applied);
                Ok(applied)
            }
        }),
    });
    let (stop, stopped) = watch::channel(false);
    let tasks = vec![
        tokio::spawn(dispatch(engine.clone(), stopped.clone())),
        tokio::spawn(super::intake::run(engine.clone(), carrier_events, stopped.clone())),
        tokio::spawn(super::inbox::run(engine.clone(), stopped.clone())),
        tokio::spawn(sample_windows(engine.clone(), stopped)),
    ];
    Delivery { stop, tasks, engine }
}

impl Delivery {
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        // Deliveries in progress finish (or give their message back to the queue) first.
        let max = u32::try_from(self.engine.settings.max_in_flight.max(1)).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(Duration::from_secs(15), self.engine.permits.acquire_many(max)).await;
        for route in &self.engine.carriers {
            route.carrier.shutdown().await;
        }
    }
}

/// Samples the carriers' windows for the metrics once a second.
async fn sample_windows(engine: Arc<Engine>, mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        super::metrics::sample_windows(&engine.carriers);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn dispatch(engine: Arc<Engine>, mut stop: watch::Receiver<bool>) {
    let store = engine.core.store().clone();
    if let Err(error) = store.release_leases(&engine.settings.node_id).await {
        tracing::error!(%error, "could not take back the messages this node held before it restarted");
    }
    let wake = engine.core.sms_outbox.wake.clone();
    while !*stop.borrow() {
        let free = engine.permits.available_permits();
        if free == 0 {
            // Every place is taken: wait for one to free up.
            if let Ok(permit) = engine.permits.clone().acquire_owned().await {
                drop(permit);
            }
            continue;
        }
        let busy = engine.lanes.busy(Instant::now());
        let limit = u32::try_from(free.min(512)).unwrap_or(512);
        let claimed = store
            .claim_messages(
                &engine.settings.node_id,
                time::OffsetDateTime::now_utc(),
                engine.settings.lease,
                &busy,
                limit,
            )
            .await;
        match claimed {
            Ok(batch) if !batch.is_empty() => {
                for message in batch {
                    let Ok(permit) = engine.permits.clone().acquire_owned().await else { return };
                    let engine = engine.clone();
                    tokio::spawn(async move {
                        engine.deliver(message).await;
                        drop(permit);
                    });
                }
            }
            Ok(_) => {
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(engine.settings.idle_poll) => {}
                    _ = stop.changed() => {}
                }
            }
            Err(error) => {
                tracing::error!(%error, "could not claim messages from the queue");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
