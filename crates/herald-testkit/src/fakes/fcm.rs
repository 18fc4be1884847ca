//! A fake Firebase Cloud Messaging: Google's OAuth2 token endpoint and the FCM HTTP v1 send
//! endpoint on one plain-HTTP loopback port (HTTP/1.1 and h2c).
//!
//! It checks what Google checks: the JWT-bearer assertion (RS256 signature of a registered
//! service account, audience, scope, lifetime), bearer tokens it issued, the project the token
//! may send for, and a message with exactly one target. Answers per device token follow a
//! script, then succeed.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const FIREBASE_MESSAGING_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
const JWT_BEARER_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const FCM_ERROR_TYPE: &str = "type.googleapis.com/google.firebase.fcm.v1.FcmError";

/// What Google answers as `expires_in`.
const ACCESS_TOKEN_LIFETIME_SECS: u64 = 3599;
/// Google refuses assertions meant to live longer than an hour.
const MAX_ASSERTION_LIFETIME_SECS: i64 = 3600;
/// Tolerated clock difference for `iat` in the future.
const CLOCK_SKEW_SECS: i64 = 60;

/// How the fake answers one send to a device token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FcmOutcome {
    Success,
    /// A Google error answer. An empty `error_code` leaves the FcmError detail out, as Google
    /// does for some INVALID_ARGUMENT answers. `retry_after` becomes a `Retry-After` header.
    Error {
        http_status: u16,
        status: String,
        error_code: String,
        message: String,
        retry_after: Option<u64>,
    },
    /// Waits, then answers with the inner outcome (for timeouts and concurrency tests).
    Delay(Duration, Box<FcmOutcome>),
}

impl FcmOutcome {
    pub fn error(http_status: u16, status: &str, error_code: &str, message: &str) -> FcmOutcome {
        FcmOutcome::Error {
            http_status,
            status: status.to_owned(),
            error_code: error_code.to_owned(),
            message: message.to_owned(),
            retry_after: None,
        }
    }

