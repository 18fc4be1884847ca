//! The FCM HTTP v1 client against the fake FCM (token endpoint and send endpoint).

use std::time::Duration;

use herald_push::credentials::{ServiceAccountKey, parse_fcm_service_account, test_material};
use herald_push::fcm::{FcmClient, FcmClientConfig, FcmRequest};
use herald_push::{DeliveryResult, DeliveryStatus};
use herald_testkit::fakes::fcm::{FakeFcm, FcmOutcome};
use serde_json::json;
use tokio::task::JoinSet;

const PROJECT: &str = "herald-fcm-test";

/// A running fake and a service account it trusts.
struct Setup {
    fake: FakeFcm,
    key: ServiceAccountKey,
}

impl Setup {
    async fn start() -> Setup {
        let fake = FakeFcm::start().await;
        let key = service_account(&fake.token_uri());
        fake.register_service_account(&key.client_email, &key.private_key);
        Setup { fake, key }
    }

    fn config(&self) -> FcmClientConfig {
        FcmClientConfig::new(self.fake.base_url(), self.key.clone())
    }

    fn client(&self) -> FcmClient {
        FcmClient::new(self.config()).expect("FCM client")
    }
}

fn service_account(token_uri: &str) -> ServiceAccountKey {
    parse_fcm_service_account(&test_material::fcm_service_account_json(PROJECT, token_uri))
        .expect("test material parses")
}

fn request(device_token: &str) -> FcmRequest {
    FcmRequest { message: json!({"token": device_token, "notification": {"title": "Hello", "body": "World"}}) }
}

fn failure(status: DeliveryStatus, code: u16, message: &str, token_invalid: bool) -> DeliveryResult {
    let mut result = DeliveryResult::failed(status, code, message);
    result.token_invalid = token_invalid;
    result
}

#[tokio::test]
async fn sends_reuse_one_access_token_and_report_the_message_name() {
    let setup = Setup::start().await;
    let client = setup.client();

    for n in 1..=50 {
        let result = client.send(&request("device-a")).await;
        assert_eq!(result, DeliveryResult::delivered(200, Some(format!("projects/{PROJECT}/messages/0:{n}"))));
    }
    assert_eq!(setup.fake.tokens_issued(), 1);
    assert_eq!(setup.fake.token_requests(), 1);

    let received = setup.fake.received();
    assert_eq!(received.len(), 50);
    let first = &received[0];
    assert_eq!(first.project_id, PROJECT);
    assert_eq!(first.message, request("device-a").message);
    assert_eq!(first.http_status, 200);
    assert_eq!(first.error_code, None);
    assert!(first.bearer_token.as_deref().is_some_and(|token| token.starts_with("ya29.")), "{first:?}");
}

