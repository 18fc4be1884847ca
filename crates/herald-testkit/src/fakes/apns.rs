//! A fake APNs: Apple's HTTP/2 provider API over TLS on 127.0.0.1.
//!
//! It checks requests the way Apple documents it ("Handling notification responses from APNs"):
//! provider token (ES256 signature, key id, team id, age) or TLS client certificate, then the
//! `apns-*` headers, the device token and the payload; every request is recorded. Per device
//! token, tests can script what happens to requests that pass those checks (an error answer, a
//! delay, a dropped connection); without a script the answer is 200 with an `apns-id`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http2;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use jsonwebtoken::{Algorithm, DecodingKey};
use rustls::RootCertStore;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use super::tls::TestCa;

/// Apple's payload limit for VoIP notifications; other push types use `max_payload`.
pub const VOIP_MAX_PAYLOAD: usize = 5120;
/// Apple refuses provider tokens issued more than an hour ago.
const TOKEN_MAX_AGE_SECONDS: i64 = 3600;
/// Tolerated clock skew for tokens issued "in the future".
const TOKEN_FUTURE_SKEW_SECONDS: i64 = 300;
/// Request bodies are read up to this size; more is refused as too large without buffering it.
const READ_LIMIT: usize = 64 * 1024;
/// Signature verdicts remembered before the cache starts over.
const MAX_CACHED_TOKENS: usize = 1024;
/// Longest `apns-collapse-id` Apple accepts, in bytes.
const MAX_COLLAPSE_ID: usize = 64;
/// The `apns-push-type` values Apple documents.
const PUSH_TYPES: &[&str] = &[
    "alert",
    "background",
    "complication",
    "controls",
    "fileprovider",
    "liveactivity",
    "location",
    "mdm",
    "pushtotalk",
    "voip",
    "widgets",
];

/// How the fake authenticates providers and how much it takes.
#[derive(Debug, Clone)]
pub struct FakeApnsConfig {
    /// Accepted signing keys as (key id, team id, PEM): either the public key ("PUBLIC KEY") or
    /// the .p8 private key itself, from which the public key is derived.
    pub token_keys: Vec<(String, String, String)>,
    /// When set, clients may present a certificate issued by one of these PEM certificates (a CA,
    /// or an exact self-signed client certificate). Certificates that do not verify fail the TLS
    /// handshake; connections without one still work with provider tokens.
    pub client_ca_pem: Option<String>,
    /// SETTINGS_MAX_CONCURRENT_STREAMS of every connection.
    pub max_concurrent_streams: u32,
    /// Payload limit for all push types but VoIP (Apple: 4096 bytes).
    pub max_payload: usize,
}

impl Default for FakeApnsConfig {
    fn default() -> Self {
        FakeApnsConfig { token_keys: Vec::new(), client_ca_pem: None, max_concurrent_streams: 1000, max_payload: 4096 }
    }
}

/// What the fake does with a request that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptedOutcome {
    /// 200 with an `apns-id`, as without a script.
    Success,
    /// `status` with body `{"reason": reason}` (plus `timestamp` for 410).
    Reject { status: u16, reason: String },
    /// Wait, then do the inner outcome.
    Delay(Duration, Box<ScriptedOutcome>),
    /// Close the connection without answering or saying goodbye, so the client sees it break.
    DropConnection,
}

impl ScriptedOutcome {
    pub fn reject(status: u16, reason: &str) -> ScriptedOutcome {
        ScriptedOutcome::Reject { status, reason: reason.to_owned() }
    }

    pub fn delayed(by: Duration, then: ScriptedOutcome) -> ScriptedOutcome {
        ScriptedOutcome::Delay(by, Box::new(then))
    }
}

/// How a recorded request authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceivedAuth {
    /// A provider token, with its `kid`, `iss` and `iat` (whether or not it verified).
    Token {
        key_id: String,
        team_id: String,
        issued_at: i64,
    },
    /// A verified TLS client certificate, by subject (e.g. "CN=Apple Push Services: com.example").
    Certificate {
        subject: String,
    },
    /// An `authorization` header that is not `bearer <JWT>` with JSON header and claims.
    Malformed {
        authorization: String,
    },
    None,
}