    /// The app was uninstalled or the token expired.
    pub fn unregistered() -> FcmOutcome {
        FcmOutcome::error(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.")
    }

    /// A malformed registration token, worded as FCM words it.
    pub fn invalid_argument_token() -> FcmOutcome {
        FcmOutcome::error(
            400,
            "INVALID_ARGUMENT",
            "INVALID_ARGUMENT",
            "The registration token is not a valid FCM registration token",
        )
    }

    /// A payload problem unrelated to the token.
    pub fn invalid_argument_payload() -> FcmOutcome {
        FcmOutcome::error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name")
    }

    pub fn sender_id_mismatch() -> FcmOutcome {
        FcmOutcome::error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch")
    }

    pub fn third_party_auth_error() -> FcmOutcome {
        FcmOutcome::error(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", "Auth error from APNS or Web Push Service")
    }

    pub fn quota_exceeded(retry_after: u64) -> FcmOutcome {
        FcmOutcome::Error {
            http_status: 429,
            status: "RESOURCE_EXHAUSTED".to_owned(),
            error_code: "QUOTA_EXCEEDED".to_owned(),
            message: "Quota exceeded for quota metric 'Send requests' of service 'fcm.googleapis.com'.".to_owned(),
            retry_after: Some(retry_after),
        }
    }

    pub fn unavailable() -> FcmOutcome {
        FcmOutcome::error(503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable.")
    }

    pub fn internal() -> FcmOutcome {
        FcmOutcome::error(500, "INTERNAL", "INTERNAL", "Internal error encountered.")
    }

    /// This outcome, answered after `by`.
    pub fn delayed(self, by: Duration) -> FcmOutcome {
        FcmOutcome::Delay(by, Box::new(self))
    }
}

/// One request that reached the send endpoint, and how it was answered.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedMessage {
    /// From the URL path.
    pub project_id: String,
    /// The bearer token presented, if any.
    pub bearer_token: Option<String>,
    /// The `message` object (`Null` if the body had none).
    pub message: Value,
    pub http_status: u16,
    /// The FCM errorCode, or the Google status for errors without one; `None` on success.
    pub error_code: Option<String>,
}

/// The fake; the server stops when this is dropped.
pub struct FakeFcm {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_task: JoinHandle<()>,
}

struct Shared {
    port: u16,
    token_uri: String,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// client_email -> key its assertions must verify with.
    accounts: HashMap<String, DecodingKey>,
    access_tokens: HashMap<String, IssuedToken>,
    scripts: HashMap<String, VecDeque<FcmOutcome>>,
    received: Vec<ReceivedMessage>,
    token_failures: Option<(u16, usize)>,
    token_requests: usize,
    tokens_issued: usize,
    messages_sent: u64,
    sends_in_flight: usize,
    max_sends_in_flight: usize,
}

struct IssuedToken {
    client_email: String,
    expires_at: u64,
}

impl FakeFcm {
    /// Starts the fake on a free loopback port.
    ///
    /// Panics if no loopback port can be bound: a test environment problem.
    pub async fn start() -> FakeFcm {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding the fake FCM to a loopback port");
        let addr = listener.local_addr().expect("the fake FCM listener has an address");
        let shared = Arc::new(Shared {
            port: addr.port(),
            token_uri: format!("http://{addr}/token"),
            state: Mutex::new(State::default()),
        });
        let accept_task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        FakeFcm { addr, shared, accept_task }
    }

    /// `http://127.0.0.1:PORT`, the FCM base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/token`, for the service account's `token_uri`.
    pub fn token_uri(&self) -> String {
        self.shared.token_uri.clone()
    }

    /// Accepts assertions from `client_email` signed by this key (a public key PEM, or the
    /// service account's private key PEM, whose public half is used).
    ///
    /// Panics if the key is not an RSA key: the test passed the wrong material.
    pub fn register_service_account(&self, client_email: &str, public_key_pem_or_private_key_pem: &str) {
        let key = decoding_key(public_key_pem_or_private_key_pem);
        self.shared.lock().accounts.insert(client_email.to_owned(), key);
    }

    /// Answers for sends to `token`, used up in order; afterwards sends succeed.
    pub fn script(&self, token: &str, outcomes: Vec<FcmOutcome>) {
        self.shared.lock().scripts.entry(token.to_owned()).or_default().extend(outcomes);
    }

    /// Every send request so far, in arrival order.
    pub fn received(&self) -> Vec<ReceivedMessage> {
        self.shared.lock().received.clone()
    }

    /// Forgets what was received and every unused script.
    pub fn clear(&self) {
        let mut state = self.shared.lock();
        state.received.clear();
        state.scripts.clear();
    }

    /// Every send request so far, forgetting them: long load tests call this to keep memory flat.
    pub fn take_received(&self) -> Vec<ReceivedMessage> {
        std::mem::take(&mut self.shared.lock().received)
    }

    /// Access tokens handed out.
    pub fn tokens_issued(&self) -> usize {
        self.shared.lock().tokens_issued
    }

    /// Requests to the token endpoint, answered or failed.
    pub fn token_requests(&self) -> usize {
        self.shared.lock().token_requests
    }

    /// The next `times` token requests fail with `status` (4xx as `invalid_grant`).
    pub fn fail_token_endpoint(&self, status: u16, times: usize) {
        self.shared.lock().token_failures = Some((status, times));
    }

    /// Forgets every issued access token, so the next send with one gets 401 UNAUTHENTICATED,
    /// as after a revocation.
    pub fn revoke_access_tokens(&self) {
        self.shared.lock().access_tokens.clear();
    }

    /// The most send requests that were being answered at the same moment.
    pub fn max_concurrent_sends(&self) -> usize {
        self.shared.lock().max_sends_in_flight
    }
}

impl Drop for FakeFcm {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

impl Shared {
    /// The state stays usable even if a test thread panicked while holding the lock.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn decoding_key(pem: &str) -> DecodingKey {
    if pem.contains("PRIVATE KEY") {
        let key_pair = rcgen::KeyPair::from_pem(pem).expect("an RSA private key PEM");
        // For RSA keys the raw public key is the PKCS#1 RSAPublicKey that jsonwebtoken expects.
        DecodingKey::from_rsa_der(key_pair.public_key_raw())
    } else {
        DecodingKey::from_rsa_pem(pem.as_bytes()).expect("an RSA public key PEM")
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => {
                // No Nagle delay on answers (see the fake APNs).
                let _ = stream.set_nodelay(true);
                stream
            }
            Err(error) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!(%error, "fake FCM accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(Arc::clone(&shared), request));
            let builder = auto::Builder::new(TokioExecutor::new());
            if let Err(error) = builder.serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(%error, "fake FCM connection ended");
            }
        });
    }
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => return Ok(json_response(400, &json!({"error": format!("unreadable body: {error}")}), None)),
    };
    let path = parts.uri.path();
    let response = if parts.method == Method::POST && path == "/token" {
        token_endpoint(&shared, &body)
    } else if let Some(project_id) = send_path_project(path)
        && parts.method == Method::POST
    {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::to_owned);
        send_endpoint(&shared, project_id, bearer, &body).await
    } else {
        google_error(404, "NOT_FOUND", "", &format!("{} {path} is not an FCM endpoint", parts.method), None)
    };
    Ok(response)
}

