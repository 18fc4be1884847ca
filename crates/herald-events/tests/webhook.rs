//! The webhook sink against a local HTTP server.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use herald_events::{Sink, SinkEvent, WebhookConfig, WebhookSink, verify_webhook_signature};
use serde_json::json;

const ARN: &str = "arn:aws:sns:us-east-1:111122223333:sms-events";
const SECRET: &str = "whsec-test-secret";

#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone)]
struct Receiver {
    requests: Arc<Mutex<Vec<Received>>>,
    status: StatusCode,
    delay: Duration,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    receiver.requests.lock().expect("lock").push(Received { headers, body });
    tokio::time::sleep(receiver.delay).await;
    (receiver.status, "receiver says no")
}

/// Starts a receiver on a free loopback port answering `status` after `delay`; returns its URL.
async fn start_receiver(status: StatusCode, delay: Duration) -> (String, Arc<Mutex<Vec<Received>>>) {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new().route("/hook", post(receive)).with_state(Receiver {
        requests: Arc::clone(&requests),
        status,
        delay,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (format!("http://{address}/hook"), requests)
}

fn config(url: &str, secret: Option<&str>, timeout_seconds: u64) -> WebhookConfig {
    WebhookConfig {
        url: url.to_string(),
        secret: secret.map(str::to_string),
        headers: BTreeMap::from([
            ("authorization".to_string(), "Bearer receiver-token".to_string()),
            ("X-Tenant".to_string(), "blue".to_string()),
        ]),
        timeout_seconds,
        ca_file: None,
    }
}

fn events() -> Vec<SinkEvent> {
    (1..=3)
        .map(|n| SinkEvent {
            event_id: format!("evt-{n}"),
            ordering_key: "msg-1".to_string(),
            body: json!({
                "eventType": "TEXT_DELIVERED",
                "messageId": "msg-1",
                "n": n,
                "destinationPhoneNumber": "+12065550142",
                "nested": { "text": "héllo \"quoted\"" },
            }),
        })
        .collect()
}

fn header<'a>(received: &'a Received, name: &str) -> &'a str {
    received.headers.get(name).unwrap_or_else(|| panic!("header {name} missing")).to_str().expect("ascii")
}

#[tokio::test]
async fn posts_each_event_signed_with_headers() {
    let (url, requests) = start_receiver(StatusCode::NO_CONTENT, Duration::ZERO).await;
    let sink = WebhookSink::new(ARN, &config(&url, Some(SECRET), 5)).expect("sink");
    assert_eq!(sink.kind(), "webhook");
    let events = events();
    let before = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();

    sink.deliver(&events).await.expect("delivered");

    let requests = requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 3, "one request per event");
    for (received, event) in requests.iter().zip(&events) {
        assert_eq!(received.body, serde_json::to_vec(&event.body).expect("json"), "compact JSON body, in order");
        assert_eq!(header(received, "x-herald-event-id"), event.event_id);
        assert_eq!(header(received, "content-type"), "application/json");
        assert_eq!(header(received, "authorization"), "Bearer receiver-token");
        assert_eq!(header(received, "x-tenant"), "blue");

        let timestamp = header(received, "x-herald-timestamp");
        let seconds: u64 = timestamp.parse().expect("unix seconds");
        assert!(seconds >= before && seconds <= before + 5, "timestamp {seconds} near {before}");

        let signature = header(received, "x-herald-signature");
        assert!(signature.starts_with("v1="), "{signature}");
        assert_eq!(signature.len(), 3 + 64, "v1= and 64 lowercase hex digits: {signature}");
        assert!(verify_webhook_signature(SECRET.as_bytes(), timestamp, &received.body, signature));

        let mut tampered = received.body.to_vec();
        tampered[1] ^= 0x01;
        assert!(!verify_webhook_signature(SECRET.as_bytes(), timestamp, &tampered, signature));
        assert!(!verify_webhook_signature(b"another secret", timestamp, &received.body, signature));
        let later = (seconds + 1).to_string();
        assert!(!verify_webhook_signature(SECRET.as_bytes(), &later, &received.body, signature));
    }
}

#[tokio::test]
async fn unsigned_without_a_secret() {
    let (url, requests) = start_receiver(StatusCode::OK, Duration::ZERO).await;
    let sink = WebhookSink::new(ARN, &config(&url, None, 5)).expect("sink");
    sink.deliver(&events()[..1]).await.expect("delivered");
    let requests = requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].headers.get("x-herald-signature").is_none());
    assert_eq!(header(&requests[0], "x-herald-event-id"), "evt-1");
}

#[tokio::test]
async fn server_errors_are_retryable_and_stop_the_slice() {
    for status in [StatusCode::INTERNAL_SERVER_ERROR, StatusCode::SERVICE_UNAVAILABLE, StatusCode::TOO_MANY_REQUESTS] {
        let (url, requests) = start_receiver(status, Duration::ZERO).await;
        let sink = WebhookSink::new(ARN, &config(&url, Some(SECRET), 5)).expect("sink");
        let error = sink.deliver(&events()).await.expect_err("refused");
        assert!(error.is_retryable(), "{status}: {error}");
        assert_eq!(error.sink(), ARN);
        assert_eq!(error.kind(), "webhook");
        assert_eq!(error.event_id(), Some("evt-1"));
        assert!(error.message().contains(status.as_str()), "{error}");
        assert!(error.message().contains("receiver says no"), "the answer is shown: {error}");
        // Later events of the slice must wait: they may share the first one's ordering key.
        assert_eq!(requests.lock().expect("lock").len(), 1, "{status}");
    }
}

#[tokio::test]
async fn client_errors_are_permanent() {
    for status in [StatusCode::BAD_REQUEST, StatusCode::UNAUTHORIZED, StatusCode::NOT_FOUND] {
        let (url, _requests) = start_receiver(status, Duration::ZERO).await;
        let sink = WebhookSink::new(ARN, &config(&url, None, 5)).expect("sink");
        let error = sink.deliver(&events()).await.expect_err("refused");
        assert!(!error.is_retryable(), "{status}: {error}");
    }
}

#[tokio::test]
async fn unreachable_port_fails_fast_and_retryable() {
    // A port that was free a moment ago: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    let sink = WebhookSink::new(ARN, &config(&format!("http://127.0.0.1:{port}/hook"), None, 10)).expect("sink");

    let started = Instant::now();
    let error = sink.deliver(&events()).await.expect_err("nothing listens");
    assert!(error.is_retryable(), "{error}");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    assert_eq!(error.event_id(), Some("evt-1"));
}

#[tokio::test]
async fn a_slow_receiver_times_out_retryable() {
    let (url, _requests) = start_receiver(StatusCode::OK, Duration::from_secs(30)).await;
    let sink = WebhookSink::new(ARN, &config(&url, None, 1)).expect("sink");
    let started = Instant::now();
    let error = sink.deliver(&events()).await.expect_err("timed out");
    assert!(error.is_retryable(), "{error}");
    assert!(error.message().contains("timed out"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let (target, requests) = start_receiver(StatusCode::OK, Duration::ZERO).await;
    let app = Router::new().route(
        "/old",
        post(move || {
            let target = target.clone();
            async move { (StatusCode::TEMPORARY_REDIRECT, [("location", target)]) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });

    let sink = WebhookSink::new(ARN, &config(&format!("http://{address}/old"), None, 5)).expect("sink");
    let error = sink.deliver(&events()).await.expect_err("a redirect is not an acceptance");
    assert!(!error.is_retryable(), "{error}");
    assert!(error.message().contains("307"), "{error}");
    assert!(requests.lock().expect("lock").is_empty());
}
