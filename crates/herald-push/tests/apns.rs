//! The APNs client against the fake APNs: authentication, headers, every kind of answer,
//! timeouts, broken connections and connection pooling.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use herald_push::apns::{ApnsAuth, ApnsClient, ApnsClientConfig, ApnsError, ApnsRequest};
use herald_push::tls::root_store;
use herald_push::{DeliveryResult, DeliveryStatus};
use herald_testkit::fakes::apns::{FakeApns, FakeApnsConfig, ReceivedAuth, ScriptedOutcome};
use herald_testkit::fakes::tls::TestCa;

const KEY_ID: &str = "KEY1234567";
const TEAM_ID: &str = "TEAM123456";
const TOPIC: &str = "com.example.herald";

/// A fresh Apple-style .p8 key (PEM PKCS#8, EC P-256).
fn p8() -> String {
    rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("generate key").serialize_pem()
}

/// A 64-hex-digit device token, distinct per `n`.
fn device_token(n: usize) -> String {
    format!("{n:064x}")
}

fn notification(token: &str) -> ApnsRequest {
    ApnsRequest {
        device_token: token.to_owned(),
        push_type: "alert".to_owned(),
        priority: Some(10),
        expiration: None,
        collapse_id: None,
        topic: TOPIC.to_owned(),
        apns_id: None,
        payload: br#"{"aps":{"alert":{"title":"Hi","body":"From Herald"}}}"#.to_vec(),
    }
}

fn trusting(fake: &FakeApns) -> Arc<rustls::RootCertStore> {
    Arc::new(root_store(Some(fake.ca_pem().as_bytes())).expect("root store"))
}

fn token_auth(key_pem: &str) -> ApnsAuth {
    ApnsAuth::Token { key_pem: key_pem.to_owned(), key_id: KEY_ID.to_owned(), team_id: TEAM_ID.to_owned() }
}

/// A fake that knows `key_pem` under KEY_ID/TEAM_ID, and a client signing with the same key.
async fn token_setup(fake_config: FakeApnsConfig) -> (FakeApns, ApnsClient, ApnsClientConfig) {
    let key = p8();
    let fake = FakeApns::start(FakeApnsConfig {
        token_keys: vec![(KEY_ID.to_owned(), TEAM_ID.to_owned(), key.clone())],
        ..fake_config
    })
    .await;
    let config = ApnsClientConfig::new(fake.base_url(), token_auth(&key), trusting(&fake));
    let client = ApnsClient::new(config.clone()).expect("client");
    (fake, client, config)
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs() as i64
}

fn assert_result(result: &DeliveryResult, status: DeliveryStatus, code: u16, message: &str, token_invalid: bool) {
    assert_eq!(result.status, status, "{result:?}");
    assert_eq!(result.status_code, code, "{result:?}");
    assert_eq!(result.status_message, message, "{result:?}");
    assert_eq!(result.token_invalid, token_invalid, "{result:?}");
}

#[tokio::test]
async fn token_auth_sends_headers_claims_and_payload() {
    let (fake, client, _) = token_setup(FakeApnsConfig::default()).await;
    let token = device_token(1);
    let apns_id = "0f4f4c2a-5b5e-4a39-9a7e-3b1e7a6c2d10";
    let request = ApnsRequest {
        expiration: Some(1_900_000_000),
        collapse_id: Some("score".to_owned()),
        apns_id: Some(apns_id.to_owned()),
        priority: Some(5),
        ..notification(&token)
    };

    let result = client.send(&request).await;
    assert_result(&result, DeliveryStatus::Successful, 200, "Message delivered", false);
    assert_eq!(result.message_id.as_deref(), Some(apns_id));

    let received = fake.received();
    assert_eq!(received.len(), 1);
    let seen = &received[0];
    assert_eq!(seen.device_token, token);
    assert_eq!(seen.headers["apns-topic"], TOPIC);
    assert_eq!(seen.headers["apns-push-type"], "alert");
    assert_eq!(seen.headers["apns-priority"], "5");
    assert_eq!(seen.headers["apns-expiration"], "1900000000");
    assert_eq!(seen.headers["apns-collapse-id"], "score");
    assert_eq!(seen.headers["apns-id"], apns_id);
    assert!(seen.headers["authorization"].starts_with("bearer "), "{:?}", seen.headers);
    assert_eq!(seen.payload, serde_json::json!({"aps": {"alert": {"title": "Hi", "body": "From Herald"}}}));
    match &seen.auth {
        ReceivedAuth::Token { key_id, team_id, issued_at } => {
            assert_eq!((key_id.as_str(), team_id.as_str()), (KEY_ID, TEAM_ID));
            assert!((unix_now() - issued_at).abs() < 60, "iat {issued_at}");
        }
        other => panic!("expected token auth, got {other:?}"),
    }
    assert_eq!((seen.answered_status, seen.answered_reason.as_deref()), (200, None));
}

