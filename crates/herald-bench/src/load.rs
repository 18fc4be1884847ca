//! The load: concurrent clients sending requests built by a [`Workload`] (SendMessages with
//! distinct device tokens, SendTextMessage to distinct handsets), timed per request, every
//! answer checked.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hdrhistogram::Histogram;
use http::{Method, Request, StatusCode};
use http_body_util::Full;
use serde::Deserialize;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::Provider;
use crate::api::Api;

/// Latencies are recorded in microseconds, up to this (the request timeout is shorter).
pub const MAX_LATENCY_MICROS: u64 = 120_000_000;
/// FCM registration tokens are about 150 characters; this pads the generated ones to that size.
const FCM_TOKEN_TAIL: &str = "APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx-d7fUhtQ6WtyEN8hbxlWnvvYoL5iNf1Vv-Y3Ez0mnn\
                              Q7ixcu7CqjAHhyRtfXz7lHrmXU2U7FB1WQSdSyLw0AqbkhvbNaLYaSwqDAOXQ";

/// What the clients send and how each answer is checked.
pub trait Workload: Send + Sync + 'static {
    /// The next request, signed, and how many units (notifications, messages) it carries.
    fn request(&self, api: &Api) -> Result<(Request<Full<Bytes>>, u64)>;
    /// Checks an answer to a request of `units`; answers the units it confirms. An error fails
    /// the run.
    fn check(&self, status: StatusCode, body: &[u8], units: u64) -> Result<u64>;
}

/// What one phase (warm-up or measurement) sends.
pub struct Load {
    pub workload: Arc<dyn Workload>,
    pub concurrency: usize,
    pub duration: Duration,
    /// Requests per second across all clients (open loop); `None` sends back to back.
    pub rate: Option<f64>,
}

/// What one phase measured.
pub struct Measured {
    pub requests: u64,
    /// Notifications or messages confirmed by the answers.
    pub units: u64,
    pub elapsed: Duration,
    /// Request latency in microseconds.
    pub latency: Histogram<u64>,
}

impl Measured {
    fn empty() -> Result<Measured> {
        Ok(Measured {
            requests: 0,
            units: 0,
            elapsed: Duration::ZERO,
            latency: Histogram::new_with_bounds(1, MAX_LATENCY_MICROS, 3)?,
        })
    }
}

/// Counters shared by the clients and whoever reports progress.
#[derive(Default)]
pub struct Progress {
    /// Units confirmed so far.
    pub units: AtomicU64,
}

struct Shared {
    api: Arc<Api>,
    load: Load,
    progress: Arc<Progress>,
    stop: AtomicBool,
    /// Requests scheduled so far (open loop).
    scheduled: AtomicU64,
    started: Instant,
}

/// Runs `load.concurrency` clients for `load.duration`; fails on the first answer the workload
/// does not accept.
pub async fn run(api: Arc<Api>, load: Load, progress: Arc<Progress>) -> Result<Measured> {
    let concurrency = load.concurrency;
    let shared = Arc::new(Shared {
        api,
        load,
        progress,
        stop: AtomicBool::new(false),
        scheduled: AtomicU64::new(0),
        started: Instant::now(),
    });
    let mut clients = JoinSet::new();
    for _ in 0..concurrency {
        clients.spawn(client(Arc::clone(&shared)));
    }
    let mut measured = Measured::empty()?;
    let mut failure = None;
    while let Some(joined) = clients.join_next().await {
        match joined.context("a client task panicked").and_then(|result| result) {
            Ok(client) => {
                measured.requests += client.requests;
                measured.units += client.units;
                measured.latency.add(&client.latency)?;
            }
            Err(error) => {
                shared.stop.store(true, Ordering::Relaxed);
                failure.get_or_insert(error);
            }
        }
    }
    measured.elapsed = shared.started.elapsed();
    match failure {
        Some(error) => Err(error),
        None => Ok(measured),
    }
}

async fn client(shared: Arc<Shared>) -> Result<Measured> {
    let load = &shared.load;
    let deadline = shared.started + load.duration;
    let period = load.rate.map(|rate| Duration::from_secs_f64(1.0 / rate));
    let mut measured = Measured::empty()?;
    while !shared.stop.load(Ordering::Relaxed) {
        // Open loop: request n is due at start + n × period, and its latency counts from then,
        // so a slow server cannot hide its queueing by slowing the clients down.
        let due = match period {
            Some(period) => {
                let n = shared.scheduled.fetch_add(1, Ordering::Relaxed);
                let due = shared.started + period.mul_f64(n as f64);
                if due >= deadline {
                    break;
                }
                tokio::time::sleep_until(due).await;
                Some(due)
            }
            None if Instant::now() >= deadline => break,
            None => None,
        };
        let (request, units) = load.workload.request(&shared.api)?;
        let sent = Instant::now();
        let (status, answer) = shared.api.send(request).await?;
        let latency = due.unwrap_or(sent).elapsed();
        let confirmed = load.workload.check(status, &answer, units)?;
        measured.requests += 1;
        measured.units += confirmed;
        shared.progress.units.fetch_add(confirmed, Ordering::Relaxed);
        measured.latency.saturating_record(latency.as_micros().try_into().unwrap_or(u64::MAX).max(1));
    }
    Ok(measured)
}

