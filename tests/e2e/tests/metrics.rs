//! `/metrics`: API calls of both APIs counted by operation and outcome, push results by app,
//! channel and status, the month's spend and the queue from the store, and the bearer token.

use std::collections::BTreeMap;

use aws_sdk_pinpoint::types::{
    AddressConfiguration, ApnsChannelRequest, ApnsMessage, ChannelType, CreateApplicationRequest,
    DirectMessageConfiguration, MessageRequest,
};
use aws_sdk_pinpointsmsvoicev2::types::{MessageType, NumberCapability, RequestableNumberType};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::herald_testkit::fakes::apns::{FakeApns, FakeApnsConfig, ScriptedOutcome};
use herald_e2e::{pinpoint, sms_voice};
use herald_push::credentials::test_material::apns_token_key_p8;

const KEY_ID: &str = "KEYID12345";
const TEAM_ID: &str = "TEAM123456";

/// One sample of the text format: name, labels, value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The samples of a Prometheus text page (Herald's label values hold no quotes or commas).
fn samples(page: &str) -> Vec<Sample> {
    page.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value in {line:?}"));
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value in {line:?}"));
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split(',')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once('=').unwrap_or_else(|| panic!("bad label in {line:?}"));
                    (key.to_string(), value.trim_matches('"').to_string())
                })
                .collect();
            Sample { name: name.to_string(), labels, value }
        })
        .collect()
}

/// The value of the one sample with this name and these labels (others may be present).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let matching: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name == name && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
        .collect();
    assert!(matching.len() <= 1, "{name} {labels:?} matches {matching:?}");
    matching.first().map(|s| s.value)
}

