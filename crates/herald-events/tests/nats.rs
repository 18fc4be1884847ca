//! The NATS sink against real NATS servers on loopback: the one with JetStream at
//! 127.0.0.1:4222 (`HERALD_TEST_NATS_URL` overrides it), and for the restart test a
//! `nats-server` this test starts itself (`HERALD_TEST_NATS_SERVER_BIN` names the binary when
//! it is not on the PATH or in /usr/sbin).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use futures::{FutureExt, StreamExt};
use herald_events::{NatsConfig, NatsSink, Sink, SinkError, SinkEvent};
use serde_json::json;

const ARN: &str = "arn:aws:firehose:us-east-1:111122223333:deliverystream/herald";

fn nats_url() -> String {
    std::env::var("HERALD_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_string())
}

/// A stream and subject no other test run uses.
fn unique_names() -> (String, String) {
    let id = uuid::Uuid::new_v4().simple().to_string();
    (format!("HERALD_TEST_{id}"), format!("herald.test.{id}"))
}

fn config(server: &str, subject: &str, stream: Option<&str>, jetstream: bool) -> NatsConfig {
    NatsConfig {
        server: server.to_string(),
        subject: subject.to_string(),
        jetstream,
        stream: stream.map(str::to_string),
        timeout_seconds: 2,
        ca_file: None,
    }
}

fn event(n: u32) -> SinkEvent {
    SinkEvent {
        event_id: format!("evt-{n}"),
        ordering_key: "msg-1".to_string(),
        body: json!({ "eventType": "TEXT_DELIVERED", "messageId": "msg-1", "n": n }),
    }
}

async fn admin() -> jetstream::Context {
    let client = async_nats::connect(nats_url()).await.expect("the NATS server with JetStream at 127.0.0.1:4222 runs");
    jetstream::new(client)
}

/// Runs `test`, then deletes `stream` whether the test passed or not.
async fn with_stream_cleanup(stream: &str, test: impl Future<Output = ()>) {
    let outcome = AssertUnwindSafe(test).catch_unwind().await;
    let _ = admin().await.delete_stream(stream).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Every message of `stream`, oldest first, as (Nats-Msg-Id, payload JSON).
async fn read_stream(js: &jetstream::Context, stream: &str) -> Vec<(String, serde_json::Value)> {
    let stream = js.get_stream(stream).await.expect("stream exists");
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::Config {
            ack_policy: jetstream::consumer::AckPolicy::None,
            ..Default::default()
        })
        .await
        .expect("consumer");
    let mut batch =
        consumer.fetch().max_messages(100).expires(Duration::from_millis(500)).messages().await.expect("fetch");
    let mut messages = Vec::new();
    while let Some(message) = batch.next().await {
        let message = message.expect("message");
        let id = message
            .headers
            .as_ref()
            .and_then(|headers| headers.get(async_nats::header::NATS_MESSAGE_ID))
            .map(|value| value.as_str().to_string())
            .unwrap_or_default();
        messages.push((id, serde_json::from_slice(&message.payload).expect("JSON payload")));
    }
    messages
}

#[tokio::test]
async fn jetstream_stores_in_order_and_deduplicates() {
    let (stream, subject) = unique_names();
    with_stream_cleanup(&stream, async {
        let sink = NatsSink::new(ARN, &config(&nats_url(), &subject, Some(&stream), true));
        assert_eq!(sink.kind(), "nats");

        // The sink creates the stream on first use.
        sink.deliver(&[event(1), event(2), event(3)]).await.expect("delivered");
        // A retry of the same slice, and a new event: the stream keeps one copy of each id.
        sink.deliver(&[event(1), event(2), event(3), event(4)]).await.expect("delivered again");
        sink.deliver(&[event(2)]).await.expect("delivered a third time");

        let js = admin().await;
        let mut handle = js.get_stream(&stream).await.expect("stream created");
        let info = handle.info().await.expect("info");
        assert_eq!(info.state.messages, 4, "duplicates are dropped by Nats-Msg-Id");
        assert_eq!(info.config.subjects, vec![subject.clone()]);

        let messages = read_stream(&js, &stream).await;
        let expected: Vec<(String, serde_json::Value)> = (1..=4).map(|n| (format!("evt-{n}"), event(n).body)).collect();
        assert_eq!(messages, expected);
    })
    .await;
}

#[tokio::test]
async fn without_a_stream_name_the_stream_must_exist() {
    let (stream, subject) = unique_names();
    with_stream_cleanup(&stream, async {
        let sink = NatsSink::new(ARN, &config(&nats_url(), &subject, None, true));
        let error = sink.deliver(&[event(1)]).await.expect_err("no stream captures the subject");
        assert!(!error.is_retryable(), "a missing stream needs the operator: {error}");
        assert!(error.message().contains("no JetStream stream captures subject"), "{error}");
        assert!(error.message().contains(&subject), "{error}");
        assert_eq!(error.event_id(), Some("evt-1"));

        // Once the operator creates it, the same sink delivers.
        let js = admin().await;
        js.create_stream(jetstream::stream::Config {
            name: stream.clone(),
            subjects: vec![subject.clone()],
            ..Default::default()
        })
        .await
        .expect("create stream");
        sink.deliver(&[event(1), event(2)]).await.expect("delivered");
        let messages = read_stream(&js, &stream).await;
        assert_eq!(messages.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), vec!["evt-1", "evt-2"]);
    })
    .await;
}

