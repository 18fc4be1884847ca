//! The ADM client against the fake ADM.

use std::sync::Arc;
use std::time::Duration;

use herald_push::adm::{AdmClient, AdmClientConfig, AdmRequest};
use herald_push::{DeliveryResult, DeliveryStatus};
use herald_testkit::fakes::adm::{AdmOutcome, FakeAdm};
use serde_json::json;

const CLIENT_ID: &str = "amzn1.application-oa2-client.test";
const CLIENT_SECRET: &str = "s3cr3t";
const REGISTRATION_ID: &str = "amzn1.adm-registration.v3.device-1";

async fn fake() -> FakeAdm {
    let fake = FakeAdm::start().await;
    fake.register_client(CLIENT_ID, CLIENT_SECRET);
    fake
}

fn config(fake: &FakeAdm) -> AdmClientConfig {
    AdmClientConfig {
        token_url: fake.token_url(),
        base_url: fake.base_url(),
        client_id: CLIENT_ID.to_string(),
        client_secret: CLIENT_SECRET.to_string(),
        root_store: None,
        request_timeout: Duration::from_secs(5),
    }
}

fn client(fake: &FakeAdm) -> AdmClient {
    AdmClient::new(config(fake)).expect("ADM client")
}

fn message(registration_id: &str) -> AdmRequest {
    AdmRequest {
        registration_id: registration_id.to_string(),
        body: json!({ "data": { "title": "Hello", "body": "From Herald" }, "consolidationKey": "greeting", "expiresAfter": 86400 }),
    }
}

fn failure(status: DeliveryStatus, code: u16, message: &str, token_invalid: bool) -> DeliveryResult {
    let mut result = DeliveryResult::failed(status, code, message);
    result.token_invalid = token_invalid;
    result
}

#[tokio::test]
async fn delivers_with_the_headers_adm_requires() {
    let fake = fake().await;
    let result = client(&fake).send(&message(REGISTRATION_ID)).await;

    assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
    assert_eq!(result.status_code, 200);
    assert!(result.message_id.as_deref().is_some_and(|id| id.starts_with("fake-adm-request-")), "{result:?}");
    assert_eq!(result.updated_token, None);

    let received = fake.received();
    assert_eq!(received.len(), 1);
    let sent = &received[0];
    assert_eq!(sent.registration_id, REGISTRATION_ID);
    assert_eq!(sent.status, 200);
    assert_eq!(sent.body, message(REGISTRATION_ID).body);
    let header = |name: &str| sent.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default();
    assert!(header("authorization").starts_with("Bearer Atc|"));
    assert_eq!(header("x-amzn-type-version"), "com.amazon.device.messaging.ADMMessage@1.0");
    assert_eq!(header("x-amzn-accept-type"), "com.amazon.device.messaging.ADMSendResult@1.0");
    assert_eq!(header("accept"), "application/json");
    assert_eq!(header("content-type"), "application/json");
}

#[tokio::test]
async fn reuses_the_access_token() {
    let fake = fake().await;
    let client = client(&fake);
    for _ in 0..3 {
        assert_eq!(client.send(&message(REGISTRATION_ID)).await.status, DeliveryStatus::Successful);
    }
    assert_eq!(fake.tokens_issued(), 1);
}

#[tokio::test]
async fn concurrent_sends_share_one_token_request() {
    let fake = fake().await;
    let client = Arc::new(client(&fake));
    let sends: Vec<_> = (0..16)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&message(&format!("device-{n}"))).await })
        })
        .collect();
    for send in sends {
        assert_eq!(send.await.expect("send task").status, DeliveryStatus::Successful);
    }
    assert_eq!(fake.tokens_issued(), 1);
}

