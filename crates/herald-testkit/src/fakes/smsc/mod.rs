//! A fake SMSC: an SMPP 3.4 server on 127.0.0.1 for Herald's SMS tests and benchmarks.
//!
//! It binds ESMEs as transmitter, receiver or transceiver with configured credentials, answers
//! submit_sm with message ids in a configurable format (the receipt may write the same id in
//! another format, as carriers do), sends delivery receipts as deliver_sm after a delay,
//! queueing them until a bind that can receive them is up, and lets tests inject
//! mobile-originated messages. Per destination number, tests script the submit_sm_resp status
//! and the receipt's outcome; they can throttle, slow answers down to observe a client's
//! window, refuse binds and drop every connection. Everything received is recorded.
//!
//! The PDU codec is rusmpp's; the server logic is the fake's own.

mod codec;
mod ids;
mod receipts;
mod record;
mod script;
mod session;
#[cfg(test)]
mod tests;
mod text;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusmpp::types::COctetString;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

pub use ids::IdFormat;
pub use record::{BindType, BoundSession, ConnectionStats, RecordedSubmit, SentInbound, SentReceipt};
pub use script::{Outcome, status};
pub use text::Udh;

use ids::IdGenerator;
use receipts::Deliveries;
use script::Scripts;
use session::Link;

/// How the fake SMSC behaves at start; most of it can be changed while it runs.
#[derive(Debug, Clone)]
pub struct FakeSmscConfig {
    /// Where to listen; port 0 picks a free one.
    pub address: SocketAddr,
    /// Accepted (system_id, password) pairs.
    pub credentials: Vec<(String, String)>,
    /// The SMSC's own system_id, sent in bind responses (at most 15 characters).
    pub smsc_system_id: String,
    /// The message id format of submit_sm_resp.
    pub id_format: IdFormat,
    /// The same message's id format in its receipt (text `id:` and receipted_message_id);
    /// `None` writes it like the submit_sm_resp.
    pub receipt_id_format: Option<IdFormat>,
    /// The number behind the first message id; later ones count up from it.
    pub first_message_number: u64,
    /// How long submit_sm_resp waits; see `FakeSmsc::set_response_delay`.
    pub response_delay: Duration,
    /// From submit_sm_resp to the receipt's deliver_sm.
    pub receipt_delay: Duration,
    /// Whether receipts carry the receipted_message_id and message_state TLVs besides the
    /// text; some carriers send the text only.
    pub receipt_tlvs: bool,
    /// The outcome for destinations without a script.
    pub default_outcome: Outcome,
    /// Accepted submit_sm per second (over all connections), ESME_RTHROTTLED beyond.
    pub max_submits_per_second: Option<u32>,
    /// When set, the fake sends its own enquire_link this often on every bound connection.
    pub enquire_link_interval: Option<Duration>,
    /// How long a deliver_sm waits for its deliver_sm_resp before it is sent once more.
    pub deliver_timeout: Duration,
    /// Unacknowledged deliver_sm per connection.
    pub deliver_window: usize,
    /// Longest PDU accepted; a longer command_length closes the connection.
    pub max_pdu_length: usize,
}

impl Default for FakeSmscConfig {
    fn default() -> Self {
        FakeSmscConfig {
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            credentials: vec![("herald".to_owned(), "secret".to_owned())],
            smsc_system_id: "FakeSMSC".to_owned(),
            id_format: IdFormat::Hex,
            receipt_id_format: None,
            first_message_number: 1,
            response_delay: Duration::ZERO,
            receipt_delay: Duration::from_millis(100),
            receipt_tlvs: true,
            default_outcome: Outcome::Delivered,
            max_submits_per_second: None,
            enquire_link_interval: None,
            deliver_timeout: Duration::from_secs(5),
            deliver_window: 10,
            max_pdu_length: 64 * 1024,
        }
    }
}

impl FakeSmscConfig {
    /// The default configuration with one account.
    pub fn with_credentials(system_id: &str, password: &str) -> FakeSmscConfig {
        FakeSmscConfig { credentials: vec![(system_id.to_owned(), password.to_owned())], ..FakeSmscConfig::default() }
    }
}

/// A running fake SMSC; stops when dropped.
pub struct FakeSmsc {
    shared: Arc<Shared>,
    address: SocketAddr,
    accept_loop: JoinHandle<()>,
    dispatcher: JoinHandle<()>,
}