#[tokio::test]
async fn optional_headers_are_left_out_and_the_apns_id_comes_from_apns() {
    let (fake, client, _) = token_setup(FakeApnsConfig::default()).await;
    let request = ApnsRequest { priority: None, push_type: String::new(), ..notification(&device_token(2)) };

    let result = client.send(&request).await;
    assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");

    let seen = &fake.received()[0];
    for absent in ["apns-priority", "apns-push-type", "apns-expiration", "apns-collapse-id", "apns-id"] {
        assert!(!seen.headers.contains_key(absent), "{absent} sent: {:?}", seen.headers);
    }
    assert!(seen.answered_apns_id.is_some());
    assert_eq!(result.message_id, seen.answered_apns_id);
}

#[tokio::test]
async fn one_provider_token_serves_many_sends() {
    let (fake, client, _) = token_setup(FakeApnsConfig::default()).await;
    for n in 0..5 {
        let result = client.send(&notification(&device_token(n))).await;
        assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
    }
    let received = fake.received();
    assert_eq!(received.len(), 5);
    assert!(received.iter().all(|seen| seen.auth == received[0].auth), "{received:#?}");
    assert!(received.iter().all(|seen| seen.headers["authorization"] == received[0].headers["authorization"]));
    // Sequential sends never saturate a connection, so they all share the first one.
    assert_eq!(fake.connections_accepted(), 1);
}

#[tokio::test]
async fn certificate_auth_presents_the_client_certificate() {
    let client_ca = TestCa::new();
    let (certificate_pem, private_key_pem) = client_ca.client_cert("Apple Push Services: com.example.herald");
    let fake =
        FakeApns::start(FakeApnsConfig { client_ca_pem: Some(client_ca.ca_pem()), ..FakeApnsConfig::default() }).await;
    let auth = ApnsAuth::Certificate { certificate_pem, private_key_pem };
    let client = ApnsClient::new(ApnsClientConfig::new(fake.base_url(), auth, trusting(&fake))).expect("client");

    let result = client.send(&notification(&device_token(3))).await;
    assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");

    let seen = &fake.received()[0];
    assert_eq!(
        seen.auth,
        ReceivedAuth::Certificate { subject: "CN=Apple Push Services: com.example.herald".to_owned() }
    );
    assert!(!seen.headers.contains_key("authorization"));
}

#[tokio::test]
async fn a_listed_self_signed_certificate_is_accepted() {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, "Apple Push Services: com.example.selfsigned");
    let certificate = params.self_signed(&key).expect("self-signed");
    let fake =
        FakeApns::start(FakeApnsConfig { client_ca_pem: Some(certificate.pem()), ..FakeApnsConfig::default() }).await;
    let auth = ApnsAuth::Certificate { certificate_pem: certificate.pem(), private_key_pem: key.serialize_pem() };
    let client = ApnsClient::new(ApnsClientConfig::new(fake.base_url(), auth, trusting(&fake))).expect("client");

    let result = client.send(&notification(&device_token(4))).await;
    assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
}