#[tokio::test]
async fn refreshes_a_token_inside_its_last_minute() {
    let fake = fake().await;
    // Tokens that live less than the refresh margin are replaced before every send.
    fake.set_token_lifetime(Duration::from_secs(30));
    let client = client(&fake);
    for _ in 0..2 {
        assert_eq!(client.send(&message(REGISTRATION_ID)).await.status, DeliveryStatus::Successful);
    }
    assert_eq!(fake.tokens_issued(), 2);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_the_send_retried_once() {
    let fake = fake().await;
    let client = client(&fake);
    assert_eq!(client.send(&message(REGISTRATION_ID)).await.status, DeliveryStatus::Successful);
    fake.expire_tokens();

    let result = client.send(&message(REGISTRATION_ID)).await;
    assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
    assert_eq!(fake.tokens_issued(), 2);
    let statuses: Vec<_> = fake.received().iter().map(|sent| (sent.status, sent.reason.clone())).collect();
    assert_eq!(statuses, [(200, None), (401, Some("AccessTokenExpired".to_string())), (200, None)]);
}

#[tokio::test]
async fn a_token_refused_twice_fails_the_message() {
    let fake = fake().await;
    let expired = AdmOutcome::error(401, "AccessTokenExpired");
    fake.script(REGISTRATION_ID, vec![expired.clone(), expired]);

    let result = client(&fake).send(&message(REGISTRATION_ID)).await;
    assert_eq!(result, failure(DeliveryStatus::PermanentFailure, 401, "AccessTokenExpired", false));
    assert_eq!(fake.received().len(), 2, "exactly one retry");
    assert_eq!(fake.tokens_issued(), 2);
}

#[tokio::test]
async fn a_canonical_registration_id_becomes_the_updated_token() {
    let fake = fake().await;
    fake.script(REGISTRATION_ID, vec![AdmOutcome::SuccessWithCanonicalId("amzn1.adm-registration.v3.new".to_string())]);

    let result = client(&fake).send(&message(REGISTRATION_ID)).await;
    assert_eq!(result.status, DeliveryStatus::Successful);
    assert_eq!(result.updated_token.as_deref(), Some("amzn1.adm-registration.v3.new"));
}

#[tokio::test]
async fn every_documented_error_maps_to_its_result() {
    use DeliveryStatus::*;
    let fake = fake().await;
    let client = client(&fake);
    let cases = [
        (400, "InvalidRegistrationId", failure(PermanentFailure, 400, "InvalidRegistrationId", true)),
        (400, "InvalidData", failure(PermanentFailure, 400, "InvalidData", false)),
        (400, "InvalidConsolidationKey", failure(PermanentFailure, 400, "InvalidConsolidationKey", false)),
        (400, "InvalidExpiration", failure(PermanentFailure, 400, "InvalidExpiration", false)),
        (400, "InvalidChecksum", failure(PermanentFailure, 400, "InvalidChecksum", false)),
        (410, "Unregistered", failure(PermanentFailure, 410, "Unregistered", true)),
        (413, "MessageTooLarge", failure(PermanentFailure, 413, "MessageTooLarge", false)),
        (429, "MaxRateExceeded", failure(Throttled, 429, "MaxRateExceeded", false)),
        (500, "InternalServerError", failure(TemporaryFailure, 500, "InternalServerError", false)),
        (503, "ServiceUnavailable", failure(TemporaryFailure, 503, "ServiceUnavailable", false)),
        (404, "NotFound", failure(UnknownFailure, 404, "NotFound", false)),
    ];
    for (status, reason, expected) in cases {
        let registration_id = format!("device-{status}-{reason}");
        fake.script(&registration_id, vec![AdmOutcome::error(status, reason)]);
        assert_eq!(client.send(&message(&registration_id)).await, expected, "HTTP {status} {reason}");
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let fake = fake().await;
    let client = client(&fake);
    let throttled = AdmOutcome::Error { status: 429, reason: "MaxRateExceeded".to_string(), retry_after: Some(30) };
    let unavailable = AdmOutcome::Error { status: 503, reason: "ServiceUnavailable".to_string(), retry_after: Some(7) };
    fake.script(REGISTRATION_ID, vec![throttled, unavailable]);

    let first = client.send(&message(REGISTRATION_ID)).await;
    assert_eq!((first.status, first.retry_after), (DeliveryStatus::Throttled, Some(Duration::from_secs(30))));
    let second = client.send(&message(REGISTRATION_ID)).await;
    assert_eq!((second.status, second.retry_after), (DeliveryStatus::TemporaryFailure, Some(Duration::from_secs(7))));
}

#[tokio::test]
async fn the_fake_refuses_what_adm_refuses() {
    let fake = fake().await;
    let client = client(&fake);
    let send = |body: serde_json::Value| {
        let request = AdmRequest { registration_id: REGISTRATION_ID.to_string(), body };
        let client = &client;
        async move { client.send(&request).await }
    };

    let too_large = send(json!({ "data": { "blob": "x".repeat(6 * 1024) } })).await;
    assert_eq!(too_large, failure(DeliveryStatus::PermanentFailure, 413, "MessageTooLarge", false));
    let not_strings = send(json!({ "data": { "count": 3 } })).await;
    assert_eq!(not_strings, failure(DeliveryStatus::PermanentFailure, 400, "InvalidData", false));
    let no_data = send(json!({ "consolidationKey": "sync" })).await;
    assert_eq!(no_data.status_message, "InvalidData");
    let long_key = send(json!({ "data": {}, "consolidationKey": "k".repeat(65) })).await;
    assert_eq!(long_key.status_message, "InvalidConsolidationKey");
    let bad_expiry = send(json!({ "data": {}, "expiresAfter": 0 })).await;
    assert_eq!(bad_expiry.status_message, "InvalidExpiration");
}

#[tokio::test]
async fn registration_ids_are_sent_as_one_path_segment() {
    let fake = fake().await;
    let odd = "amzn1.adm-registration.v3/with slash?and#more";
    assert_eq!(client(&fake).send(&message(odd)).await.status, DeliveryStatus::Successful);
    assert_eq!(fake.received()[0].registration_id, odd);
}

#[tokio::test]
async fn a_wrong_client_secret_fails_every_message() {
    let fake = fake().await;
    let mut config = config(&fake);
    config.client_secret = "wrong".to_string();
    let result = AdmClient::new(config).expect("ADM client").send(&message(REGISTRATION_ID)).await;

    assert_eq!(result.status, DeliveryStatus::PermanentFailure);
    assert_eq!(result.status_code, 401);
    assert!(result.status_message.contains("invalid_client"), "{result:?}");
    assert!(!result.token_invalid);
    assert!(fake.received().is_empty());
}

#[tokio::test]
async fn senders_queued_behind_a_failed_token_request_share_its_failure() {
    let fake = fake().await;
    let mut config = config(&fake);
    config.client_secret = "wrong".to_string();
    let client = Arc::new(AdmClient::new(config).expect("ADM client"));
    let sends: Vec<_> = (0..8)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&message(&format!("device-{n}"))).await })
        })
        .collect();
    for send in sends {
        assert_eq!(send.await.expect("send task").status, DeliveryStatus::PermanentFailure);
    }
    assert!(fake.token_requests() < 8, "{} token requests for 8 concurrent sends", fake.token_requests());

    // A later send asks again: the credentials may have been fixed meanwhile.
    let before = fake.token_requests();
    client.send(&message(REGISTRATION_ID)).await;
    assert_eq!(fake.token_requests(), before + 1);
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let fake = fake().await;
    fake.script(REGISTRATION_ID, vec![AdmOutcome::Delay(Duration::from_secs(3))]);
    let mut config = config(&fake);
    config.request_timeout = Duration::from_millis(300);

    let result = AdmClient::new(config).expect("ADM client").send(&message(REGISTRATION_ID)).await;
    assert_eq!(result.status, DeliveryStatus::Timeout, "{result:?}");
    assert_eq!(result.status_code, 0);
}

#[tokio::test]
async fn an_unreachable_adm_is_a_temporary_failure() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address")
    };
    let config = AdmClientConfig {
        token_url: format!("http://{closed}/auth/o2/token"),
        base_url: format!("http://{closed}"),
        ..AdmClientConfig::new(CLIENT_ID, CLIENT_SECRET)
    };
    let result = AdmClient::new(config).expect("ADM client").send(&message(REGISTRATION_ID)).await;
    assert_eq!(result.status, DeliveryStatus::TemporaryFailure, "{result:?}");
    assert_eq!(result.status_code, 0);
}

#[test]
fn configuration_is_checked() {
    let mut config = AdmClientConfig::new(CLIENT_ID, CLIENT_SECRET);
    config.base_url = "not a url".to_string();
    assert!(AdmClient::new(config).is_err());
    assert!(AdmClient::new(AdmClientConfig::new("", CLIENT_SECRET)).is_err());
    let mut with_roots = AdmClientConfig::new(CLIENT_ID, CLIENT_SECRET);
    with_roots.root_store = Some(Arc::new(rustls::RootCertStore::empty()));
    assert!(AdmClient::new(with_roots).is_ok());
}
