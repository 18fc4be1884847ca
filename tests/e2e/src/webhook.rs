//! A webhook receiver on loopback for event sinks: it checks each request's signature, keeps
//! the records it takes, and can be told to refuse them (503) for a while.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

/// The signing secret the receiver checks.
pub const SECRET: &str = "webhook-signing-secret";

/// One POST the receiver took.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub event_id: String,
    pub record: Value,
}

#[derive(Clone, Default)]
pub struct Receiver {
    taken: Arc<Mutex<Vec<Delivery>>>,
    failing: Arc<AtomicBool>,
    refused: Arc<Mutex<u32>>,
}

impl Receiver {
    /// Serves on `listener` (at `/events`) until the test ends.
    pub fn start(&self, listener: tokio::net::TcpListener) {
        let app = axum::Router::new().route("/events", axum::routing::post(take)).with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.expect("webhook receiver") });
    }

    /// Refuses every request with 503 while `failing`.
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Requests refused so far.
    pub fn refused(&self) -> u32 {
        *self.refused.lock().expect("lock")
    }

    pub fn taken(&self) -> Vec<Delivery> {
        self.taken.lock().expect("lock").clone()
    }

    /// The records taken whose `member` is `value`, in arrival order.
    pub fn records_where(&self, member: &str, value: &str) -> Vec<Value> {
        self.taken().into_iter().filter(|d| d.record[member] == value).map(|d| d.record).collect()
    }
}

/// The `[[sinks]]` table that maps `arn` to a receiver on `port`.
pub fn sink(arn: &str, port: u16) -> String {
    format!(
        "[[sinks]]\narn = {arn:?}\ntype = \"webhook\"\nurl = \"http://127.0.0.1:{port}/events\"\n\
         secret = {SECRET:?}\ntimeout_seconds = 2\n"
    )
}

async fn take(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if receiver.failing.load(Ordering::SeqCst) {
        *receiver.refused.lock().expect("lock") += 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (timestamp, signature) = (header("x-herald-timestamp"), header("x-herald-signature"));
    if !herald_events::verify_webhook_signature(SECRET.as_bytes(), &timestamp, &body, &signature) {
        // The test sees no record and fails on what it waits for; the log says why.
        eprintln!("webhook receiver: a bad signature on {}", String::from_utf8_lossy(&body));
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(record) = serde_json::from_slice::<Value>(&body) else {
        eprintln!("webhook receiver: not JSON: {}", String::from_utf8_lossy(&body));
        return StatusCode::BAD_REQUEST;
    };
    receiver.taken.lock().expect("lock").push(Delivery { event_id: header("x-herald-event-id"), record });
    StatusCode::OK
}