#[tokio::test]
async fn a_certificate_the_server_did_not_ask_for_is_missing_provider_token() {
    let (certificate_pem, private_key_pem) = TestCa::new().client_cert("Apple Push Services: com.example.herald");
    let fake = FakeApns::start(FakeApnsConfig::default()).await;
    let auth = ApnsAuth::Certificate { certificate_pem, private_key_pem };
    let client = ApnsClient::new(ApnsClientConfig::new(fake.base_url(), auth, trusting(&fake))).expect("client");

    let result = client.send(&notification(&device_token(5))).await;
    assert_result(&result, DeliveryStatus::PermanentFailure, 403, "MissingProviderToken", false);
}

#[tokio::test]
async fn scripted_answers_become_the_documented_outcomes() {
    let (fake, client, _) = token_setup(FakeApnsConfig::default()).await;
    let cases = [
        (400, "BadDeviceToken", DeliveryStatus::PermanentFailure, true),
        (400, "DeviceTokenNotForTopic", DeliveryStatus::PermanentFailure, true),
        (410, "Unregistered", DeliveryStatus::PermanentFailure, true),
        (400, "BadTopic", DeliveryStatus::PermanentFailure, false),
        (403, "InvalidProviderToken", DeliveryStatus::PermanentFailure, false),
        (413, "PayloadTooLarge", DeliveryStatus::PermanentFailure, false),
        (429, "TooManyRequests", DeliveryStatus::Throttled, false),
        (500, "InternalServerError", DeliveryStatus::TemporaryFailure, false),
        (503, "ServiceUnavailable", DeliveryStatus::TemporaryFailure, false),
        (404, "BadPath", DeliveryStatus::UnknownFailure, false),
    ];
    for (n, (status, reason, expected, token_invalid)) in cases.into_iter().enumerate() {
        let token = device_token(100 + n);
        fake.script(&token, vec![ScriptedOutcome::reject(status, reason)]);
        let result = client.send(&notification(&token)).await;
        assert_result(&result, expected, status, reason, token_invalid);
    }
    // Scripts are used up: the same token now succeeds.
    let result = client.send(&notification(&device_token(100))).await;
    assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
}

#[tokio::test]
async fn an_answer_later_than_the_timeout_is_a_timeout() {
    let (fake, _, mut config) = token_setup(FakeApnsConfig::default()).await;
    config.request_timeout = Duration::from_millis(300);
    let impatient = ApnsClient::new(config).expect("client");
    // Connect first, so the timeout measures the answer and not the handshake.
    assert_eq!(impatient.send(&notification(&device_token(6))).await.status, DeliveryStatus::Successful);

    let token = device_token(7);
    fake.script(&token, vec![ScriptedOutcome::delayed(Duration::from_secs(3), ScriptedOutcome::Success)]);
    let result = impatient.send(&notification(&token)).await;
    assert_eq!((result.status, result.status_code), (DeliveryStatus::Timeout, 0), "{result:?}");
    assert!(result.status_message.contains("300 ms"), "{result:?}");

    // Cancelling one stream leaves the connection usable.
    let result = impatient.send(&notification(&device_token(8))).await;
    assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
    assert_eq!(fake.connections_accepted(), 1);
}

#[tokio::test]
async fn a_dropped_connection_is_temporary_and_the_next_send_reconnects() {
    let (fake, client, _) = token_setup(FakeApnsConfig::default()).await;
    let token = device_token(9);
    fake.script(&token, vec![ScriptedOutcome::DropConnection]);

    let result = client.send(&notification(&token)).await;
    assert_eq!((result.status, result.status_code), (DeliveryStatus::TemporaryFailure, 0), "{result:?}");
    assert!(result.status_message.starts_with("sending to APNs failed"), "{result:?}");

    let result = client.send(&notification(&token)).await;
    assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
    assert_eq!(fake.connections_accepted(), 2);
    let statuses: Vec<u16> = fake.received().iter().map(|seen| seen.answered_status).collect();
    assert_eq!(statuses, [0, 200]);
}

