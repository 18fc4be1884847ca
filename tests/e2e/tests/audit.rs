//! The audit log: calls of both APIs, failed and refused ones included, read back with
//! `herald audit` in order with who made them, and never a secret of theirs.

use std::time::{Duration, Instant};

use aws_sdk_pinpoint::types::{ApnsChannelRequest, CreateApplicationRequest};
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::herald_testkit::admin::run_herald;
use herald_e2e::{pinpoint, pinpoint_with, sms_voice};
use herald_push::credentials::test_material::{CertificateKeyAlgorithm, apns_certificate, apns_token_key_p8};
use serde_json::Value;
use time::OffsetDateTime;

/// `herald audit <args>` against the server's state, one JSON object a line.
fn audit(server: &TestServer, args: &[&str]) -> (String, Vec<Value>) {
    let mut all: Vec<String> = ["audit"].iter().chain(args).map(|s| s.to_string()).collect();
    all.extend(server.state_args());
    let output = run_herald(&all);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "herald {all:?}: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    let records = stdout.lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect();
    (stdout, records)
}

/// Waits for the background writer to store at least `count` records.
fn audit_until(server: &TestServer, count: usize, args: &[&str]) -> (String, Vec<Value>) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (stdout, records) = audit(server, args);
        if records.len() >= count || Instant::now() > deadline {
            return (stdout, records);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The lines of a PEM body long enough to be recognisable.
fn secret_lines(pem: &str) -> Vec<String> {
    pem.lines().filter(|l| l.len() > 20 && !l.starts_with("-----")).map(str::to_owned).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_recorded_in_order_with_their_caller_and_without_secrets() {
    let server = TestServer::start();
    let client = pinpoint(&server);
    let sms = sms_voice(&server);
    let before = OffsetDateTime::now_utc();

    let request = CreateApplicationRequest::builder().name("audited").build();
    let app = client.create_app().create_application_request(request).send().await.expect("CreateApp");
    let app = app.application_response.and_then(|a| a.id).expect("app id");
    let now = OffsetDateTime::now_utc();
    let certificate = apns_certificate(
        "com.example.audit",
        CertificateKeyAlgorithm::Rsa2048,
        now - time::Duration::days(1),
        now + time::Duration::days(300),
    );
    let p8 = apns_token_key_p8();
    let channel = ApnsChannelRequest::builder()
        .certificate(&certificate.certificate_pem)
        .private_key(&certificate.private_key_pem)
        .token_key(&p8)
        .token_key_id("ABC123DEFG")
        .team_id("TEAM123456")
        .bundle_id("com.example.audit")
        .default_authentication_method("CERTIFICATE")
        .build();
    client.update_apns_channel().application_id(&app).apns_channel_request(channel).send().await.expect("APNs");
    client.get_app().application_id("no-such-app").send().await.expect_err("NotFoundException");
    sms.create_verified_destination_number()
        .destination_phone_number("+1 206 555 0100")
        .send()
        .await
        .expect_err("ValidationException");
    sms.verify_destination_number()
        .verified_destination_number_id("verifieddestinationnumber-00000000000000000000000000000000")
        .verification_code("918273")
        .send()
        .await
        .expect_err("no such number");
    let intruder = pinpoint_with(&server, &server.access_key_id, "not-the-secret");
    intruder.get_apps().send().await.expect_err("bad signature");

    let (stdout, records) = audit_until(&server, 6, &["--since", "1h"]);
    let names: Vec<&str> = records.iter().map(|r| r["eventName"].as_str().unwrap_or("-")).collect();
    assert_eq!(
        names,
        [
            "CreateApp",
            "UpdateApnsChannel",
            "GetApp",
            "CreateVerifiedDestinationNumber",
            "VerifyDestinationNumber",
            "GetApps"
        ],
        "{stdout}"
    );

    let signed = &records[..5];
    for record in signed {
        assert_eq!(record["userIdentity"]["accountId"], server.account_id.as_str(), "{record}");
        assert_eq!(record["userIdentity"]["accessKeyId"], server.access_key_id.as_str(), "{record}");
        assert_eq!(record["sourceIPAddress"], "127.0.0.1");
        assert_eq!(record["awsRegion"], "us-east-1");
        assert!(record["userAgent"].as_str().is_some_and(|ua| ua.contains("aws-sdk-rust")), "{record}");
        let at = OffsetDateTime::parse(
            record["eventTime"].as_str().expect("eventTime"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339");
        assert!(at >= before - time::Duration::seconds(1) && at <= OffsetDateTime::now_utc(), "{record}");
        assert!(record["requestID"].as_str().is_some_and(|id| !id.is_empty()));
    }
    let sources: Vec<&str> = records.iter().map(|r| r["eventSource"].as_str().unwrap_or("-")).collect();
    assert_eq!(sources[..3], ["mobiletargeting.amazonaws.com"; 3]);
    assert_eq!(sources[3..5], ["sms-voice.amazonaws.com"; 2]);
    let codes: Vec<Option<&str>> = records.iter().map(|r| r["errorCode"].as_str()).collect();
    let expected =
        [None, None, Some("NotFoundException"), Some("ValidationException"), Some("ResourceNotFoundException")];
    assert_eq!(codes[..5], expected);

    // The channel request: the app as a resource, the settings kept, the secrets hidden.
    let update = &records[1];
    let app_arn = format!("arn:aws:mobiletargeting:us-east-1:{}:apps/{app}", server.account_id);
    assert_eq!(update["resources"], serde_json::json!([{"ARN": app_arn}]));
    let parameters = &update["requestParameters"];
    assert_eq!(parameters["ApplicationId"], app.as_str());
    let channel = &parameters["APNSChannelRequest"];
    assert_eq!(channel["BundleId"], "com.example.audit");
    assert_eq!(channel["TokenKeyId"], "ABC123DEFG");
    for member in ["Certificate", "PrivateKey", "TokenKey"] {
        assert_eq!(channel[member], "HIDDEN_DUE_TO_SECURITY_REASONS", "{member}: {channel}");
    }
    assert_eq!(records[4]["requestParameters"]["VerificationCode"], "HIDDEN_DUE_TO_SECURITY_REASONS");
    let secrets =
        [secret_lines(&certificate.certificate_pem), secret_lines(&certificate.private_key_pem), secret_lines(&p8)]
            .concat();
    assert!(secrets.len() > 3, "the test material has PEM bodies");
    for secret in secrets.iter().chain([&"918273".to_string(), &server.secret_access_key]) {
        assert!(!stdout.contains(secret.as_str()), "a secret is in the audit log: {secret}");
    }

    // A call that could not be authenticated is recorded, with no account and no input.
    let refused = &records[5];
    assert_eq!(refused["userIdentity"]["accountId"], Value::Null);
    assert_eq!(refused["requestParameters"], Value::Null);
    assert!(refused["errorCode"].as_str().is_some_and(|code| code.contains("Signature")), "{refused}");

    // The filters.
    let (_, only) = audit(&server, &["--operation", "GetApp"]);
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["errorCode"], "NotFoundException");
    let (_, theirs) = audit(&server, &["--account", &server.account_id, "--limit", "2"]);
    let names: Vec<&str> = theirs.iter().map(|r| r["eventName"].as_str().unwrap_or("-")).collect();
    assert_eq!(names, ["CreateApp", "UpdateApnsChannel"]);
    let (_, nobody) = audit(&server, &["--account", "000000000000"]);
    assert!(nobody.is_empty());
    let (_, future) = audit(&server, &["--since", "2999-01-01T00:00:00Z"]);
    assert!(future.is_empty());
    let (_, past) = audit(&server, &["--until", "1h"]);
    assert!(past.is_empty(), "nothing happened over an hour ago");

    let bad = run_herald(["audit", "--since", "last tuesday"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--since"), "{}", String::from_utf8_lossy(&bad.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excluded_operations_are_left_out_and_the_log_can_be_off() {
    let server = TestServer::builder().config("[audit]\nexclude_operations = [\"GetApps\"]\n").start();
    let client = pinpoint(&server);
    client.get_apps().send().await.expect("GetApps");
    let request = CreateApplicationRequest::builder().name("kept").build();
    client.create_app().create_application_request(request).send().await.expect("CreateApp");
    client.get_apps().send().await.expect("GetApps");
    let (stdout, records) = audit_until(&server, 1, &[]);
    // Give a wrongly recorded GetApps the time to show up too.
    std::thread::sleep(Duration::from_millis(500));
    let (stdout_later, later) = audit(&server, &[]);
    assert_eq!(records.len(), 1, "{stdout}");
    assert_eq!(later.len(), 1, "{stdout_later}");
    assert_eq!(later[0]["eventName"], "CreateApp");

    let off = TestServer::builder().config("[audit]\nenabled = false\n").start();
    pinpoint(&off).get_apps().send().await.expect("GetApps");
    std::thread::sleep(Duration::from_millis(500));
    let (stdout, records) = audit(&off, &[]);
    assert!(records.is_empty(), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_records_reach_the_audit_sink() {
    const LOG_GROUP: &str = "arn:aws:logs:us-east-1:111122223333:log-group:herald-audit";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let receiver = herald_e2e::webhook::Receiver::default();
    receiver.start(listener);
    let config = format!("{}[audit]\nsink = {LOG_GROUP:?}\n", herald_e2e::webhook::sink(LOG_GROUP, port));
    let server = TestServer::builder().config(config).start();
    let request = CreateApplicationRequest::builder().name("audited").build();
    pinpoint(&server).create_app().create_application_request(request).send().await.expect("CreateApp");

    herald_e2e::wait_for("the CreateApp record at the sink", Duration::from_secs(20), || {
        !receiver.records_where("eventName", "CreateApp").is_empty()
    })
    .await;
    let record = &receiver.records_where("eventName", "CreateApp")[0];
    assert_eq!(record["recipientAccountId"], server.account_id.as_str(), "{record}");
    assert_eq!(record["requestParameters"]["CreateApplicationRequest"]["Name"], "audited", "{record}");
}
