//! A fake Amazon Device Messaging: Login with Amazon's token endpoint and ADM's send endpoint,
//! on plain HTTP at 127.0.0.1.
//!
//! It checks what the real services check and answers the way they answer:
//!
//! - `POST /auth/o2/token` (form): `grant_type=client_credentials`, `scope=messaging:push` and a
//!   registered client id and secret, else `400 unsupported_grant_type` / `400 invalid_scope` /
//!   `401 invalid_client`; answers `{"access_token", "expires_in", "scope", "token_type"}`.
//! - `POST /messaging/registrations/{id}/messages`: a bearer token it issued (`401
//!   AccessTokenExpired` once [`FakeAdm::expire_tokens`] made it old, `401 Unauthorized` when
//!   it never issued it); `X-Amzn-Type-Version`, `X-Amzn-Accept-Type`, `Accept` and a JSON
//!   `Content-Type` (`400 InvalidType`); a JSON object whose `data` maps strings to strings (`400
//!   InvalidData`), at most 6 KB of it (`413 MessageTooLarge`); `consolidationKey` at most 64
//!   characters (`400 InvalidConsolidationKey`); `expiresAfter` 1–2678400 seconds (`400
//!   InvalidExpiration`); `md5` a string (`400 InvalidChecksum`; its value is not checked).
//!
//! A request that passes answers the next [`AdmOutcome`] scripted for its registration id, or
//! success when none is left.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// ADM's limit on a message's `data`.
pub const MAX_DATA_BYTES: usize = 6 * 1024;
const TYPE_VERSION: &str = "com.amazon.device.messaging.ADMMessage@1.0";
const ACCEPT_TYPE: &str = "com.amazon.device.messaging.ADMSendResult@1.0";
const MAX_CONSOLIDATION_KEY_CHARS: usize = 64;
/// `expiresAfter` bounds: one second to 31 days.
const EXPIRES_AFTER: std::ops::RangeInclusive<i64> = 1..=2_678_400;

/// How the fake answers one send that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdmOutcome {
    /// `200 {"registrationID": <the id sent>}`.
    Success,
    /// `200 {"registrationID": <this id>}`: ADM's canonical id replaces the one sent.
    SuccessWithCanonicalId(String),
    /// `status {"reason": reason}`, with `Retry-After: retry_after` when given.
    Error { status: u16, reason: String, retry_after: Option<u64> },
    /// Waits this long, then answers as `Success` (for client timeouts).
    Delay(Duration),
}

impl AdmOutcome {
    pub fn error(status: u16, reason: &str) -> Self {
        AdmOutcome::Error { status, reason: reason.to_string(), retry_after: None }
    }
}

/// One request to the send endpoint, whatever the fake answered.
#[derive(Debug, Clone)]
pub struct ReceivedAdmMessage {
    /// From the path, percent-decoded.
    pub registration_id: String,
    pub headers: HeaderMap,
    /// The JSON body; `Value::Null` when the body was not JSON.
    pub body: Value,
    /// The HTTP status the fake answered.
    pub status: u16,
    /// The `reason` of an error answer.
    pub reason: Option<String>,
}

/// A running fake ADM; stops when dropped.
pub struct FakeAdm {
    addr: SocketAddr,
    state: Arc<Mutex<AdmState>>,
    shutdown: Option<oneshot::Sender<()>>,
}

struct AdmState {
    /// client id → client secret
    clients: HashMap<String, String>,
    /// access token → the generation it was issued in
    tokens: HashMap<String, u64>,
    generation: u64,
    token_lifetime: Duration,
    token_requests: usize,
    tokens_issued: usize,
    scripts: HashMap<String, VecDeque<AdmOutcome>>,
    received: Vec<ReceivedAdmMessage>,
    next_id: u64,
}

