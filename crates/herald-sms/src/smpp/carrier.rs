//! The carrier handle: starts the bind tasks, picks a bind for each submit, and applies the
//! carrier-wide rate.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusmpp::pdus::SubmitSm;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::events::{CarrierEvent, SubmitOutcome, SubmitPart};
use super::pdu::{self, Role};
use super::rate::TokenBucket;
use super::session::{self, SessionContext, Transport};
use super::settings::{BindMode, CarrierSettings};
use super::tls;
use super::window::{Slot, WindowSlots};

/// First pause of a bind after a throttling response; doubles per consecutive one.
const THROTTLE_PAUSE_MIN: Duration = Duration::from_millis(250);
const THROTTLE_PAUSE_MAX: Duration = Duration::from_secs(16);

/// A part on its way to a bind task, holding its window slot.
pub(crate) struct SubmitRequest {
    pub submit_sm: SubmitSm,
    pub slot: Slot,
    pub reply: oneshot::Sender<SubmitOutcome>,
}

/// The submit side of one bind, shared between its task and the submitters.
pub(crate) struct BindState {
    bound: AtomicBool,
    window: WindowSlots,
    requests: mpsc::Sender<SubmitRequest>,
    throttle: Mutex<Throttle>,
    /// Wakes submitters waiting for a usable bind (shared by the carrier's binds).
    changed: Arc<Notify>,
}

#[derive(Debug, Default)]
struct Throttle {
    strikes: u32,
    paused_until: Option<Instant>,
}

impl BindState {
    pub(crate) fn set_bound(&self, bound: bool) {
        self.bound.store(bound, Ordering::SeqCst);
        if bound {
            self.changed.notify_waiters();
        }
    }

    fn is_bound(&self) -> bool {
        self.bound.load(Ordering::SeqCst)
    }

    fn lock_throttle(&self) -> std::sync::MutexGuard<'_, Throttle> {
        self.throttle.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a throttling response and returns how long the bind now pauses: 250 ms, doubling
    /// with each consecutive throttle up to 16 s, until a submit succeeds.
    pub(crate) fn throttle(&self) -> Duration {
        let mut throttle = self.lock_throttle();
        throttle.strikes = throttle.strikes.saturating_add(1);
        let pause = THROTTLE_PAUSE_MIN.saturating_mul(1 << (throttle.strikes - 1).min(16)).min(THROTTLE_PAUSE_MAX);
        throttle.paused_until = Some(Instant::now() + pause);
        pause
    }

    pub(crate) fn clear_throttle(&self) {
        let mut throttle = self.lock_throttle();
        let was_paused = throttle.paused_until.is_some();
        *throttle = Throttle::default();
        drop(throttle);
        if was_paused {
            self.changed.notify_waiters();
        }
    }

    fn paused_until(&self, now: Instant) -> Option<Instant> {
        self.lock_throttle().paused_until.filter(|&until| until > now)
    }
}

struct Inner {
    settings: Arc<CarrierSettings>,
    binds: Vec<Arc<BindState>>,
    changed: Arc<Notify>,
    bucket: Option<TokenBucket>,
    next: AtomicUsize,
    shutdown: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The bind tasks hold no reference to the handle, so without this they would outlive it.
        self.shutdown.cancel();
    }
}

/// A running carrier: its binds, reconnecting on their own, and the way to submit through them.
/// Cheap to clone; the binds stop on [`Carrier::shutdown`] or when the last clone is dropped.
#[derive(Clone)]
pub struct Carrier {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Carrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Carrier").field("name", &self.inner.settings.name).field("bound", &self.bound()).finish()
    }
}