/// `p` from `/v1/projects/{p}/messages:send`.
fn send_path_project(path: &str) -> Option<&str> {
    let project = path.strip_prefix("/v1/projects/")?.strip_suffix("/messages:send")?;
    (!project.is_empty() && !project.contains('/')).then_some(project)
}

fn token_endpoint(shared: &Shared, body: &[u8]) -> Response<Full<Bytes>> {
    let mut state = shared.lock();
    state.token_requests += 1;
    if let Some((status, remaining)) = state.token_failures
        && remaining > 0
    {
        state.token_failures = Some((status, remaining - 1));
        let error = if status < 500 { "invalid_grant" } else { "internal_failure" };
        return oauth_error(status, error, "Failure injected by the test");
    }

    let form: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
    if form.get("grant_type").map(String::as_str) != Some(JWT_BEARER_GRANT_TYPE) {
        return oauth_error(400, "unsupported_grant_type", "Invalid grant_type");
    }
    let Some(assertion) = form.get("assertion") else {
        return oauth_error(400, "invalid_request", "Missing required parameter: assertion");
    };
    let now = unix_now();
    let client_email = match verify_assertion(assertion, &state.accounts, &shared.token_uri, now) {
        Ok(client_email) => client_email,
        Err(description) => return oauth_error(400, "invalid_grant", &description),
    };

    state.tokens_issued += 1;
    // The port keeps tokens of two fakes in one test apart.
    let access_token = format!("ya29.fake-fcm-{}-{}", shared.port, state.tokens_issued);
    let expires_at = now.max(0) as u64 + ACCESS_TOKEN_LIFETIME_SECS;
    state.access_tokens.insert(access_token.clone(), IssuedToken { client_email, expires_at });
    json_response(
        200,
        &json!({"access_token": access_token, "expires_in": ACCESS_TOKEN_LIFETIME_SECS, "token_type": "Bearer"}),
        None,
    )
}