/// SendMessages with `addresses_per_request` new device tokens per request.
pub struct PushWorkload {
    pub provider: Provider,
    /// `/v1/apps/{app}/messages`
    pub path: String,
    pub addresses_per_request: usize,
    /// Device tokens handed out so far: every address of the run is new.
    pub next_token: AtomicU64,
}

impl Workload for PushWorkload {
    fn request(&self, api: &Api) -> Result<(Request<Full<Bytes>>, u64)> {
        let count = self.addresses_per_request;
        let first = self.next_token.fetch_add(count as u64, Ordering::Relaxed);
        let body = message_request(self.provider, first, count);
        Ok((api.request(Method::POST, &self.path, body)?, count as u64))
    }

    fn check(&self, status: StatusCode, body: &[u8], units: u64) -> Result<u64> {
        if !status.is_success() {
            bail!("SendMessages: HTTP {status}: {}", String::from_utf8_lossy(body));
        }
        check_results(body, usize::try_from(units).unwrap_or(usize::MAX))
    }
}

/// The device token number `n`: 64 hex digits for APNs, an FCM-sized registration token for FCM.
fn device_token(provider: Provider, n: u64) -> String {
    match provider {
        Provider::Apns => format!("{:016x}{n:048x}", n.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        Provider::Fcm => format!("{n:016x}:{FCM_TOKEN_TAIL}"),
    }
}

/// A MessageRequest for `count` new addresses starting at token number `first`.
fn message_request(provider: Provider, first: u64, count: usize) -> Bytes {
    let (channel, message) = match provider {
        Provider::Apns => (
            "APNS",
            r#""APNSMessage":{"Title":"Herald bench","Body":"Your order has shipped","Action":"OPEN_APP","Sound":"default","Badge":1,"Data":{"order":"1234"}}"#,
        ),
        Provider::Fcm => (
            "GCM",
            r#""GCMMessage":{"Title":"Herald bench","Body":"Your order has shipped","Action":"OPEN_APP","Sound":"default","Data":{"order":"1234"}}"#,
        ),
    };
    let mut body = String::with_capacity(count * 200 + 256);
    body.push_str(r#"{"Addresses":{"#);
    for n in first..first + count as u64 {
        if n != first {
            body.push(',');
        }
        let _ = write!(body, r#""{}":{{"ChannelType":"{channel}"}}"#, device_token(provider, n));
    }
    let _ = write!(body, r#"}},"MessageConfiguration":{{{message}}}}}"#);
    Bytes::from(body)
}

#[derive(Deserialize)]
struct MessageResponse<'a> {
    #[serde(rename = "Result", borrow, default)]
    result: HashMap<Cow<'a, str>, MessageResult<'a>>,
}

#[derive(Deserialize)]
struct MessageResult<'a> {
    #[serde(rename = "DeliveryStatus", borrow)]
    delivery_status: Cow<'a, str>,
    #[serde(rename = "StatusCode", default)]
    status_code: i64,
    #[serde(rename = "StatusMessage", borrow, default)]
    status_message: Option<Cow<'a, str>>,
}

/// The number of SUCCESSFUL results; an error unless all `expected` addresses succeeded.
fn check_results(body: &[u8], expected: usize) -> Result<u64> {
    let response: MessageResponse<'_> = serde_json::from_slice(body)
        .with_context(|| format!("SendMessages answered something else: {}", String::from_utf8_lossy(body)))?;
    if let Some((address, result)) = response.result.iter().find(|(_, result)| result.delivery_status != "SUCCESSFUL") {
        bail!(
            "address {address}: {} (status {}, {})",
            result.delivery_status,
            result.status_code,
            result.status_message.as_deref().unwrap_or("no message")
        );
    }
    if response.result.len() != expected {
        bail!("SendMessages answered {} results for {expected} addresses", response.result.len());
    }
    Ok(response.result.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_hold_distinct_well_formed_tokens() {
        for provider in [Provider::Apns, Provider::Fcm] {
            let body = message_request(provider, 7, 100);
            let request: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
            let addresses = request["Addresses"].as_object().expect("addresses");
            assert_eq!(addresses.len(), 100);
            assert!(request["MessageConfiguration"].is_object());
            if provider == Provider::Apns {
                assert!(
                    addresses.keys().all(|token| token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
                );
            }
        }
        assert_ne!(device_token(Provider::Apns, 1), device_token(Provider::Apns, 2));
    }

    #[test]
    fn every_result_must_succeed() {
        let ok = br#"{"ApplicationId":"a","Result":{"t1":{"DeliveryStatus":"SUCCESSFUL","StatusCode":200},"t2":{"DeliveryStatus":"SUCCESSFUL","StatusCode":200}}}"#;
        assert_eq!(check_results(ok, 2).expect("all delivered"), 2);
        assert!(check_results(ok, 3).is_err(), "a missing result");
        let failed = br#"{"ApplicationId":"a","Result":{"t1":{"DeliveryStatus":"PERMANENT_FAILURE","StatusCode":400,"StatusMessage":"BadDeviceToken"}}}"#;
        let error = check_results(failed, 1).expect_err("a failure").to_string();
        assert!(error.contains("BadDeviceToken"), "{error}");
    }
}