/// One request as the fake saw and answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedNotification {
    /// The path segment after `/3/device/` (empty when the path had another shape).
    pub device_token: String,
    /// All request headers, names lower case; repeated headers joined with ", ".
    pub headers: BTreeMap<String, String>,
    /// The body as JSON, or `Null` when it is not JSON (see `raw_payload`).
    pub payload: serde_json::Value,
    pub raw_payload: Vec<u8>,
    pub auth: ReceivedAuth,
    /// 0 when the connection was dropped instead of answering.
    pub answered_status: u16,
    pub answered_reason: Option<String>,
    /// The `apns-id` of the answer (the request's, or a new UUID).
    pub answered_apns_id: Option<String>,
}

/// A running fake APNs; stops when dropped.
pub struct FakeApns {
    shared: Arc<Shared>,
    address: SocketAddr,
    ca_pem: String,
    accept_loop: JoinHandle<()>,
}

struct Shared {
    keys: HashMap<String, TokenKey>,
    /// Provider token -> whether its signature verified; see `signature_verifies`.
    verified_tokens: Mutex<HashMap<String, bool>>,
    max_payload: usize,
    scripts: Mutex<HashMap<String, VecDeque<ScriptedOutcome>>>,
    received: Mutex<Vec<ReceivedNotification>>,
    connections: AtomicUsize,
}

struct TokenKey {
    team_id: String,
    key: DecodingKey,
}

/// What one connection knows about its client.
struct Peer {
    client_subject: Option<String>,
    /// Notified by a `DropConnection` request; the connection task then drops the socket.
    drop: Notify,
}

/// Apple's answer to one request.
enum Answer {
    Respond { status: u16, reason: Option<String> },
    Drop,
}