/// What never changes while the server runs.
struct Settings {
    credentials: HashMap<String, String>,
    smsc_system_id: String,
    id_format: IdFormat,
    receipt_id_format: IdFormat,
    receipt_tlvs: bool,
    enquire_link_interval: Option<Duration>,
    deliver_timeout: Duration,
    deliver_window: usize,
    max_pdu_length: usize,
}

struct Shared {
    settings: Settings,
    state: Mutex<State>,
    /// Bumped on every change tests may wait for.
    changes: watch::Sender<u64>,
    /// Bumped by `drop_connections`; every connection closes when it changes.
    drops: watch::Sender<u64>,
    wake_dispatcher: Notify,
    /// Asks the accept loop to close everything and end (`FakeSmsc::shutdown`).
    stop: Notify,
    next_connection: AtomicU64,
}

struct State {
    scripts: Scripts,
    response_delay: Duration,
    receipt_delay: Duration,
    refuse_binds: bool,
    ids: IdGenerator,
    submits: Vec<RecordedSubmit>,
    receipts: Vec<SentReceipt>,
    inbound: Vec<SentInbound>,
    /// Bound sessions by connection.
    sessions: BTreeMap<u64, SessionEntry>,
    connections: BTreeMap<u64, ConnectionStats>,
    total_binds_accepted: usize,
    deliveries: Deliveries,
}

struct SessionEntry {
    bound: BoundSession,
    link: Arc<Link>,
    /// deliver_sm sent on it and not yet answered.
    in_flight: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn changed(&self) {
        self.changes.send_modify(|generation| *generation = generation.wrapping_add(1));
    }
}

impl FakeSmsc {
    /// Starts listening on `config.address`. Panics when that cannot be bound (a test bug, or
    /// a port already in use).
    pub async fn start(config: FakeSmscConfig) -> FakeSmsc {
        let address = config.address;
        FakeSmsc::try_start(config).await.unwrap_or_else(|error| panic!("binding the fake SMSC to {address}: {error}"))
    }