#[tokio::test]
async fn an_expired_provider_token_is_refreshed_once() {
    let (fake, client, _) = token_setup(FakeApnsConfig::default()).await;
    let token = device_token(10);
    fake.script(&token, vec![ScriptedOutcome::reject(403, "ExpiredProviderToken")]);

    let result = client.send(&notification(&token)).await;
    assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
    let received = fake.received();
    let answers: Vec<(u16, Option<&str>)> =
        received.iter().map(|seen| (seen.answered_status, seen.answered_reason.as_deref())).collect();
    assert_eq!(answers, [(403, Some("ExpiredProviderToken")), (200, None)]);
    // The retry carried a newly signed token (ECDSA signatures differ even for equal claims).
    assert_ne!(received[0].headers["authorization"], received[1].headers["authorization"]);

    // The new token is kept for later sends.
    assert_eq!(client.send(&notification(&device_token(22))).await.status, DeliveryStatus::Successful);
    assert_eq!(fake.received()[2].headers["authorization"], received[1].headers["authorization"]);
}

#[tokio::test]
async fn a_provider_token_expired_twice_is_permanent() {
    let (fake, client, _) = token_setup(FakeApnsConfig::default()).await;
    let token = device_token(11);
    let expired = ScriptedOutcome::reject(403, "ExpiredProviderToken");
    fake.script(&token, vec![expired.clone(), expired]);

    let result = client.send(&notification(&token)).await;
    assert_result(&result, DeliveryStatus::PermanentFailure, 403, "ExpiredProviderToken", false);
    assert_eq!(fake.received().len(), 2, "exactly one retry");
}

#[tokio::test]
async fn a_token_signed_with_the_wrong_key_is_invalid() {
    let fake = FakeApns::start(FakeApnsConfig {
        token_keys: vec![(KEY_ID.to_owned(), TEAM_ID.to_owned(), p8())],
        ..FakeApnsConfig::default()
    })
    .await;
    let client =
        ApnsClient::new(ApnsClientConfig::new(fake.base_url(), token_auth(&p8()), trusting(&fake))).expect("client");

    let result = client.send(&notification(&device_token(12))).await;
    assert_result(&result, DeliveryStatus::PermanentFailure, 403, "InvalidProviderToken", false);
    assert_eq!(fake.received().len(), 1, "no retry for an invalid token");
}

