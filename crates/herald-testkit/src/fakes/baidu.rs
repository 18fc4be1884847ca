//! A fake Baidu Cloud Push (REST API 3.0) `push/single_device`, on plain HTTP at 127.0.0.1.
//!
//! It checks what Baidu checks, in this order, and answers errors as Baidu does
//! (`{"request_id", "error_code", "error_msg"}`):
//!
//! 1. a `User-Agent` shaped like Baidu's SDKs' (`BCCS_SDK/3.0 (…) …`) and a form body (30602);
//! 2. `apikey`, `timestamp`, `sign`, `channel_id` and `msg` present, no parameter twice (30602);
//! 3. a registered `apikey` (30603);
//! 4. `timestamp` within ten minutes of now, `expires` (when sent) not past (30606);
//! 5. `sign` equal to Baidu's signature made with the app's secret key (30603), computed here
//!    as Baidu's Java SDK does it, apart from the client's code;
//! 6. `channel_id` all digits (30602 "channel_id is invalid"); `device_type` 3 or 4, `msg_type`
//!    0 or 1, `msg_expires` 0–604800 (30602); `msg` at most 4096 bytes (30602), a JSON object
//!    when it is a notification (`msg_type` 1) (30602).
//!
//! A request that passes answers the next [`BaiduOutcome`] scripted for its channel id, or
//! success (`{"request_id", "response_params": {"msg_id", "send_time"}}`) when none is left.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use md5::{Digest, Md5};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// Baidu's limit on `msg`.
pub const MAX_MSG_BYTES: usize = 4096;
/// How long a signature is good for after its `timestamp`.
const SIGNATURE_LIFETIME_SECS: i64 = 600;
/// `msg_expires` bounds: up to seven days.
const MSG_EXPIRES: std::ops::RangeInclusive<i64> = 0..=604_800;

/// How the fake answers one push that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaiduOutcome {
    /// `200 {"request_id", "response_params": {"msg_id", "send_time"}}`.
    Success,
    /// `http_status {"request_id", "error_code", "error_msg"}`.
    Error { http_status: u16, error_code: u32, error_msg: String },
    /// Waits this long, then answers as `Success` (for client timeouts).
    Delay(Duration),
}

impl BaiduOutcome {
    /// An error with the HTTP status Baidu pairs with `error_code`.
    pub fn error(error_code: u32, error_msg: &str) -> Self {
        BaiduOutcome::Error { http_status: http_status_for(error_code), error_code, error_msg: error_msg.to_string() }
    }
}

/// One request to `push/single_device`, whatever the fake answered.
#[derive(Debug, Clone)]
pub struct ReceivedBaiduMessage {
    /// Every form parameter, `sign` included.
    pub params: BTreeMap<String, String>,
    /// `msg` decoded, when it is JSON.
    pub msg: Option<Value>,
    pub user_agent: Option<String>,
    /// The HTTP status the fake answered.
    pub http_status: u16,
    /// The `error_code` of an error answer.
    pub error_code: Option<u32>,
}

/// A running fake Baidu; stops when dropped.
pub struct FakeBaidu {
    addr: SocketAddr,
    state: Arc<Mutex<BaiduState>>,
    shutdown: Option<oneshot::Sender<()>>,
}

struct BaiduState {
    /// api key → secret key
    apps: HashMap<String, String>,
    scripts: HashMap<String, VecDeque<BaiduOutcome>>,
    received: Vec<ReceivedBaiduMessage>,
    next_id: u64,
}

impl FakeBaidu {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start() -> FakeBaidu {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake Baidu to 127.0.0.1");
        let addr = listener.local_addr().expect("the fake Baidu's address");
        let state = Arc::new(Mutex::new(BaiduState {
            apps: HashMap::new(),
            scripts: HashMap::new(),
            received: Vec::new(),
            next_id: (now_unix().unsigned_abs() % 1_000_000) * 1_000_000,
        }));
        let app = Router::new().route("/rest/3.0/push/single_device", post(single_device)).with_state(state.clone());
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let stop = async {
                let _ = stopped.await;
            };
            if let Err(error) = axum::serve(listener, app).with_graceful_shutdown(stop).await {
                tracing::warn!(%error, "the fake Baidu stopped");
            }
        });
        FakeBaidu { addr, state, shutdown: Some(shutdown) }
    }

    /// The REST API base, `http://127.0.0.1:PORT/rest/3.0`.
    pub fn base_url(&self) -> String {
        format!("http://{}/rest/3.0", self.addr)
    }

    /// Accepts requests signed with `secret_key` for `api_key`.
    pub fn register_app(&self, api_key: &str, secret_key: &str) {
        lock(&self.state).apps.insert(api_key.to_string(), secret_key.to_string());
    }

    /// The answers to the next pushes to `channel_id`, in order.
    pub fn script(&self, channel_id: &str, outcomes: Vec<BaiduOutcome>) {
        lock(&self.state).scripts.entry(channel_id.to_string()).or_default().extend(outcomes);
    }

    pub fn received(&self) -> Vec<ReceivedBaiduMessage> {
        lock(&self.state).received.clone()
    }

    /// Forgets recorded pushes and unused scripts; registered apps stay.
    pub fn clear(&self) {
        let mut state = lock(&self.state);
        state.received.clear();
        state.scripts.clear();
    }
}