#[tokio::test]
async fn scripted_errors_become_exact_delivery_results() {
    let setup = Setup::start().await;
    let client = setup.client();

    let with_retry = |mut result: DeliveryResult, seconds: u64| {
        result.retry_after = Some(Duration::from_secs(seconds));
        result
    };
    let cases = [
        (
            FcmOutcome::unregistered(),
            failure(DeliveryStatus::PermanentFailure, 404, "UNREGISTERED: Requested entity was not found.", true),
        ),
        (
            FcmOutcome::invalid_argument_token(),
            failure(
                DeliveryStatus::PermanentFailure,
                400,
                "INVALID_ARGUMENT: The registration token is not a valid FCM registration token",
                true,
            ),
        ),
        (
            FcmOutcome::invalid_argument_payload(),
            failure(
                DeliveryStatus::PermanentFailure,
                400,
                "INVALID_ARGUMENT: Invalid JSON payload received. Unknown name",
                false,
            ),
        ),
        (
            FcmOutcome::sender_id_mismatch(),
            failure(DeliveryStatus::PermanentFailure, 403, "SENDER_ID_MISMATCH: SenderId mismatch", true),
        ),
        (
            FcmOutcome::third_party_auth_error(),
            failure(
                DeliveryStatus::PermanentFailure,
                401,
                "THIRD_PARTY_AUTH_ERROR: Auth error from APNS or Web Push Service",
                false,
            ),
        ),
        (
            FcmOutcome::quota_exceeded(30),
            with_retry(
                failure(
                    DeliveryStatus::Throttled,
                    429,
                    "QUOTA_EXCEEDED: Quota exceeded for quota metric 'Send requests' of service \
                     'fcm.googleapis.com'.",
                    false,
                ),
                30,
            ),
        ),
        (
            FcmOutcome::unavailable(),
            failure(DeliveryStatus::TemporaryFailure, 503, "UNAVAILABLE: The service is currently unavailable.", false),
        ),
        (
            FcmOutcome::Error {
                http_status: 503,
                status: "UNAVAILABLE".into(),
                error_code: "UNAVAILABLE".into(),
                message: "Try later.".into(),
                retry_after: Some(7),
            },
            with_retry(failure(DeliveryStatus::TemporaryFailure, 503, "UNAVAILABLE: Try later.", false), 7),
        ),
        (
            FcmOutcome::internal(),
            failure(DeliveryStatus::TemporaryFailure, 500, "INTERNAL: Internal error encountered.", false),
        ),
        (
            FcmOutcome::error(400, "FAILED_PRECONDITION", "UNSPECIFIED_ERROR", "Something else"),
            failure(DeliveryStatus::UnknownFailure, 400, "UNSPECIFIED_ERROR: Something else", false),
        ),
    ];

    let outcomes: Vec<FcmOutcome> = cases.iter().map(|(outcome, _)| outcome.clone()).collect();
    setup.fake.script("device-b", outcomes);
    for (outcome, expected) in &cases {
        assert_eq!(&client.send(&request("device-b")).await, expected, "for {outcome:?}");
    }
    // The script is used up: sends succeed again.
    assert_eq!(client.send(&request("device-b")).await.status, DeliveryStatus::Successful);

    // No error above, THIRD_PARTY_AUTH_ERROR's 401 included, asked for a new access token.
    assert_eq!(setup.fake.tokens_issued(), 1);
    let codes: Vec<Option<String>> = setup.fake.received().into_iter().map(|message| message.error_code).collect();
    assert_eq!(codes.len(), cases.len() + 1);
    assert_eq!(codes[0].as_deref(), Some("UNREGISTERED"));
}

#[tokio::test]
async fn a_message_without_exactly_one_target_is_a_permanent_failure_that_keeps_the_token() {
    let setup = Setup::start().await;
    let both = FcmRequest { message: json!({"token": "device-c", "topic": "news"}) };
    let result = setup.client().send(&both).await;
    assert_eq!(result.status, DeliveryStatus::PermanentFailure);
    assert_eq!(result.status_code, 400);
    assert!(!result.token_invalid, "{result:?}");
    assert!(result.status_message.starts_with("INVALID_ARGUMENT: "), "{result:?}");
}

#[tokio::test]
async fn a_refused_access_token_is_replaced_and_the_send_retried_once() {
    let setup = Setup::start().await;
    let client = setup.client();
    assert_eq!(client.send(&request("device-d")).await.status, DeliveryStatus::Successful);

    setup.fake.revoke_access_tokens();
    let result = client.send(&request("device-d")).await;
    assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
    assert_eq!(setup.fake.tokens_issued(), 2);

    let received = setup.fake.received();
    let statuses: Vec<u16> = received.iter().map(|message| message.http_status).collect();
    assert_eq!(statuses, [200, 401, 200]);
    assert_eq!(received[1].error_code.as_deref(), Some("UNAUTHENTICATED"));
    assert_ne!(received[1].bearer_token, received[2].bearer_token);
}