#[tokio::test]
async fn the_fake_checks_requests_like_apple() {
    let (fake, client, _) = token_setup(FakeApnsConfig::default()).await;
    let huge = format!(r#"{{"aps":{{"alert":"{}"}}}}"#, "x".repeat(4096)).into_bytes();
    let cases = [
        (ApnsRequest { topic: String::new(), ..notification(&device_token(13)) }, 400, "MissingTopic", false),
        (ApnsRequest { priority: Some(7), ..notification(&device_token(14)) }, 400, "BadPriority", false),
        (
            ApnsRequest { push_type: "shout".to_owned(), ..notification(&device_token(15)) },
            400,
            "InvalidPushType",
            false,
        ),
        (
            ApnsRequest { apns_id: Some("not-a-uuid".to_owned()), ..notification(&device_token(16)) },
            400,
            "BadMessageId",
            false,
        ),
        (notification("nothexnothex"), 400, "BadDeviceToken", true),
        (ApnsRequest { payload: Vec::new(), ..notification(&device_token(17)) }, 400, "PayloadEmpty", false),
        (ApnsRequest { payload: b"not json".to_vec(), ..notification(&device_token(21)) }, 400, "PayloadEmpty", false),
        (ApnsRequest { payload: huge.clone(), ..notification(&device_token(18)) }, 413, "PayloadTooLarge", false),
    ];
    for (request, status, reason, token_invalid) in cases {
        let result = client.send(&request).await;
        assert_result(&result, DeliveryStatus::PermanentFailure, status, reason, token_invalid);
    }
    // VoIP pushes may be larger.
    let voip = ApnsRequest {
        push_type: "voip".to_owned(),
        topic: format!("{TOPIC}.voip"),
        payload: huge,
        ..notification(&device_token(19))
    };
    assert_eq!(client.send(&voip).await.status, DeliveryStatus::Successful);
    // Rejected requests are recorded too, with their answer.
    let received = fake.received();
    assert_eq!(received.len(), 9);
    assert_eq!(received[0].answered_reason.as_deref(), Some("MissingTopic"));
    assert_eq!(received[6].raw_payload, b"not json");
    assert_eq!(received[6].payload, serde_json::Value::Null);
}

#[tokio::test]
async fn a_device_token_that_cannot_be_a_path_segment_is_not_sent() {
    let (fake, client, _) = token_setup(FakeApnsConfig::default()).await;
    let result = client.send(&notification("abc/../def")).await;
    assert_eq!((result.status, result.status_code, result.token_invalid), (DeliveryStatus::PermanentFailure, 0, true));
    assert!(fake.received().is_empty());
}

#[tokio::test]
async fn an_untrusted_server_is_a_temporary_failure_naming_the_certificate() {
    let (fake, _, mut config) = token_setup(FakeApnsConfig::default()).await;
    config.root_store = Arc::new(root_store(None).expect("system roots"));
    let client = ApnsClient::new(config).expect("client");

    let result = client.send(&notification(&device_token(20))).await;
    assert_eq!((result.status, result.status_code), (DeliveryStatus::TemporaryFailure, 0), "{result:?}");
    assert!(result.status_message.contains("TLS handshake"), "{result:?}");
    assert!(result.status_message.to_lowercase().contains("certificate"), "{result:?}");
    assert!(fake.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_sends_spreads_over_a_few_connections() {
    let (fake, client, _) =
        token_setup(FakeApnsConfig { max_concurrent_streams: 10, ..FakeApnsConfig::default() }).await;
    // Slow answers keep streams busy, so the burst saturates every connection.
    for n in 0..100 {
        fake.script(
            &device_token(n),
            vec![ScriptedOutcome::delayed(Duration::from_millis(50), ScriptedOutcome::Success)],
        );
    }

    let mut sends = tokio::task::JoinSet::new();
    for n in 0..100 {
        let client = client.clone();
        sends.spawn(async move { client.send(&notification(&device_token(n))).await });
    }
    let mut delivered = 0;
    while let Some(result) = sends.join_next().await {
        let result = result.expect("send task");
        assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
        delivered += 1;
    }
    assert_eq!(delivered, 100);
    assert_eq!(fake.received().len(), 100);
    // 100 busy streams at 10 per connection want 10 connections; the pool stops at its 4.
    assert_eq!(fake.connections_accepted(), 4);
}

#[tokio::test]
async fn unusable_configurations_are_refused_up_front() {
    let roots = Arc::new(rustls::RootCertStore::empty());
    let config = |base_url: &str, auth: ApnsAuth| ApnsClientConfig::new(base_url, auth, Arc::clone(&roots));

    let error = ApnsClient::new(config("http://127.0.0.1:1", token_auth(&p8()))).expect_err("plain http");
    assert!(matches!(error, ApnsError::BaseUrl { .. }), "{error}");

    let error = ApnsClient::new(config("https://127.0.0.1:1", token_auth("not a key"))).expect_err("bad key");
    assert!(matches!(error, ApnsError::TokenKey { .. }), "{error}");

    let certificate = ApnsAuth::Certificate { certificate_pem: "nope".to_owned(), private_key_pem: p8() };
    let error = ApnsClient::new(config("https://127.0.0.1:1", certificate)).expect_err("bad certificate");
    assert!(matches!(error, ApnsError::Tls(_)), "{error}");

    let mut no_pool = config("https://127.0.0.1:1", token_auth(&p8()));
    no_pool.max_connections = 0;
    assert!(matches!(ApnsClient::new(no_pool), Err(ApnsError::NoConnections)));
}