impl Carrier {
    /// Spawns the bind tasks (on the current tokio runtime) and returns at once; binds come up
    /// in the background and report through `events`.
    pub fn start(settings: CarrierSettings, events: mpsc::Sender<CarrierEvent>) -> Carrier {
        let settings = Arc::new(settings.sanitized());
        let changed = Arc::new(Notify::new());
        let shutdown = CancellationToken::new();
        let transport = Arc::new(if settings.tls {
            match tls::connector(settings.tls_ca.as_deref()) {
                Ok(connector) => Transport::Tls(connector),
                Err(reason) => Transport::Broken(format!("TLS setup: {reason}")),
            }
        } else {
            Transport::Plain
        });
        let mut binds = Vec::with_capacity(settings.binds);
        let mut tasks = Vec::new();
        for index in 0..settings.binds {
            let (requests_tx, requests_rx) = mpsc::channel(settings.window);
            let bind = Arc::new(BindState {
                bound: AtomicBool::new(false),
                window: WindowSlots::new(settings.window, changed.clone()),
                requests: requests_tx,
                throttle: Mutex::new(Throttle::default()),
                changed: changed.clone(),
            });
            let context = |role: Role| SessionContext {
                settings: settings.clone(),
                role,
                index,
                bind: None,
                requests: None,
                events: events.clone(),
                transport: transport.clone(),
                shutdown: shutdown.clone(),
            };
            let submitting_role = match settings.bind_mode {
                BindMode::Transceiver => Role::Transceiver,
                BindMode::TransmitterReceiver => {
                    tasks.push(tokio::spawn(session::run(context(Role::Receiver))));
                    Role::Transmitter
                }
            };
            let submitting =
                SessionContext { bind: Some(bind.clone()), requests: Some(requests_rx), ..context(submitting_role) };
            tasks.push(tokio::spawn(session::run(submitting)));
            binds.push(bind);
        }
        let bucket = settings.max_parts_per_second.map(TokenBucket::new);
        Carrier {
            inner: Arc::new(Inner {
                settings,
                binds,
                changed,
                bucket,
                next: AtomicUsize::new(0),
                shutdown,
                tasks: Mutex::new(tasks),
            }),
        }
    }

    pub fn name(&self) -> &str {
        &self.inner.settings.name
    }

    /// The settings in force (after defaults and range fixes).
    pub fn settings(&self) -> &CarrierSettings {
        &self.inner.settings
    }

    /// Binds currently able to submit (bound, whether or not paused by throttling).
    pub fn bound(&self) -> usize {
        self.inner.binds.iter().filter(|bind| bind.is_bound()).count()
    }

    /// Window slots in use over all binds: submit_sm sent (or about to be) and not yet answered.
    pub fn in_flight(&self) -> usize {
        let size = self.inner.settings.window;
        self.inner.binds.iter().map(|bind| size.saturating_sub(bind.window.available())).sum()
    }