#[tokio::test]
async fn a_failing_token_endpoint_is_a_temporary_failure() {
    let setup = Setup::start().await;
    let client = setup.client();
    setup.fake.fail_token_endpoint(503, 1);

    let result = client.send(&request("device-e")).await;
    assert_eq!(result.status, DeliveryStatus::TemporaryFailure, "{result:?}");
    assert_eq!(result.status_code, 503);
    assert!(result.status_message.contains("HTTP 503"), "{result:?}");
    assert!(setup.fake.received().is_empty(), "no send without a token");

    // The failure is not remembered beyond the sends that waited for it.
    assert_eq!(client.send(&request("device-e")).await.status, DeliveryStatus::Successful);
    assert_eq!(setup.fake.token_requests(), 2);
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_a_temporary_failure() {
    let setup = Setup::start().await;
    // A port that was just free: nothing listens there.
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let mut config = setup.config();
    config.service_account.token_uri = format!("http://127.0.0.1:{closed_port}/token");

    let result = FcmClient::new(config).expect("client").send(&request("device-f")).await;
    assert_eq!(result.status, DeliveryStatus::TemporaryFailure, "{result:?}");
    assert_eq!(result.status_code, 0);
    assert!(result.status_message.starts_with("OAuth token request to"), "{result:?}");
}

#[tokio::test]
async fn a_refused_grant_is_a_permanent_failure() {
    let setup = Setup::start().await;
    setup.fake.fail_token_endpoint(400, 1);
    let result = setup.client().send(&request("device-g")).await;
    assert_eq!(result.status, DeliveryStatus::PermanentFailure, "{result:?}");
    assert_eq!(result.status_code, 400);
    assert!(result.status_message.contains("invalid_grant"), "{result:?}");
    assert!(!result.token_invalid);
}

#[tokio::test]
async fn the_fake_checks_the_assertion_signature_and_issuer() {
    let fake = FakeFcm::start().await;
    let key = service_account(&fake.token_uri());
    let config = FcmClientConfig::new(fake.base_url(), key.clone());

    // Unknown service account.
    let result = FcmClient::new(config.clone()).expect("client").send(&request("device-h")).await;
    assert_eq!(result.status, DeliveryStatus::PermanentFailure, "{result:?}");
    assert!(result.status_message.contains("invalid_grant: Invalid grant: account not found"), "{result:?}");

    // Known account, but registered with another key.
    let other = service_account(&fake.token_uri());
    fake.register_service_account(&key.client_email, &other.private_key);
    let result = FcmClient::new(config.clone()).expect("client").send(&request("device-h")).await;
    assert!(result.status_message.contains("Invalid JWT Signature."), "{result:?}");

    // The right key: the assertion passes every check.
    fake.register_service_account(&key.client_email, &key.private_key);
    let result = FcmClient::new(config).expect("client").send(&request("device-h")).await;
    assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
    assert_eq!(fake.tokens_issued(), 1);
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let setup = Setup::start().await;
    setup.fake.script("device-i", vec![FcmOutcome::Success.delayed(Duration::from_secs(3))]);
    let mut config = setup.config();
    config.request_timeout = Duration::from_millis(300);

    let result = FcmClient::new(config).expect("client").send(&request("device-i")).await;
    assert_eq!(result.status, DeliveryStatus::Timeout, "{result:?}");
    assert_eq!(result.status_code, 0);
    assert!(result.status_message.starts_with("FCM request timed out"), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_are_bounded_by_max_concurrency() {
    let setup = Setup::start().await;
    for n in 0..200 {
        setup.fake.script(&format!("device-{n}"), vec![FcmOutcome::Success.delayed(Duration::from_millis(20))]);
    }
    let mut config = setup.config();
    config.max_concurrency = 20;
    let client = FcmClient::new(config).expect("client");

    let mut sends = JoinSet::new();
    for n in 0..200 {
        let client = client.clone();
        sends.spawn(async move { client.send(&request(&format!("device-{n}"))).await });
    }
    let mut delivered = 0;
    while let Some(joined) = sends.join_next().await {
        let result = joined.expect("send task");
        assert_eq!(result.status, DeliveryStatus::Successful, "{result:?}");
        delivered += 1;
    }
    assert_eq!(delivered, 200);
    assert_eq!(setup.fake.received().len(), 200);
    let peak = setup.fake.max_concurrent_sends();
    assert!((2..=20).contains(&peak), "peak of {peak} concurrent sends");
    assert_eq!(setup.fake.tokens_issued(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_sends_share_one_token_request() {
    let setup = Setup::start().await;
    let client = setup.client();

    let mut sends = JoinSet::new();
    for n in 0..50 {
        let client = client.clone();
        sends.spawn(async move { client.send(&request(&format!("device-{n}"))).await });
    }
    while let Some(joined) = sends.join_next().await {
        assert_eq!(joined.expect("send task").status, DeliveryStatus::Successful);
    }
    assert_eq!(setup.fake.token_requests(), 1);
    assert_eq!(setup.fake.tokens_issued(), 1);
}

#[tokio::test]
async fn the_fake_speaks_h2c_as_well_as_http1() {
    let fake = FakeFcm::start().await;
    let h2c = reqwest::Client::builder().http2_prior_knowledge().build().expect("h2c client");
    let response = h2c.post(fake.token_uri()).form(&[("grant_type", "password")]).send().await.expect("h2c answer");
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.expect("JSON error");
    assert_eq!(body["error"], "unsupported_grant_type");
}