    /// Like `start`, for callers that report errors (the `herald-fakes` binary).
    pub async fn try_start(config: FakeSmscConfig) -> std::io::Result<FakeSmsc> {
        let listener = TcpListener::bind(config.address).await?;
        let address = listener.local_addr()?;
        let receipt_id_format = config.receipt_id_format.unwrap_or(config.id_format);
        let mut scripts = Scripts::default();
        scripts.set_default_outcome(config.default_outcome.clone());
        scripts.set_max_per_second(config.max_submits_per_second);
        let shared = Arc::new(Shared {
            settings: Settings {
                credentials: config.credentials.iter().cloned().collect(),
                smsc_system_id: config.smsc_system_id.clone(),
                id_format: config.id_format,
                receipt_id_format,
                receipt_tlvs: config.receipt_tlvs,
                enquire_link_interval: config.enquire_link_interval.filter(|interval| !interval.is_zero()),
                deliver_timeout: config.deliver_timeout,
                deliver_window: config.deliver_window.max(1),
                max_pdu_length: config.max_pdu_length,
            },
            state: Mutex::new(State {
                scripts,
                response_delay: config.response_delay,
                receipt_delay: config.receipt_delay,
                refuse_binds: false,
                ids: IdGenerator::new(config.first_message_number, [config.id_format, receipt_id_format]),
                submits: Vec::new(),
                receipts: Vec::new(),
                inbound: Vec::new(),
                sessions: BTreeMap::new(),
                connections: BTreeMap::new(),
                total_binds_accepted: 0,
                deliveries: Deliveries::default(),
            }),
            changes: watch::Sender::new(0),
            drops: watch::Sender::new(0),
            wake_dispatcher: Notify::new(),
            stop: Notify::new(),
            next_connection: AtomicU64::new(1),
        });
        let accept_loop = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        let dispatcher = tokio::spawn(receipts::dispatcher(Arc::clone(&shared)));
        tracing::debug!(%address, "fake SMSC listening");
        Ok(FakeSmsc { shared, address, accept_loop, dispatcher })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops listening and closes every connection; returns once they are all closed.
    pub async fn shutdown(mut self) {
        self.shared.stop.notify_one();
        let _ = (&mut self.accept_loop).await;
        self.dispatcher.abort();
        let _ = (&mut self.dispatcher).await;
    }

    // --------------------------------------------------------------------------------------
    // Scripting
    // --------------------------------------------------------------------------------------

    /// The outcome of every later message to `destination` (with or without a leading '+').
    pub fn set_outcome(&self, destination: &str, outcome: Outcome) {
        self.shared.lock().scripts.set_outcome(destination, outcome);
    }

    /// The outcome for destinations without their own.
    pub fn set_default_outcome(&self, outcome: Outcome) {
        self.shared.lock().scripts.set_default_outcome(outcome);
    }

    /// The submit_sm_resp command_status for every later submit to `destination` (e.g.
    /// `status::INVALID_DESTINATION`); `status::OK` (0) accepts them again.
    pub fn set_submit_status(&self, destination: &str, command_status: u32) {
        self.shared.lock().scripts.set_status(destination, command_status);
    }

    /// Answers the next `submits` submit_sm (any connection) with ESME_RTHROTTLED (0x58).
    pub fn throttle_next(&self, submits: usize) {
        self.shared.lock().scripts.throttle_next(submits);
    }

    /// Accepts at most this many submit_sm in any one second, ESME_RTHROTTLED beyond; `None`
    /// lifts the limit.
    pub fn set_max_rate(&self, per_second: Option<u32>) {
        self.shared.lock().scripts.set_max_per_second(per_second);
    }

    /// Delays every later submit_sm_resp; the connection keeps reading meanwhile, so a client
    /// fills its window (see `ConnectionStats::max_outstanding`).
    pub fn set_response_delay(&self, delay: Duration) {
        self.shared.lock().response_delay = delay;
    }

    pub fn set_receipt_delay(&self, delay: Duration) {
        self.shared.lock().receipt_delay = delay;
    }

    /// While true, every bind is answered ESME_RBINDFAIL (0x0D) and its connection closed.
    pub fn refuse_binds(&self, refuse: bool) {
        self.shared.lock().refuse_binds = refuse;
    }

    /// Closes every connection at once, bound or not, without unbind: what a client sees when
    /// the carrier's SMSC restarts.
    pub fn drop_connections(&self) {
        self.shared.drops.send_modify(|generation| *generation = generation.wrapping_add(1));
    }

    /// Sends a mobile-originated message (deliver_sm, esm_class 0, GSM 03.38 when the text
    /// fits the alphabet, else UCS-2) on any receiver or transceiver bind, or on the next one
    /// to come up.
    pub fn inject_inbound(&self, source: &str, destination: &str, text: &str) {
        self.inject(None, source, destination, text);
    }

    /// Like `inject_inbound`, on a bind of `system_id` only.
    pub fn inject_inbound_to(&self, system_id: &str, source: &str, destination: &str, text: &str) {
        self.inject(Some(system_id), source, destination, text);
    }

    fn inject(&self, system_id: Option<&str>, source: &str, destination: &str, text: &str) {
        receipts::schedule_inbound(&mut self.shared.lock(), system_id, source, destination, text);
        self.shared.wake_dispatcher.notify_one();
    }

    /// Sends an enquire_link on every bound connection now; returns how many.
    pub fn send_enquire_link(&self) -> usize {
        let state = self.shared.lock();
        state
            .sessions
            .values()
            .filter(|session| session.link.outbound.send(session::Outbound::EnquireLink).is_ok())
            .count()
    }

    /// Forgets what was recorded (closed connections included) and every script; sessions,
    /// queued deliveries and the id counter stay.
    pub fn clear(&self) {
        let mut state = self.shared.lock();
        state.submits.clear();
        state.receipts.clear();
        state.inbound.clear();
        state.connections.retain(|_, stats| stats.open);
        state.scripts.clear();
    }

    // --------------------------------------------------------------------------------------
    // Observation
    // --------------------------------------------------------------------------------------

    /// Every submit_sm so far, accepted or not, in arrival order.
    pub fn submits(&self) -> Vec<RecordedSubmit> {
        self.shared.lock().submits.clone()
    }

    /// Every submit_sm so far, forgetting them: long load tests keep memory flat with it.
    pub fn take_submits(&self) -> Vec<RecordedSubmit> {
        std::mem::take(&mut self.shared.lock().submits)
    }

    pub fn submit_count(&self) -> usize {
        self.shared.lock().submits.len()
    }

    /// Waits until at least `count` submit_sm were recorded (accepted or not), or `timeout`;
    /// returns them all either way, so the caller asserts on the length.
    pub async fn wait_for_submits(&self, count: usize, timeout: Duration) -> Vec<RecordedSubmit> {
        self.wait_until(timeout, |state| state.submits.len() >= count).await;
        self.submits()
    }

    /// Receipts sent so far, in the order they were first sent.
    pub fn receipts_sent(&self) -> Vec<SentReceipt> {
        self.shared.lock().receipts.clone()
    }

    /// Waits until at least `count` receipts were acknowledged with deliver_sm_resp (any
    /// status), or `timeout`; returns every receipt sent.
    pub async fn wait_for_receipts(&self, count: usize, timeout: Duration) -> Vec<SentReceipt> {
        self.wait_until(timeout, |state| {
            state.receipts.iter().filter(|receipt| receipt.response_status.is_some()).count() >= count
        })
        .await;
        self.receipts_sent()
    }

    /// Mobile-originated messages sent so far.
    pub fn inbound_sent(&self) -> Vec<SentInbound> {
        self.shared.lock().inbound.clone()
    }

    /// Receipts and inbound messages not yet acknowledged: scheduled, waiting for a bind that
    /// can receive them, or sent without answer.
    pub fn pending_deliveries(&self) -> usize {
        self.shared.lock().deliveries.len()
    }

    /// The sessions bound now.
    pub fn binds(&self) -> Vec<BoundSession> {
        self.shared.lock().sessions.values().map(|session| session.bound.clone()).collect()
    }

    pub fn bind_count(&self) -> usize {
        self.shared.lock().sessions.len()
    }

    /// Waits until at least `count` sessions are bound at once, or `timeout`; returns them.
    pub async fn wait_for_binds(&self, count: usize, timeout: Duration) -> Vec<BoundSession> {
        self.wait_until(timeout, |state| state.sessions.len() >= count).await;
        self.binds()
    }

    /// Successful binds since the start, including sessions gone since.
    pub fn total_binds_accepted(&self) -> usize {
        self.shared.lock().total_binds_accepted
    }

    /// Every connection since the start (or the last `clear`), by connection id.
    pub fn connection_stats(&self) -> Vec<ConnectionStats> {
        self.shared.lock().connections.values().cloned().collect()
    }

    /// The most submit_sm outstanding at once on any one connection.
    pub fn max_outstanding(&self) -> usize {
        self.shared.lock().connections.values().map(|stats| stats.max_outstanding).max().unwrap_or(0)
    }

    /// Whether `ready` held before `timeout`.
    async fn wait_until(&self, timeout: Duration, ready: impl Fn(&State) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        // Subscribed before looking, so that a change right after the look still wakes us.
        let mut changes = self.shared.changes.subscribe();
        loop {
            if ready(&self.shared.lock()) {
                return true;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return ready(&self.shared.lock()),
            }
        }
    }
}

impl Drop for FakeSmsc {
    fn drop(&mut self) {
        // The accept loop owns the connection tasks, so this closes every connection too.
        self.accept_loop.abort();
        self.dispatcher.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    // Owning the connection tasks here means aborting this loop ends them all.
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shared.stop.notified() => {
                drop(listener);
                connections.shutdown().await;
                return;
            }
        };
        match accepted {
            Ok((tcp, peer)) => {
                while connections.try_join_next().is_some() {}
                let connection = shared.next_connection.fetch_add(1, Ordering::Relaxed);
                let drops = shared.drops.subscribe();
                connections.spawn(session::serve(Arc::clone(&shared), tcp, peer, connection, drops));
            }
            Err(error) => {
                // Usually out of file descriptors: wait instead of spinning.
                tracing::warn!(%error, "fake SMSC could not accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// A C-string field of at most `MAX - 1` characters, cut when longer (a fake's own values and
/// test input, where a cut is better than a failure).
fn c_string<const MAX: usize>(value: &str) -> COctetString<1, MAX> {
    let mut value: String = value.chars().filter(|&character| character != '\0').collect();
    while value.len() >= MAX {
        value.pop();
    }
    COctetString::from_string(value).unwrap_or_default()
}