impl FakeApns {
    /// Starts listening on 127.0.0.1 with a certificate from a fresh `TestCa`. Panics when the
    /// configuration is unusable (a test bug) or no port can be bound.
    pub async fn start(config: FakeApnsConfig) -> FakeApns {
        let ca = TestCa::new();
        let (chain_pem, key_pem) = ca.server_cert(&["localhost", "127.0.0.1"]);
        let acceptor =
            TlsAcceptor::from(Arc::new(server_config(&chain_pem, &key_pem, config.client_ca_pem.as_deref())));

        let shared = Arc::new(Shared::new(&config));

        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding the fake APNs to 127.0.0.1");
        let address = listener.local_addr().expect("local address of the fake APNs");
        let accept_loop =
            tokio::spawn(accept_loop(listener, acceptor, Arc::clone(&shared), config.max_concurrent_streams));
        tracing::debug!(%address, "fake APNs listening");
        FakeApns { shared, address, ca_pem: ca.ca_pem(), accept_loop }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("https://{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The PEM CA certificate clients must trust to reach the fake.
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// Queues outcomes for requests to `token`, used one per request that passes the checks, in
    /// order; after them requests succeed again.
    pub fn script(&self, token: &str, outcomes: Vec<ScriptedOutcome>) {
        lock(&self.shared.scripts).entry(token.to_owned()).or_default().extend(outcomes);
    }

    /// Every request so far, accepted or rejected, in arrival order.
    pub fn received(&self) -> Vec<ReceivedNotification> {
        lock(&self.shared.received).clone()
    }

    /// Every request so far, forgetting them: long load tests call this to keep memory flat.
    pub fn take_received(&self) -> Vec<ReceivedNotification> {
        std::mem::take(&mut *lock(&self.shared.received))
    }

    /// Forgets recorded requests and unused scripts.
    pub fn clear(&self) {
        lock(&self.shared.received).clear();
        lock(&self.shared.scripts).clear();
    }

    /// TLS connections accepted so far.
    pub fn connections_accepted(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for FakeApns {
    fn drop(&mut self) {
        // The accept loop owns the connection tasks, so this closes every connection too.
        self.accept_loop.abort();
    }
}

fn server_config(chain_pem: &str, key_pem: &str, client_ca_pem: Option<&str>) -> rustls::ServerConfig {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("the test CA's server chain is PEM");
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("the test CA's server key is PEM");

    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default TLS versions");
    let builder = match client_ca_pem {
        Some(pem) => {
            let mut roots = RootCertStore::empty();
            for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let certificate = certificate.expect("FakeApnsConfig::client_ca_pem is PEM");
                roots.add(certificate).expect("FakeApnsConfig::client_ca_pem holds usable certificates");
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .expect("client certificate verifier");
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key).expect("the server certificate fits its key");
    // HTTP/2 only, like Apple.
    config.alpn_protocols = vec![b"h2".to_vec()];
    config
}

/// The verification key for a configured signing key, from its public or private PEM.
fn decoding_key(key_id: &str, pem: &str) -> DecodingKey {
    if pem.contains("PUBLIC KEY") {
        DecodingKey::from_ec_pem(pem.as_bytes())
            .unwrap_or_else(|error| panic!("token key {key_id}: not an EC public key PEM: {error}"))
    } else {
        let pair = rcgen::KeyPair::from_pem(pem)
            .unwrap_or_else(|error| panic!("token key {key_id}: not a .p8 private key PEM: {error}"));
        DecodingKey::from_ec_der(pair.public_key_raw())
    }
}

async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, shared: Arc<Shared>, max_streams: u32) {
    // Owning the connection tasks here means aborting this loop ends them all.
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                while connections.try_join_next().is_some() {}
                connections.spawn(serve_connection(tcp, acceptor.clone(), Arc::clone(&shared), max_streams));
            }
            Err(error) => {
                // Usually out of file descriptors: wait instead of spinning.
                tracing::warn!(%error, "fake APNs could not accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn serve_connection(tcp: TcpStream, acceptor: TlsAcceptor, shared: Arc<Shared>, max_streams: u32) {
    // Without this, Nagle's algorithm holds the last answers of a burst until the client's
    // delayed ACK (40 ms on Linux): a delay Apple's servers do not add.
    let _ = tcp.set_nodelay(true);
    let tls = match acceptor.accept(tcp).await {
        Ok(tls) => tls,
        Err(error) => {
            tracing::debug!(%error, "fake APNs: TLS handshake failed");
            return;
        }
    };
    shared.connections.fetch_add(1, Ordering::SeqCst);
    let client_subject = tls.get_ref().1.peer_certificates().and_then(|chain| chain.first()).map(subject);
    let peer = Arc::new(Peer { client_subject, drop: Notify::new() });

    let service_peer = Arc::clone(&peer);
    let service = service_fn(move |request| handle(Arc::clone(&shared), Arc::clone(&service_peer), request));
    let connection = http2::Builder::new(TokioExecutor::new())
        .max_concurrent_streams(max_streams)
        .serve_connection(TokioIo::new(tls), service);

    tokio::select! {
        biased;
        // Dropping the connection closes the socket with no GOAWAY and no TLS close_notify.
        _ = peer.drop.notified() => tracing::debug!("fake APNs dropped a connection as scripted"),
        result = connection => {
            if let Err(error) = result {
                tracing::debug!(%error, "fake APNs connection ended with an error");
            }
        }
    }
}

/// The subject of a client certificate, e.g. "CN=Apple Push Services: com.example".
fn subject(certificate: &CertificateDer<'_>) -> String {
    match x509_parser::parse_x509_certificate(certificate.as_ref()) {
        Ok((_, parsed)) => parsed.subject().to_string(),
        Err(error) => format!("<unparseable certificate: {error}>"),
    }
}

async fn handle(
    shared: Arc<Shared>,
    peer: Arc<Peer>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, READ_LIMIT).collect().await {
        Ok(collected) => Some(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => None,
        Err(error) => {
            // The client went away mid-request; nobody will read an answer.
            tracing::debug!(%error, "fake APNs: reading a request body failed");
            return Ok(respond(400, None, None));
        }
    };

    let device_token = parts.uri.path().strip_prefix("/3/device/").map(str::to_owned);
    let (auth, authenticated) = authenticate(&shared, &peer, &parts.headers);
    let checked = check(&shared, &parts.method, &parts.headers, device_token.as_deref(), body.as_ref(), authenticated);

    let device_token = device_token.unwrap_or_default();
    let (delay, answer) = match checked {
        Err((status, reason)) => (Duration::ZERO, Answer::Respond { status, reason: Some(reason.to_owned()) }),
        Ok(()) => resolve(shared.next_script(&device_token)),
    };
    let (answered_status, answered_reason, apns_id) = match &answer {
        Answer::Respond { status, reason } => (*status, reason.clone(), Some(response_apns_id(&parts.headers))),
        Answer::Drop => (0, None, None),
    };

    let raw_payload = body.map(|body| body.to_vec()).unwrap_or_default();
    lock(&shared.received).push(ReceivedNotification {
        device_token,
        headers: header_map(&parts.headers),
        payload: serde_json::from_slice(&raw_payload).unwrap_or(serde_json::Value::Null),
        raw_payload,
        auth,
        answered_status,
        answered_reason,
        answered_apns_id: apns_id.clone(),
    });

    // A zero sleep still waits for the timer wheel's next tick (about a millisecond).
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match answer {
        Answer::Respond { status, reason } => Ok(respond(status, reason.as_deref(), apns_id)),
        Answer::Drop => {
            peer.drop.notify_one();
            // The connection task drops the socket at once; this answer is never sent. Waiting
            // a bounded time (not forever) keeps this task from outliving the test.
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(respond(500, Some("InternalServerError"), None))
        }
    }
}

impl Shared {
    fn new(config: &FakeApnsConfig) -> Shared {
        let keys = config
            .token_keys
            .iter()
            .map(|(key_id, team_id, pem)| {
                (key_id.clone(), TokenKey { team_id: team_id.clone(), key: decoding_key(key_id, pem) })
            })
            .collect();
        Shared {
            keys,
            verified_tokens: Mutex::new(HashMap::new()),
            max_payload: config.max_payload,
            scripts: Mutex::new(HashMap::new()),
            received: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
        }
    }

    fn next_script(&self, token: &str) -> ScriptedOutcome {
        lock(&self.scripts).get_mut(token).and_then(VecDeque::pop_front).unwrap_or(ScriptedOutcome::Success)
    }
}

/// Flattens nested delays into one wait and the final answer.
fn resolve(outcome: ScriptedOutcome) -> (Duration, Answer) {
    match outcome {
        ScriptedOutcome::Success => (Duration::ZERO, Answer::Respond { status: 200, reason: None }),
        ScriptedOutcome::Reject { status, reason } => {
            (Duration::ZERO, Answer::Respond { status, reason: Some(reason) })
        }
        ScriptedOutcome::Delay(by, then) => {
            let (more, answer) = resolve(*then);
            (by + more, answer)
        }
        ScriptedOutcome::DropConnection => (Duration::ZERO, Answer::Drop),
    }
}

/// Who sent the request, and Apple's 403 reason when that is not good enough.
fn authenticate(shared: &Shared, peer: &Peer, headers: &HeaderMap) -> (ReceivedAuth, Result<(), &'static str>) {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let authorization = String::from_utf8_lossy(value.as_bytes()).into_owned();
        let jwt = authorization.strip_prefix("bearer ").or_else(|| authorization.strip_prefix("Bearer "));
        return match jwt.and_then(parse_jwt) {
            Some(token) => {
                let verdict = verify_token(shared, &token);
                let auth = ReceivedAuth::Token {
                    key_id: token.header.kid.clone().unwrap_or_default(),
                    team_id: token.claims.iss.clone().unwrap_or_default(),
                    issued_at: token.claims.iat.unwrap_or(0),
                };
                (auth, verdict)
            }
            None => (ReceivedAuth::Malformed { authorization }, Err("InvalidProviderToken")),
        };
    }
    match &peer.client_subject {
        Some(subject) => (ReceivedAuth::Certificate { subject: subject.clone() }, Ok(())),
        None => (ReceivedAuth::None, Err("MissingProviderToken")),
    }
}

struct ParsedJwt<'a> {
    /// The whole token as sent.
    raw: &'a str,
    header: JwtHeader,
    claims: JwtClaims,
    signed_part: &'a str,
    signature: &'a str,
}

#[derive(serde::Deserialize)]
struct JwtHeader {
    alg: String,
    kid: Option<String>,
}

#[derive(serde::Deserialize)]
struct JwtClaims {
    iss: Option<String>,
    iat: Option<i64>,
}

fn parse_jwt(jwt: &str) -> Option<ParsedJwt<'_>> {
    let (signed_part, signature) = jwt.rsplit_once('.')?;
    let (header, claims) = signed_part.split_once('.')?;
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).ok();
    Some(ParsedJwt {
        raw: jwt,
        header: serde_json::from_slice(&decode(header)?).ok()?,
        claims: serde_json::from_slice(&decode(claims)?).ok()?,
        signed_part,
        signature,
    })
}

fn verify_token(shared: &Shared, token: &ParsedJwt<'_>) -> Result<(), &'static str> {
    const INVALID: &str = "InvalidProviderToken";
    if token.header.alg != "ES256" {
        return Err(INVALID);
    }
    let key = token.header.kid.as_ref().and_then(|kid| shared.keys.get(kid)).ok_or(INVALID)?;
    if token.claims.iss.as_deref() != Some(key.team_id.as_str()) {
        return Err(INVALID);
    }
    if !signature_verifies(shared, token, &key.key) {
        return Err(INVALID);
    }
    let issued_at = token.claims.iat.ok_or(INVALID)?;
    let now = unix_seconds();
    if issued_at > now + TOKEN_FUTURE_SKEW_SECONDS {
        return Err(INVALID);
    }
    if now - issued_at > TOKEN_MAX_AGE_SECONDS {
        return Err("ExpiredProviderToken");
    }
    Ok(())
}

/// Whether the token's ES256 signature verifies. Like Apple, which expects a provider to reuse
/// one token for up to an hour, the fake verifies each distinct token once and remembers the
/// verdict, so that load tests do not spend their CPU on ECDSA. Age and claims are still
/// checked on every request.
fn signature_verifies(shared: &Shared, token: &ParsedJwt<'_>, key: &DecodingKey) -> bool {
    if let Some(&verdict) = lock(&shared.verified_tokens).get(token.raw) {
        return verdict;
    }
    let verified = jsonwebtoken::crypto::verify(token.signature, token.signed_part.as_bytes(), key, Algorithm::ES256);
    let verdict = matches!(verified, Ok(true));
    let mut cache = lock(&shared.verified_tokens);
    if cache.len() >= MAX_CACHED_TOKENS {
        cache.clear();
    }
    cache.insert(token.raw.to_owned(), verdict);
    verdict
}

/// Apple's checks after authentication, in the order a reader would expect; the first failure
/// is the answer.
fn check(
    shared: &Shared,
    method: &Method,
    headers: &HeaderMap,
    device_token: Option<&str>,
    body: Option<&Bytes>,
    authenticated: Result<(), &'static str>,
) -> Result<(), (u16, &'static str)> {
    if method != Method::POST {
        return Err((405, "MethodNotAllowed"));
    }
    let device_token = device_token.ok_or((404, "BadPath"))?;
    authenticated.map_err(|reason| (403, reason))?;

    let duplicated =
        headers.keys().any(|name| name.as_str().starts_with("apns-") && headers.get_all(name).iter().count() > 1);
    if duplicated {
        return Err((400, "DuplicateHeaders"));
    }
    if device_token.is_empty() {
        return Err((400, "MissingDeviceToken"));
    }
    let text = |name: &str| headers.get(name).map(|value| value.to_str().unwrap_or("\u{fffd}"));
    if text("apns-topic").is_none_or(str::is_empty) {
        return Err((400, "MissingTopic"));
    }
    let push_type = text("apns-push-type");
    if push_type.is_some_and(|push_type| !PUSH_TYPES.contains(&push_type)) {
        return Err((400, "InvalidPushType"));
    }
    if text("apns-priority").is_some_and(|priority| !matches!(priority, "10" | "5" | "1")) {
        return Err((400, "BadPriority"));
    }
    if text("apns-expiration").is_some_and(|expiration| expiration.parse::<i64>().is_err()) {
        return Err((400, "BadExpirationDate"));
    }
    if text("apns-id").is_some_and(|apns_id| !is_canonical_uuid(apns_id)) {
        return Err((400, "BadMessageId"));
    }
    if text("apns-collapse-id").is_some_and(|collapse_id| collapse_id.len() > MAX_COLLAPSE_ID) {
        return Err((400, "BadCollapseId"));
    }
    if !device_token.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err((400, "BadDeviceToken"));
    }

    let limit = if push_type == Some("voip") { VOIP_MAX_PAYLOAD } else { shared.max_payload };
    let body = body.ok_or((413, "PayloadTooLarge"))?;
    if body.is_empty() {
        return Err((400, "PayloadEmpty"));
    }
    if body.len() > limit {
        return Err((413, "PayloadTooLarge"));
    }
    // Apple documents no reason for a body that is not a JSON object; PayloadEmpty is the
    // closest documented one (the payload carries nothing APNs can use).
    if !serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|payload| payload.is_object()) {
        return Err((400, "PayloadEmpty"));
    }
    Ok(())
}