    /// Submits one part and waits for the SMSC's answer.
    ///
    /// Waits up to `response_timeout` for a bound bind with room in its window (then
    /// `Unavailable`), then for the carrier's rate limit (as long as it takes), then up to
    /// `response_timeout` for the submit_sm_resp (then `Unavailable`). Never panics and never
    /// retries by itself: resending is the engine's decision.
    pub async fn submit(&self, part: SubmitPart) -> SubmitOutcome {
        let inner = &self.inner;
        if inner.shutdown.is_cancelled() {
            return unavailable("carrier is shut down");
        }
        let submit_sm = match pdu::submit_sm(&part) {
            Ok(submit_sm) => submit_sm,
            Err(outcome) => return outcome,
        };
        let timeout = inner.settings.response_timeout;
        let Some((bind, slot)) = self.acquire_slot(Instant::now() + timeout).await else {
            return if inner.shutdown.is_cancelled() {
                unavailable("carrier is shut down")
            } else {
                SubmitOutcome::Unavailable {
                    reason: format!(
                        "no bind could take a submit within {timeout:?} ({} of {} bound)",
                        self.bound(),
                        inner.binds.len()
                    ),
                }
            };
        };
        if let Some(bucket) = &inner.bucket {
            bucket.acquire().await;
        }
        let (reply, response) = oneshot::channel();
        if bind.requests.send(SubmitRequest { submit_sm, slot, reply }).await.is_err() {
            return unavailable("carrier is shut down");
        }
        // The bind answers within response_timeout on its own; this only guards against a
        // request stuck in a bind that is reconnecting.
        match tokio::time::timeout(timeout * 2 + Duration::from_secs(1), response).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => unavailable("bind stopped before answering"),
            Err(_) => unavailable("bind did not answer"),
        }
    }

    /// A window slot on the bound, unpaused bind with the most room, waiting until `deadline`.
    async fn acquire_slot(&self, deadline: Instant) -> Option<(Arc<BindState>, Slot)> {
        let inner = &self.inner;
        let count = inner.binds.len();
        loop {
            // Registered before looking, so a slot freed in between still wakes this waiter.
            let changed = inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();

            let now = Instant::now();
            let mut wake_at = deadline;
            let start = inner.next.fetch_add(1, Ordering::Relaxed) % count;
            let mut best: Option<&Arc<BindState>> = None;
            for offset in 0..count {
                let bind = &inner.binds[(start + offset) % count];
                if !bind.is_bound() {
                    continue;
                }
                if let Some(until) = bind.paused_until(now) {
                    wake_at = wake_at.min(until);
                    continue;
                }
                if bind.window.available() > best.map_or(0, |b| b.window.available()) {
                    best = Some(bind);
                }
            }
            if let Some(bind) = best {
                if let Some(slot) = bind.window.try_acquire() {
                    return Some((bind.clone(), slot));
                }
                // Another submitter took the last slot between looking and taking: look again.
                continue;
            }
            if now >= deadline {
                return None;
            }
            tokio::select! {
                _ = &mut changed => {}
                _ = tokio::time::sleep_until(wake_at) => {}
                _ = inner.shutdown.cancelled() => return None,
            }
        }
    }

    /// Unbinds every connection politely (letting outstanding submits be answered first, up to
    /// `response_timeout`) and stops the bind tasks. Submits after this return `Unavailable`.
    pub async fn shutdown(&self) {
        let inner = &self.inner;
        inner.shutdown.cancel();
        let tasks = std::mem::take(&mut *inner.tasks.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        let deadline = Instant::now() + inner.settings.response_timeout * 3 + Duration::from_secs(1);
        for task in tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout_at(deadline, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

fn unavailable(reason: &str) -> SubmitOutcome {
    SubmitOutcome::Unavailable { reason: reason.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind_state() -> BindState {
        let (requests, _) = mpsc::channel(1);
        let changed = Arc::new(Notify::new());
        BindState {
            bound: AtomicBool::new(true),
            window: WindowSlots::new(1, changed.clone()),
            requests,
            throttle: Mutex::new(Throttle::default()),
            changed,
        }
    }

    #[test]
    fn throttle_pause_grows_caps_and_resets() {
        let bind = bind_state();
        let pauses: Vec<Duration> = (0..8).map(|_| bind.throttle()).collect();
        let ms = Duration::from_millis;
        assert_eq!(&pauses[..4], &[ms(250), ms(500), ms(1000), ms(2000)]);
        assert_eq!(pauses[7], THROTTLE_PAUSE_MAX);
        assert!(bind.paused_until(Instant::now()).is_some());
        bind.clear_throttle();
        assert!(bind.paused_until(Instant::now()).is_none());
        assert_eq!(bind.throttle(), ms(250));
    }

    #[tokio::test]
    async fn submit_without_a_bind_is_unavailable_after_the_timeout() {
        let mut settings = CarrierSettings::new("nowhere", "127.0.0.1", 9, "sys", "pw");
        settings.response_timeout = Duration::from_millis(200);
        settings.reconnect_min = Duration::from_secs(30);
        let (events, _events_rx) = mpsc::channel(16);
        let carrier = Carrier::start(settings, events);
        let part = SubmitPart {
            source: "+15550001111".into(),
            destination: "+15550002222".into(),
            data_coding: 0,
            udhi: false,
            short_message: b"hi".to_vec(),
            registered_delivery: false,
        };
        let started = std::time::Instant::now();
        let outcome = carrier.submit(part.clone()).await;
        assert!(matches!(outcome, SubmitOutcome::Unavailable { .. }), "{outcome:?}");
        assert!(started.elapsed() >= Duration::from_millis(190));
        assert_eq!(carrier.bound(), 0);

        let bad = SubmitPart { destination: "nope".into(), ..part.clone() };
        assert_eq!(carrier.submit(bad).await, SubmitOutcome::Rejected { command_status: 0x0B, permanent: true });

        carrier.shutdown().await;
        let outcome = carrier.submit(part).await;
        assert_eq!(outcome, SubmitOutcome::Unavailable { reason: "carrier is shut down".into() });
    }
}