impl FakeAdm {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start() -> FakeAdm {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake ADM to 127.0.0.1");
        let addr = listener.local_addr().expect("the fake ADM's address");
        let state = Arc::new(Mutex::new(AdmState {
            clients: HashMap::new(),
            tokens: HashMap::new(),
            generation: 0,
            token_lifetime: Duration::from_secs(3600),
            token_requests: 0,
            tokens_issued: 0,
            scripts: HashMap::new(),
            received: Vec::new(),
            next_id: seed(),
        }));
        let app = Router::new()
            .route("/auth/o2/token", post(token))
            .route("/messaging/registrations/{registration_id}/messages", post(send))
            .with_state(state.clone());
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let stop = async {
                let _ = stopped.await;
            };
            if let Err(error) = axum::serve(listener, app).with_graceful_shutdown(stop).await {
                tracing::warn!(%error, "the fake ADM stopped");
            }
        });
        FakeAdm { addr, state, shutdown: Some(shutdown) }
    }

    /// Login with Amazon's token endpoint.
    pub fn token_url(&self) -> String {
        format!("http://{}/auth/o2/token", self.addr)
    }

    /// ADM's base URL (messages go to `{base_url}/messaging/registrations/{id}/messages`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Accepts these credentials at the token endpoint.
    pub fn register_client(&self, client_id: &str, client_secret: &str) {
        lock(&self.state).clients.insert(client_id.to_string(), client_secret.to_string());
    }

    /// The answers to the next sends to `registration_id`, in order.
    pub fn script(&self, registration_id: &str, outcomes: Vec<AdmOutcome>) {
        lock(&self.state).scripts.entry(registration_id.to_string()).or_default().extend(outcomes);
    }

    /// The `expires_in` of tokens issued from now on (3600 s unless set).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        lock(&self.state).token_lifetime = lifetime;
    }

    /// Every token issued so far is expired: a send with one gets `401 AccessTokenExpired`.
    pub fn expire_tokens(&self) {
        lock(&self.state).generation += 1;
    }

    pub fn received(&self) -> Vec<ReceivedAdmMessage> {
        lock(&self.state).received.clone()
    }

    /// Forgets recorded sends and unused scripts; registered clients and issued tokens stay.
    pub fn clear(&self) {
        let mut state = lock(&self.state);
        state.received.clear();
        state.scripts.clear();
    }

    /// How many access tokens the token endpoint handed out.
    pub fn tokens_issued(&self) -> usize {
        lock(&self.state).tokens_issued
    }

    /// How many requests the token endpoint answered, refused ones included.
    pub fn token_requests(&self) -> usize {
        lock(&self.state).token_requests
    }
}