/// Checks a JWT-bearer assertion as Google does and returns its issuer. The signature is
/// verified over the header and claims exactly as sent, and base64 padding is tolerated,
/// because some client libraries pad their segments and Google accepts them.
fn verify_assertion(
    assertion: &str,
    accounts: &HashMap<String, DecodingKey>,
    token_uri: &str,
    now: i64,
) -> Result<String, String> {
    let segments: Vec<&str> = assertion.split('.').collect();
    let [header, claims, signature] = segments[..] else {
        return Err("Invalid JWT: expected header.claims.signature".to_owned());
    };
    let header = decode_json_segment(header).ok_or("Invalid JWT: the header is not base64url JSON")?;
    let claims = decode_json_segment(claims).ok_or("Invalid JWT: the claims are not base64url JSON")?;
    if header["alg"] != "RS256" {
        return Err(format!("Invalid JWT: unsupported algorithm {}", header["alg"]));
    }

    let issuer = claims["iss"].as_str().ok_or("Invalid JWT: no iss claim")?;
    let key = accounts.get(issuer).ok_or("Invalid grant: account not found")?;
    let signed = &assertion[..assertion.len() - signature.len() - 1];
    let signature_valid =
        jsonwebtoken::crypto::verify(signature.trim_end_matches('='), signed.as_bytes(), key, Algorithm::RS256)
            .unwrap_or(false);
    if !signature_valid {
        return Err("Invalid JWT Signature.".to_owned());
    }

    if claims["aud"] != token_uri {
        return Err(format!("Invalid JWT: Failed audience check. The right audience is {token_uri}"));
    }
    let scopes = claims["scope"].as_str().unwrap_or_default();
    if !scopes.split_whitespace().any(|scope| scope == FIREBASE_MESSAGING_SCOPE) {
        return Err(format!("Invalid JWT: the scope does not include {FIREBASE_MESSAGING_SCOPE}"));
    }
    let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
        return Err("Invalid JWT: iat and exp must be integers".to_owned());
    };
    if exp <= iat || exp - iat > MAX_ASSERTION_LIFETIME_SECS || exp <= now || iat > now + CLOCK_SKEW_SECS {
        return Err("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. \
                    Check your iat and exp values in the JWT claim."
            .to_owned());
    }
    Ok(issuer.to_owned())
}