/// Apple wants the 8-4-4-4-12 form.
fn is_canonical_uuid(value: &str) -> bool {
    value.len() == 36 && uuid::Uuid::try_parse(value).is_ok()
}

/// The request's `apns-id` when it is one, else a new one, as Apple does.
fn response_apns_id(headers: &HeaderMap) -> String {
    headers
        .get("apns-id")
        .and_then(|value| value.to_str().ok())
        .filter(|apns_id| is_canonical_uuid(apns_id))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

fn respond(status: u16, reason: Option<&str>, apns_id: Option<String>) -> Response<Full<Bytes>> {
    let mut builder =
        Response::builder().status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    if let Some(apns_id) = apns_id {
        builder = builder.header("apns-id", apns_id);
    }
    let body = match reason {
        None => Bytes::new(),
        Some(reason) => {
            builder = builder.header(CONTENT_TYPE, "application/json");
            let mut body = serde_json::json!({ "reason": reason });
            if status == 410 {
                // When APNs learned the token was invalid, in milliseconds since the epoch.
                body["timestamp"] = serde_json::json!(unix_seconds() * 1000);
            }
            Bytes::from(body.to_string())
        }
    };
    // Status and header values above are all valid, so building cannot fail; fall back to a bare
    // 500 rather than panicking inside the server.
    builder.body(Full::new(body)).unwrap_or_else(|_| {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
    })
}

fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut map = BTreeMap::<String, String>::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        map.entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    map
}