impl Drop for FakeAdm {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

async fn token(State(state): State<Arc<Mutex<AdmState>>>, headers: HeaderMap, body: Bytes) -> Response {
    lock(&state).token_requests += 1;
    if !header_starts_with(&headers, header::CONTENT_TYPE, "application/x-www-form-urlencoded") {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "the body must be a form");
    }
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    if field("grant_type") != "client_credentials" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant_type must be client_credentials");
    }
    if field("scope") != "messaging:push" {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", "scope must be messaging:push");
    }
    let mut state = lock(&state);
    let known = state.clients.get(field("client_id")).is_some_and(|secret| secret == field("client_secret"));
    if !known {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed");
    }
    state.next_id += 1;
    let access_token = format!("Atc|fake-adm-{:x}", state.next_id);
    let generation = state.generation;
    state.tokens.insert(access_token.clone(), generation);
    state.tokens_issued += 1;
    let body = json!({
        "access_token": access_token,
        "expires_in": state.token_lifetime.as_secs(),
        "scope": "messaging:push",
        "token_type": "bearer",
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

async fn send(
    State(state): State<Arc<Mutex<AdmState>>>,
    Path(registration_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json_body = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let (answer, delay) = {
        let mut state = lock(&state);
        let answer = match check(&state, &headers, &json_body) {
            Err(refusal) => refusal,
            Ok(()) => {
                let outcome = state.scripts.get_mut(&registration_id).and_then(VecDeque::pop_front);
                Answer::from_outcome(outcome.unwrap_or(AdmOutcome::Success), &registration_id)
            }
        };
        state.received.push(ReceivedAdmMessage {
            registration_id,
            headers,
            body: json_body,
            status: answer.status.as_u16(),
            reason: answer.reason.clone(),
        });
        state.next_id += 1;
        let delay = answer.delay;
        (answer.with_request_id(state.next_id), delay)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    answer.into_response()
}

/// ADM's checks, in the order it makes them.
fn check(state: &AdmState, headers: &HeaderMap, body: &Value) -> Result<(), Answer> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match token.and_then(|token| state.tokens.get(token)) {
        None => return Err(Answer::error(StatusCode::UNAUTHORIZED, "Unauthorized")),
        Some(&generation) if generation < state.generation => {
            return Err(Answer::error(StatusCode::UNAUTHORIZED, "AccessTokenExpired"));
        }
        Some(_) => {}
    }
    let header_is = |name: &str, expected: &str| headers.get(name).is_some_and(|value| value == expected);
    if !header_is("x-amzn-type-version", TYPE_VERSION)
        || !header_is("x-amzn-accept-type", ACCEPT_TYPE)
        || !header_contains(headers, header::ACCEPT, "application/json")
        || !header_starts_with(headers, header::CONTENT_TYPE, "application/json")
    {
        return Err(Answer::error(StatusCode::BAD_REQUEST, "InvalidType"));
    }
    let Some(message) = body.as_object() else {
        return Err(Answer::error(StatusCode::BAD_REQUEST, "InvalidData"));
    };
    let data_is_strings =
        message.get("data").and_then(Value::as_object).is_some_and(|data| data.values().all(Value::is_string));
    if !data_is_strings {
        return Err(Answer::error(StatusCode::BAD_REQUEST, "InvalidData"));
    }
    let data_size = message.get("data").map(|data| data.to_string().len()).unwrap_or(0);
    if data_size > MAX_DATA_BYTES {
        return Err(Answer::error(StatusCode::PAYLOAD_TOO_LARGE, "MessageTooLarge"));
    }
    if let Some(key) = message.get("consolidationKey") {
        let fits = key.as_str().is_some_and(|key| key.chars().count() <= MAX_CONSOLIDATION_KEY_CHARS);
        if !fits {
            return Err(Answer::error(StatusCode::BAD_REQUEST, "InvalidConsolidationKey"));
        }
    }
    if let Some(expires) = message.get("expiresAfter")
        && !expires.as_i64().is_some_and(|seconds| EXPIRES_AFTER.contains(&seconds))
    {
        return Err(Answer::error(StatusCode::BAD_REQUEST, "InvalidExpiration"));
    }
    if message.get("md5").is_some_and(|md5| !md5.is_string()) {
        return Err(Answer::error(StatusCode::BAD_REQUEST, "InvalidChecksum"));
    }
    Ok(())
}

/// What the send endpoint answers.
struct Answer {
    status: StatusCode,
    /// `registrationID` of a success.
    registration_id: Option<String>,
    reason: Option<String>,
    retry_after: Option<u64>,
    delay: Option<Duration>,
    request_id: u64,
}

impl Answer {
    fn error(status: StatusCode, reason: &str) -> Self {
        Answer {
            status,
            registration_id: None,
            reason: Some(reason.to_string()),
            retry_after: None,
            delay: None,
            request_id: 0,
        }
    }

    fn success(registration_id: &str) -> Self {
        Answer {
            status: StatusCode::OK,
            registration_id: Some(registration_id.to_string()),
            reason: None,
            retry_after: None,
            delay: None,
            request_id: 0,
        }
    }

    fn from_outcome(outcome: AdmOutcome, registration_id: &str) -> Self {
        match outcome {
            AdmOutcome::Success => Answer::success(registration_id),
            AdmOutcome::SuccessWithCanonicalId(canonical) => Answer::success(&canonical),
            AdmOutcome::Error { status, reason, retry_after } => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                Answer { retry_after, ..Answer::error(status, &reason) }
            }
            AdmOutcome::Delay(delay) => Answer { delay: Some(delay), ..Answer::success(registration_id) },
        }
    }

    fn with_request_id(self, request_id: u64) -> Self {
        Answer { request_id, ..self }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let body = match (&self.registration_id, &self.reason) {
            (Some(registration_id), _) => json!({ "registrationID": registration_id }),
            (None, reason) => json!({ "reason": reason }),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        if let Ok(request_id) = HeaderValue::from_str(&format!("fake-adm-request-{:x}", self.request_id)) {
            headers.insert("x-amzn-requestid", request_id);
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, axum::Json(json!({ "error": error, "error_description": description }))).into_response()
}

fn header_starts_with(headers: &HeaderMap, name: header::HeaderName, prefix: &str) -> bool {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.to_ascii_lowercase().starts_with(prefix))
}

fn header_contains(headers: &HeaderMap, name: header::HeaderName, part: &str) -> bool {
    headers.get(name).and_then(|value| value.to_str().ok()).is_some_and(|value| value.contains(part))
}

/// A panicking handler must not take every later test request down with it.
fn lock(state: &Mutex<AdmState>) -> MutexGuard<'_, AdmState> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Ids differ between fakes started in the same test run.
fn seed() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.subsec_nanos().into()).unwrap_or(0)
}