async fn scrape(server: &TestServer, token: Option<&str>) -> reqwest::Response {
    let request = reqwest::Client::new().get(format!("{}/metrics", server.endpoint));
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    request.send().await.expect("GET /metrics")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_calls_push_results_spend_and_queue_are_exposed() {
    let p8 = apns_token_key_p8();
    let apns = FakeApns::start(FakeApnsConfig {
        token_keys: vec![(KEY_ID.into(), TEAM_ID.into(), p8.clone())],
        ..FakeApnsConfig::default()
    })
    .await;
    let ca_dir = tempfile::tempdir().expect("temp dir");
    let ca_file = ca_dir.path().join("ca.pem");
    std::fs::write(&ca_file, apns.ca_pem()).expect("write CA");
    let server = TestServer::builder()
        .config(format!(
            "[providers]\nextra_ca_file = {:?}\n[providers.apns]\nproduction_url = {:?}\n",
            ca_file.display().to_string(),
            apns.base_url()
        ))
        .start();
    let client = pinpoint(&server);
    let sms = sms_voice(&server);

    // Pinpoint: an app, its APNs channel, one app that does not exist, and a send with a
    // delivered, a refused and an undeliverable address.
    let request = CreateApplicationRequest::builder().name("metrics").build();
    let app = client.create_app().create_application_request(request).send().await.expect("CreateApp");
    let app = app.application_response.and_then(|a| a.id).expect("app id");
    let channel =
        ApnsChannelRequest::builder().token_key(&p8).token_key_id(KEY_ID).team_id(TEAM_ID).bundle_id("com.e2e").build();
    client.update_apns_channel().application_id(&app).apns_channel_request(channel).send().await.expect("APNs");
    client.get_app().application_id("no-such-app").send().await.expect_err("NotFoundException");
    let (delivered, refused) = ("a".repeat(64), "b".repeat(64));
    apns.script(&refused, vec![ScriptedOutcome::reject(400, "BadDeviceToken")]);
    let apns_address = || AddressConfiguration::builder().channel_type(ChannelType::Apns).build();
    let message = MessageRequest::builder()
        .addresses(&delivered, apns_address())
        .addresses(&refused, apns_address())
        .addresses("gcm-token", AddressConfiguration::builder().channel_type(ChannelType::Gcm).build())
        .message_configuration(
            DirectMessageConfiguration::builder().apns_message(ApnsMessage::builder().body("hi").build()).build(),
        )
        .build();
    client.send_messages().application_id(&app).message_request(message).send().await.expect("SendMessages");

    // SMS and voice v2: a simulator number, one message from it (one part, charged), and a
    // malformed destination number.
    let number = sms
        .request_phone_number()
        .iso_country_code("US")
        .message_type(MessageType::Transactional)
        .number_capabilities(NumberCapability::Sms)
        .number_type(RequestableNumberType::Simulator)
        .send()
        .await
        .expect("RequestPhoneNumber");
    sms.send_text_message()
        .origination_identity(number.phone_number().expect("number"))
        .destination_phone_number("+14254147755")
        .message_body("Your code is 123456")
        .send()
        .await
        .expect("SendTextMessage");
    sms.create_verified_destination_number()
        .destination_phone_number("+1 206 555 0100")
        .send()
        .await
        .expect_err("ValidationException");

    let response = scrape(&server, None).await;
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let page = response.text().await.expect("metrics page");
    let samples = samples(&page);

    // Exactly the calls made, and nothing else.
    let counted: BTreeMap<(String, String, String), f64> = samples
        .iter()
        .filter(|s| s.name == "herald_api_requests_total")
        .map(|s| ((s.labels["api"].clone(), s.labels["operation"].clone(), s.labels["code"].clone()), s.value))
        .collect();
    let expected: BTreeMap<(String, String, String), f64> = [
        ("pinpoint", "CreateApp", "201"),
        ("pinpoint", "UpdateApnsChannel", "200"),
        ("pinpoint", "GetApp", "NotFoundException"),
        ("pinpoint", "SendMessages", "200"),
        ("sms-voice", "RequestPhoneNumber", "200"),
        ("sms-voice", "SendTextMessage", "200"),
        ("sms-voice", "CreateVerifiedDestinationNumber", "ValidationException"),
    ]
    .into_iter()
    .map(|(api, operation, code)| ((api.to_string(), operation.to_string(), code.to_string()), 1.0))
    .collect();
    assert_eq!(counted, expected, "{page}");

    // Durations: a histogram per API and operation, buckets from 1 ms to 10 s.
    let duration = "herald_api_request_duration_seconds";
    let create_app = [("api", "pinpoint"), ("operation", "CreateApp")];
    assert_eq!(value(&samples, &format!("{duration}_count"), &create_app), Some(1.0));
    for le in ["0.001", "10", "+Inf"] {
        let labels = [create_app[0], create_app[1], ("le", le)];
        assert!(value(&samples, &format!("{duration}_bucket"), &labels).is_some(), "bucket {le}: {page}");
    }

    // Push results by app, channel and DeliveryStatus; one provider call per APNs address.
    let sends = |channel: &str, status: &str| {
        value(
            &samples,
            "herald_push_sends_total",
            &[("app_id", &app), ("channel", channel), ("delivery_status", status)],
        )
    };
    assert_eq!(sends("APNS", "SUCCESSFUL"), Some(1.0), "{page}");
    assert_eq!(sends("APNS", "PERMANENT_FAILURE"), Some(1.0), "{page}");
    assert_eq!(sends("GCM", "PERMANENT_FAILURE"), Some(1.0), "no GCM channel: {page}");
    assert_eq!(value(&samples, "herald_push_provider_duration_seconds_count", &[("channel", "APNS")]), Some(2.0));

    // The month's spend from the store: one part at $0.00645.
    let spend = |kind: &str| {
        value(&samples, "herald_sms_monthly_spend_dollars", &[("account_id", &server.account_id), ("kind", kind)])
    };
    let text = spend("TextMessageMonthlySpend").expect("text spend");
    assert!((text - 0.00645).abs() < 1e-9, "{text}");
    assert_eq!(spend("VoiceMessageMonthlySpend"), Some(0.0));
    assert_eq!(spend("MediaMessageMonthlySpend"), Some(0.0));
    for state in ["queued", "submitted"] {
        assert!(value(&samples, "herald_sms_queue_messages", &[("state", state)]).is_some(), "{state}: {page}");
    }
    assert_eq!(value(&samples, "herald_audit_dropped_total", &[]), Some(0.0));
    assert!(value(&samples, "herald_sms_queue_lag_seconds", &[]).is_some_and(|lag| lag >= 0.0), "{page}");

    // Scraping is not an API call.
    let again = samples_of(&server, None).await;
    assert_eq!(value(&again, "herald_api_requests_total", &[("operation", "CreateApp")]), Some(1.0));

    // The SMS engine counts the message's event records once committed, and its one part.
    let simulator = number.phone_number().expect("number");
    let event = |samples: &[Sample], kind: &str| {
        value(
            samples,
            "herald_sms_events_total",
            &[("event_type", kind), ("origination", simulator), ("country", "US")],
        )
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let samples = loop {
        let samples = samples_of(&server, None).await;
        if event(&samples, "TEXT_DELIVERED").is_some() || std::time::Instant::now() > deadline {
            break samples;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    for kind in ["TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_DELIVERED"] {
        assert_eq!(event(&samples, kind), Some(1.0), "{kind}");
    }
    let parts = [("origination", simulator), ("country", "US")];
    assert_eq!(value(&samples, "herald_sms_parts_total", &parts), Some(1.0));
}

async fn samples_of(server: &TestServer, token: Option<&str>) -> Vec<Sample> {
    let response = scrape(server, token).await;
    assert_eq!(response.status().as_u16(), 200);
    samples(&response.text().await.expect("metrics page"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metrics_token_is_required_when_set() {
    let server = TestServer::builder().env("HERALD_METRICS_TOKEN", "scrape-me").start();
    let client = pinpoint(&server);
    client.get_apps().send().await.expect("GetApps");

    let refused = scrape(&server, None).await;
    assert_eq!(refused.status().as_u16(), 401);
    assert_eq!(refused.headers().get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Bearer"));
    let page = refused.text().await.expect("body");
    assert!(!page.contains("herald_api_requests_total"), "{page}");
    assert_eq!(scrape(&server, Some("scrape-m")).await.status().as_u16(), 401);
    assert_eq!(scrape(&server, Some("scrape-me-too")).await.status().as_u16(), 401);

    let samples = samples_of(&server, Some("scrape-me")).await;
    let labels = [("api", "pinpoint"), ("operation", "GetApps"), ("code", "200")];
    assert_eq!(value(&samples, "herald_api_requests_total", &labels), Some(1.0));
    // The API itself does not take the token: SigV4 is its authentication.
    client.get_apps().send().await.expect("GetApps without the metrics token");
}