fn decode_json_segment(segment: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(segment.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

async fn send_endpoint(
    shared: &Shared,
    project_id: &str,
    bearer_token: Option<String>,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let message = serde_json::from_slice::<Value>(body).ok().map(|body| body["message"].clone()).unwrap_or_default();
    let (outcome, delay) = {
        let mut state = shared.lock();
        let (outcome, delay) = decide(&mut state, project_id, bearer_token.as_deref(), &message);
        let (http_status, error_code) = match &outcome {
            Answer::Sent(_) => (200, None),
            Answer::Error { http_status, status, error_code, .. } => {
                (*http_status, Some(if error_code.is_empty() { status.clone() } else { error_code.clone() }))
            }
        };
        state.received.push(ReceivedMessage {
            project_id: project_id.to_owned(),
            bearer_token,
            message,
            http_status,
            error_code,
        });
        state.sends_in_flight += 1;
        state.max_sends_in_flight = state.max_sends_in_flight.max(state.sends_in_flight);
        (outcome, delay)
    };

    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    shared.lock().sends_in_flight -= 1;

    match outcome {
        Answer::Sent(name) => json_response(200, &json!({"name": name}), None),
        Answer::Error { http_status, status, error_code, message, retry_after } => {
            google_error(http_status, &status, &error_code, &message, retry_after)
        }
    }
}

/// A decided answer.
enum Answer {
    /// The message name.
    Sent(String),
    Error {
        http_status: u16,
        status: String,
        error_code: String,
        message: String,
        retry_after: Option<u64>,
    },
}

/// Checks the request like FCM (token, project, target), then takes the scripted outcome;
/// returns the answer and how long to wait before giving it.
fn decide(state: &mut State, project_id: &str, bearer_token: Option<&str>, message: &Value) -> (Answer, Duration) {
    let now = unix_now().max(0) as u64;
    let Some(issued) = bearer_token.and_then(|token| state.access_tokens.get(token)).filter(|t| t.expires_at > now)
    else {
        return rejection(
            401,
            "UNAUTHENTICATED",
            "",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other \
             valid authentication credential.",
        );
    };
    if account_project(&issued.client_email).is_some_and(|project| project != project_id) {
        return rejection(
            403,
            "PERMISSION_DENIED",
            "",
            &format!(
                "Permission 'cloudmessaging.messages.create' denied on resource \
                 '//cloudresourcemanager.googleapis.com/projects/{project_id}' (or it may not exist)."
            ),
        );
    }

    let targets: Vec<&str> =
        ["token", "topic", "condition"].into_iter().filter(|target| message.get(*target).is_some()).collect();
    if !message.is_object() || targets.len() != 1 {
        return rejection(
            400,
            "INVALID_ARGUMENT",
            "INVALID_ARGUMENT",
            &format!("A message needs exactly one of token, topic or condition; found {targets:?}"),
        );
    }
    let scripted = message["token"]
        .as_str()
        .and_then(|token| state.scripts.get_mut(token))
        .and_then(VecDeque::pop_front)
        .unwrap_or(FcmOutcome::Success);
    to_answer(state, project_id, scripted)
}

/// Nested delays add up.
fn to_answer(state: &mut State, project_id: &str, mut outcome: FcmOutcome) -> (Answer, Duration) {
    let mut delay = Duration::ZERO;
    loop {
        match outcome {
            FcmOutcome::Delay(by, inner) => {
                delay += by;
                outcome = *inner;
            }
            FcmOutcome::Success => {
                state.messages_sent += 1;
                let name = format!("projects/{project_id}/messages/0:{}", state.messages_sent);
                return (Answer::Sent(name), delay);
            }
            FcmOutcome::Error { http_status, status, error_code, message, retry_after } => {
                return (Answer::Error { http_status, status, error_code, message, retry_after }, delay);
            }
        }
    }
}

/// A request FCM refuses before looking at the script, answered at once.
fn rejection(http_status: u16, status: &str, error_code: &str, message: &str) -> (Answer, Duration) {
    let answer = Answer::Error {
        http_status,
        status: status.to_owned(),
        error_code: error_code.to_owned(),
        message: message.to_owned(),
        retry_after: None,
    };
    (answer, Duration::ZERO)
}

/// `p` from `name@p.iam.gserviceaccount.com`; other issuers may send for any project.
fn account_project(client_email: &str) -> Option<&str> {
    client_email.split_once('@')?.1.strip_suffix(".iam.gserviceaccount.com")
}

fn google_error(
    http_status: u16,
    status: &str,
    error_code: &str,
    message: &str,
    retry_after: Option<u64>,
) -> Response<Full<Bytes>> {
    let mut error = json!({"code": http_status, "message": message, "status": status});
    if !error_code.is_empty() {
        error["details"] = json!([{"@type": FCM_ERROR_TYPE, "errorCode": error_code}]);
    }
    json_response(http_status, &json!({ "error": error }), retry_after)
}

fn oauth_error(http_status: u16, error: &str, description: &str) -> Response<Full<Bytes>> {
    json_response(http_status, &json!({"error": error, "error_description": description}), None)
}

fn json_response(http_status: u16, body: &Value, retry_after: Option<u64>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = StatusCode::from_u16(http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json; charset=UTF-8"));
    if let Some(seconds) = retry_after {
        headers.insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    }
    response
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|since| since.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_paths_name_their_project() {
        assert_eq!(send_path_project("/v1/projects/p-1/messages:send"), Some("p-1"));
        assert_eq!(send_path_project("/v1/projects//messages:send"), None);
        assert_eq!(send_path_project("/v1/projects/a/b/messages:send"), None);
        assert_eq!(send_path_project("/fcm/send"), None);
    }

    #[test]
    fn service_account_emails_name_their_project() {
        assert_eq!(account_project("svc@proj-1.iam.gserviceaccount.com"), Some("proj-1"));
        assert_eq!(account_project("someone@example.com"), None);
    }

    const TOKEN_URI: &str = "http://127.0.0.1:1/token";
    const EMAIL: &str = "svc@proj-1.iam.gserviceaccount.com";

    struct Signer {
        private_pem: String,
        accounts: HashMap<String, DecodingKey>,
    }

    fn signer() -> Signer {
        let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("RSA key");
        let private_pem = key_pair.serialize_pem();
        let accounts = HashMap::from([(EMAIL.to_owned(), decoding_key(&private_pem))]);
        Signer { private_pem, accounts }
    }

    impl Signer {
        /// An assertion signed over exactly the segments it carries; `padded` uses base64 with `=`.
        fn assertion(&self, claims: Value, padded: bool) -> String {
            use base64::engine::general_purpose::URL_SAFE;
            let encode = |bytes: &[u8]| if padded { URL_SAFE.encode(bytes) } else { URL_SAFE_NO_PAD.encode(bytes) };
            let header = json!({"alg": "RS256", "typ": "JWT", "kid": "k1"}).to_string();
            let signed = format!("{}.{}", encode(header.as_bytes()), encode(claims.to_string().as_bytes()));
            let key = jsonwebtoken::EncodingKey::from_rsa_pem(self.private_pem.as_bytes()).expect("signing key");
            let signature = jsonwebtoken::crypto::sign(signed.as_bytes(), &key, Algorithm::RS256).expect("sign");
            let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64url signature");
            format!("{signed}.{}", encode(&signature))
        }

        fn verify(&self, assertion: &str, now: i64) -> Result<String, String> {
            verify_assertion(assertion, &self.accounts, TOKEN_URI, now)
        }
    }

    fn claims(iat: i64, exp: i64) -> Value {
        json!({"iss": EMAIL, "scope": FIREBASE_MESSAGING_SCOPE, "aud": TOKEN_URI, "iat": iat, "exp": exp})
    }

    #[test]
    fn assertions_verify_with_or_without_base64_padding() {
        let signer = signer();
        let now = 1_800_000_000;
        for padded in [false, true] {
            let assertion = signer.assertion(claims(now, now + 3600), padded);
            assert_eq!(signer.verify(&assertion, now), Ok(EMAIL.to_owned()), "padded: {padded}");
        }
    }

    #[test]
    fn assertions_are_refused_like_google_refuses_them() {
        let signer = signer();
        let now = 1_800_000_000;
        let refusal = |claims: Value| signer.verify(&signer.assertion(claims, false), now).expect_err("refused");

        let mut wrong_audience = claims(now, now + 60);
        wrong_audience["aud"] = json!("https://oauth2.googleapis.com/token");
        assert!(refusal(wrong_audience).contains("audience"));
        let mut wrong_scope = claims(now, now + 60);
        wrong_scope["scope"] = json!("https://www.googleapis.com/auth/cloud-platform");
        assert!(refusal(wrong_scope).contains("scope"));
        let mut stranger = claims(now, now + 60);
        stranger["iss"] = json!("other@proj-1.iam.gserviceaccount.com");
        assert_eq!(refusal(stranger), "Invalid grant: account not found");
        assert!(refusal(claims(now, now + 3601)).contains("short-lived"));
        assert!(refusal(claims(now - 4000, now - 400)).contains("short-lived"), "expired");
        assert!(refusal(claims(now + 600, now + 1200)).contains("short-lived"), "issued in the future");

        // Claims swapped after signing.
        let genuine = signer.assertion(claims(now, now + 60), false);
        let forged = signer.assertion(claims(now, now + 3000), false);
        let mut parts: Vec<&str> = genuine.split('.').collect();
        parts[1] = forged.split('.').nth(1).unwrap_or_default();
        assert_eq!(signer.verify(&parts.join("."), now), Err("Invalid JWT Signature.".to_owned()));
        assert!(signer.verify("not-a-jwt", now).is_err());
    }

    #[test]
    fn nested_delays_add_up() {
        let mut state = State::default();
        let outcome = FcmOutcome::unavailable().delayed(Duration::from_millis(5)).delayed(Duration::from_millis(7));
        let (answer, delay) = to_answer(&mut state, "p", outcome);
        assert!(matches!(answer, Answer::Error { http_status: 503, .. }));
        assert_eq!(delay, Duration::from_millis(12));

        let (answer, _) = to_answer(&mut state, "p", FcmOutcome::Success);
        assert!(matches!(answer, Answer::Sent(name) if name == "projects/p/messages/0:1"));
    }
}