impl Drop for FakeBaidu {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// An error answer: Baidu's code and message.
struct Refusal {
    code: u32,
    message: String,
}

fn refuse(code: u32, message: impl Into<String>) -> Refusal {
    Refusal { code, message: message.into() }
}

async fn single_device(
    State(state): State<Arc<Mutex<BaiduState>>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user_agent = headers.get(header::USER_AGENT).and_then(|value| value.to_str().ok()).map(str::to_string);
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let params: BTreeMap<String, String> = pairs.iter().cloned().collect();
    let msg = params.get("msg").and_then(|msg| serde_json::from_str::<Value>(msg).ok());
    // Baidu signs the URL with scheme and host; this fake only speaks plain HTTP.
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("");
    let url = format!("http://{host}{}", uri.path());

    let (outcome, request_id) = {
        let mut state = lock(&state);
        let outcome = match check(&state, &headers, &pairs, &params, &url) {
            Err(refusal) => BaiduOutcome::Error {
                http_status: http_status_for(refusal.code),
                error_code: refusal.code,
                error_msg: refusal.message,
            },
            Ok(()) => {
                let channel_id = params.get("channel_id").cloned().unwrap_or_default();
                let scripted = state.scripts.get_mut(&channel_id).and_then(VecDeque::pop_front);
                scripted.unwrap_or(BaiduOutcome::Success)
            }
        };
        let (http_status, error_code) = match &outcome {
            BaiduOutcome::Error { http_status, error_code, .. } => (*http_status, Some(*error_code)),
            BaiduOutcome::Success | BaiduOutcome::Delay(_) => (200, None),
        };
        state.received.push(ReceivedBaiduMessage { params, msg, user_agent, http_status, error_code });
        state.next_id += 1;
        (outcome, state.next_id)
    };

    match outcome {
        BaiduOutcome::Error { http_status, error_code, error_msg } => {
            let status = StatusCode::from_u16(http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = json!({ "request_id": request_id, "error_code": error_code, "error_msg": error_msg });
            (status, axum::Json(body)).into_response()
        }
        BaiduOutcome::Success | BaiduOutcome::Delay(_) => {
            if let BaiduOutcome::Delay(delay) = outcome {
                tokio::time::sleep(delay).await;
            }
            let body = json!({
                "request_id": request_id,
                "response_params": { "msg_id": format!("{}", 6_000_000_000_000_000_000u64 + request_id), "send_time": now_unix() },
            });
            (StatusCode::OK, axum::Json(body)).into_response()
        }
    }
}

fn check(
    state: &BaiduState,
    headers: &HeaderMap,
    pairs: &[(String, String)],
    params: &BTreeMap<String, String>,
    url: &str,
) -> Result<(), Refusal> {
    let user_agent = headers.get(header::USER_AGENT).and_then(|value| value.to_str().ok()).unwrap_or("");
    if !user_agent.starts_with("BCCS_SDK/3.0 (") {
        return Err(refuse(30602, "Request Params Not Valid, User-Agent must look like \"BCCS_SDK/3.0 (…) …\""));
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(refuse(30602, "Request Params Not Valid, the body must be application/x-www-form-urlencoded"));
    }
    if pairs.len() != params.len() {
        return Err(refuse(30602, "Request Params Not Valid, a parameter is given twice"));
    }
    for name in ["apikey", "timestamp", "sign", "channel_id", "msg"] {
        if params.get(name).is_none_or(String::is_empty) {
            return Err(refuse(30602, format!("Request Params Not Valid, {name} is required")));
        }
    }
    let param = |name: &str| params.get(name).map(String::as_str).unwrap_or("");

    let Some(secret_key) = state.apps.get(param("apikey")) else {
        return Err(refuse(30603, "Authentication Failed, apikey not exist"));
    };
    let Ok(timestamp) = param("timestamp").parse::<i64>() else {
        return Err(refuse(30602, "Request Params Not Valid, timestamp must be a unix time"));
    };
    let now = now_unix();
    if (now - timestamp).abs() > SIGNATURE_LIFETIME_SECS {
        return Err(refuse(30606, "Request Time Expires Timeout"));
    }
    if let Some(expires) = params.get("expires")
        && expires.parse::<i64>().is_ok_and(|expires| expires < now)
    {
        return Err(refuse(30606, "Request Time Expires Timeout"));
    }
    if baidu_sign("POST", url, params, secret_key) != param("sign") {
        return Err(refuse(30603, "Authentication Failed, sign invalid"));
    }

    if !param("channel_id").bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(refuse(30602, "Request Params Not Valid, channel_id is invalid"));
    }
    if params.get("device_type").is_some_and(|value| value != "3" && value != "4") {
        return Err(refuse(30602, "Request Params Not Valid, device_type must be 3 or 4"));
    }
    let msg_type = params.get("msg_type").map(String::as_str).unwrap_or("0");
    if msg_type != "0" && msg_type != "1" {
        return Err(refuse(30602, "Request Params Not Valid, msg_type must be 0 or 1"));
    }
    if let Some(expires) = params.get("msg_expires")
        && !expires.parse::<i64>().is_ok_and(|expires| MSG_EXPIRES.contains(&expires))
    {
        return Err(refuse(30602, "Request Params Not Valid, msg_expires must be 0 to 604800"));
    }
    let msg = param("msg");
    if msg.len() > MAX_MSG_BYTES {
        return Err(refuse(
            30602,
            format!("Request Params Not Valid, msg is {} bytes, at most {MAX_MSG_BYTES}", msg.len()),
        ));
    }
    if msg_type == "1" && !serde_json::from_str::<Value>(msg).is_ok_and(|msg| msg.is_object()) {
        return Err(refuse(30602, "Request Params Not Valid, a notification's msg must be a JSON object"));
    }
    Ok(())
}

/// Baidu's signature as its Java SDK computes it: `URLEncoder.encode` (application/x-www-form-
/// urlencoded, which keeps `*`), then `*` → `%2A`, then MD5 as lower-case hex.
fn baidu_sign(method: &str, url: &str, params: &BTreeMap<String, String>, secret_key: &str) -> String {
    let mut base = format!("{method}{url}");
    for (name, value) in params.iter().filter(|(name, _)| name.as_str() != "sign") {
        base.push_str(&format!("{name}={value}"));
    }
    base.push_str(secret_key);
    let encoded: String = form_urlencoded::byte_serialize(base.as_bytes()).collect::<String>().replace('*', "%2A");
    Md5::digest(encoded.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The HTTP status Baidu's REST API pairs with an error code.
fn http_status_for(error_code: u32) -> u16 {
    match error_code {
        30600 => 500,
        30601 => 405,
        30603 | 30606 | 30612 => 401,
        30604 => 403,
        30605 | 30608 | 30611 => 404,
        30699 => 503,
        _ => 400,
    }
}

fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs() as i64).unwrap_or(0)
}

/// A panicking handler must not take every later test request down with it.
fn lock(state: &Mutex<BaiduState>) -> MutexGuard<'_, BaiduState> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same known answer as the client's (computed with Python's urllib and hashlib).
    #[test]
    fn signs_like_baidu() {
        let params = BTreeMap::from(
            [
                ("apikey", "Ljk0xEoPXUQUqDfSaXfDKeCd"),
                ("timestamp", "1427180735"),
                ("channel_id", "3812023617541395311"),
                ("device_type", "3"),
                ("msg_type", "1"),
                ("msg", r#"{"title":"Hi ~ there","description":"Ünïcode 中文 *!"}"#),
                ("msg_expires", "3600"),
                ("sign", "ignored"),
            ]
            .map(|(name, value)| (name.to_string(), value.to_string())),
        );
        let url = "http://api.tuisong.baidu.com/rest/3.0/push/single_device";
        let sign = baidu_sign("POST", url, &params, "aBcD1234EfGh5678IjKl9012MnOp3456");
        assert_eq!(sign, "e6a1e42874b7069fbbd82497b98f0315");
    }
}