#[tokio::test]
async fn a_deleted_stream_is_created_again() {
    let (stream, subject) = unique_names();
    with_stream_cleanup(&stream, async {
        let sink = NatsSink::new(ARN, &config(&nats_url(), &subject, Some(&stream), true));
        sink.deliver(&[event(1)]).await.expect("delivered");
        let js = admin().await;
        js.delete_stream(&stream).await.expect("deleted");

        let error = sink.deliver(&[event(2)]).await.expect_err("the stream is gone");
        assert!(error.is_retryable(), "{error}");
        sink.deliver(&[event(2)]).await.expect("the stream was created again");
        let messages = read_stream(&js, &stream).await;
        assert_eq!(messages.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), vec!["evt-2"]);
    })
    .await;
}

#[tokio::test]
async fn core_nats_publishes_with_the_event_id() {
    let (_, subject) = unique_names();
    let client = async_nats::connect(nats_url()).await.expect("NATS at 127.0.0.1:4222");
    let mut subscription = client.subscribe(subject.clone()).await.expect("subscribe");
    client.flush().await.expect("subscription registered");

    let sink = NatsSink::new(ARN, &config(&nats_url(), &subject, None, false));
    sink.deliver(&[event(1), event(2)]).await.expect("delivered");

    for n in 1..=2 {
        let message = tokio::time::timeout(Duration::from_secs(5), subscription.next())
            .await
            .expect("a message arrives")
            .expect("subscription open");
        let id = message.headers.as_ref().and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID));
        assert_eq!(id.map(|v| v.as_str()), Some(format!("evt-{n}").as_str()));
        let body: serde_json::Value = serde_json::from_slice(&message.payload).expect("JSON");
        assert_eq!(body, event(n).body);
    }
}

#[tokio::test]
async fn a_closed_port_fails_retryable_within_seconds() {
    let sink = NatsSink::new(ARN, &config("nats://127.0.0.1:1", "herald.nowhere", Some("HERALD_NOWHERE"), true));
    for _ in 0..2 {
        let started = Instant::now();
        let error = sink.deliver(&[event(1)]).await.expect_err("nothing listens on port 1");
        assert!(error.is_retryable(), "{error}");
        assert_eq!(error.sink(), ARN);
        assert!(error.message().contains("127.0.0.1:1"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    }
}

/// A `nats-server` with JetStream on `port`, storing under `store`; killed when dropped.
struct OwnServer {
    child: tokio::process::Child,
}

fn nats_server_binary() -> PathBuf {
    if let Ok(path) = std::env::var("HERALD_TEST_NATS_SERVER_BIN") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|dir| dir.join("nats-server")).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([PathBuf::from("/usr/sbin/nats-server"), PathBuf::from("/usr/local/bin/nats-server")])
        .find(|path| path.is_file())
        .expect("nats-server is installed (or HERALD_TEST_NATS_SERVER_BIN names it)")
}

impl OwnServer {
    async fn start(port: u16, store: &std::path::Path) -> OwnServer {
        let child = tokio::process::Command::new(nats_server_binary())
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(store)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start nats-server");
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "nats-server did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        OwnServer { child }
    }

    async fn stop(mut self) {
        self.child.kill().await.expect("kill nats-server");
    }
}

/// Retries `deliver` until it succeeds, for at most `limit`; returns the errors seen.
async fn deliver_until_ok(sink: &NatsSink, events: &[SinkEvent], limit: Duration) -> Vec<SinkError> {
    let started = Instant::now();
    let mut errors = Vec::new();
    loop {
        match sink.deliver(events).await {
            Ok(()) => return errors,
            Err(error) => {
                assert!(error.is_retryable(), "{error}");
                errors.push(error);
            }
        }
        assert!(started.elapsed() < limit, "no delivery within {limit:?}; errors: {errors:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn survives_the_server_going_away_and_coming_back() {
    let store = tempfile::tempdir().expect("tempdir");
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let server_url = format!("nats://127.0.0.1:{port}");
    let sink = NatsSink::new(ARN, &config(&server_url, "herald.restart", Some("HERALD_RESTART"), true));

    // Not up yet: the first use fails at once, and nothing is cached.
    let started = Instant::now();
    let error = sink.deliver(&[event(1)]).await.expect_err("the server is not up yet");
    assert!(error.is_retryable(), "{error}");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());

    let server = OwnServer::start(port, store.path()).await;
    deliver_until_ok(&sink, &[event(1)], Duration::from_secs(15)).await;

    // Gone: once the client has noticed, deliveries fail at once rather than after the
    // 2 s timeout, and they never wait for the server to return.
    server.stop().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        let started = Instant::now();
        let error = sink.deliver(&[event(2)]).await.expect_err("the server is down");
        assert!(error.is_retryable(), "{error}");
        assert!(error.message().contains("not connected"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
    }

    // Back (same store): the client reconnects by itself and deliveries go through again.
    let server = OwnServer::start(port, store.path()).await;
    deliver_until_ok(&sink, &[event(2), event(3)], Duration::from_secs(20)).await;

    let client = async_nats::connect(&server_url).await.expect("connect");
    let js = jetstream::new(client);
    let mut stream = js.get_stream("HERALD_RESTART").await.expect("stream");
    // Messages buffered while the server was down may reach it after the reconnect, but the
    // event ids de-duplicate them.
    assert_eq!(stream.info().await.expect("info").state.messages, 3);
    server.stop().await;
}