fn unix_seconds() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|since| since.as_secs() as i64).unwrap_or(0)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};

    const KEY_ID: &str = "KEY1234567";
    const TEAM_ID: &str = "TEAM123456";

    fn p8() -> String {
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key").serialize_pem()
    }

    fn jwt(key_pem: &str, key_id: &str, team_id: &str, issued_at: i64) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(key_id.to_owned());
        let claims = serde_json::json!({ "iss": team_id, "iat": issued_at });
        let key = EncodingKey::from_ec_pem(key_pem.as_bytes()).expect("encoding key");
        jsonwebtoken::encode(&header, &claims, &key).expect("sign")
    }

    fn verdict(shared: &Shared, jwt: &str) -> Result<(), &'static str> {
        verify_token(shared, &parse_jwt(jwt).expect("parsable"))
    }

    #[test]
    fn provider_tokens_are_checked_like_apple() {
        let key = p8();
        let shared = Shared::new(&FakeApnsConfig {
            token_keys: vec![(KEY_ID.to_owned(), TEAM_ID.to_owned(), key.clone())],
            ..FakeApnsConfig::default()
        });
        let now = unix_seconds();

        assert_eq!(verdict(&shared, &jwt(&key, KEY_ID, TEAM_ID, now - 3000)), Ok(()));
        assert_eq!(verdict(&shared, &jwt(&key, KEY_ID, TEAM_ID, now - 3700)), Err("ExpiredProviderToken"));
        assert_eq!(verdict(&shared, &jwt(&key, KEY_ID, TEAM_ID, now + 3600)), Err("InvalidProviderToken"));
        assert_eq!(verdict(&shared, &jwt(&key, KEY_ID, "OTHERTEAM", now)), Err("InvalidProviderToken"));
        assert_eq!(verdict(&shared, &jwt(&key, "OTHERKEY", TEAM_ID, now)), Err("InvalidProviderToken"));
        assert_eq!(verdict(&shared, &jwt(&p8(), KEY_ID, TEAM_ID, now)), Err("InvalidProviderToken"));
    }

    #[test]
    fn signature_verdicts_are_remembered_per_token() {
        let key = p8();
        let shared = Shared::new(&FakeApnsConfig {
            token_keys: vec![(KEY_ID.to_owned(), TEAM_ID.to_owned(), key.clone())],
            ..FakeApnsConfig::default()
        });
        let genuine = jwt(&key, KEY_ID, TEAM_ID, unix_seconds());
        assert_eq!(verdict(&shared, &genuine), Ok(()));
        assert_eq!(verdict(&shared, &genuine), Ok(()), "from the cache");
        assert_eq!(lock(&shared.verified_tokens).len(), 1);
        // Same header and claims, another key's signature: a different token, verified on its own.
        let (signed, _) = genuine.rsplit_once('.').expect("JWT");
        let (_, other_signature) = jwt(&p8(), KEY_ID, TEAM_ID, unix_seconds())
            .rsplit_once('.')
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .expect("JWT");
        assert_eq!(verdict(&shared, &format!("{signed}.{other_signature}")), Err("InvalidProviderToken"));
        assert_eq!(verdict(&shared, &format!("{signed}.{other_signature}")), Err("InvalidProviderToken"));
    }

    #[test]
    fn a_public_key_pem_works_like_the_p8() {
        let key = p8();
        let public = rcgen::KeyPair::from_pem(&key).expect("key").public_key_pem();
        let shared = Shared::new(&FakeApnsConfig {
            token_keys: vec![(KEY_ID.to_owned(), TEAM_ID.to_owned(), public)],
            ..FakeApnsConfig::default()
        });
        assert_eq!(verdict(&shared, &jwt(&key, KEY_ID, TEAM_ID, unix_seconds())), Ok(()));
    }

    #[test]
    fn malformed_tokens_do_not_parse() {
        assert!(parse_jwt("not-a-jwt").is_none());
        assert!(parse_jwt("a.b.c").is_none());
    }

    #[test]
    fn nested_delays_add_up() {
        let outcome = ScriptedOutcome::delayed(
            Duration::from_millis(10),
            ScriptedOutcome::delayed(Duration::from_millis(5), ScriptedOutcome::reject(410, "Unregistered")),
        );
        let (delay, answer) = resolve(outcome);
        assert_eq!(delay, Duration::from_millis(15));
        assert!(matches!(answer, Answer::Respond { status: 410, reason: Some(reason) } if reason == "Unregistered"));
    }

    #[tokio::test]
    async fn unregistered_answers_carry_a_timestamp() {
        let response = respond(410, Some("Unregistered"), Some("id".to_owned()));
        assert_eq!(response.status(), 410);
        assert_eq!(response.headers()["apns-id"], "id");
        let body = response.into_body().collect().await.expect("body").to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
        assert_eq!(body["reason"], "Unregistered");
        assert!(body["timestamp"].as_i64().is_some_and(|millis| millis > 1_600_000_000_000), "{body}");
    }
}
