//! The wire floor: signatures, unimplemented operations and unroutable requests.

use std::io::{Read, Write};
use std::net::TcpStream;

use aws_sdk_pinpoint::error::ProvideErrorMetadata;
use herald_e2e::herald_testkit::TestServer;
use herald_e2e::{pinpoint, pinpoint_with, sms_voice};

#[tokio::test]
async fn wrong_secret_and_unknown_key_are_rejected() {
    let server = TestServer::start();
    let wrong_secret = pinpoint_with(&server, &server.access_key_id, "not-the-secret-access-key-at-all-00000000");
    let error = wrong_secret.get_apps().send().await.expect_err("wrong secret");
    assert_eq!(error.code(), Some("InvalidSignatureException"), "{error:?}");
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(403));

    let unknown = pinpoint_with(&server, "AKIAUNKNOWNKEY000000", "whatever");
    let error = unknown.get_apps().send().await.expect_err("unknown key");
    assert_eq!(error.code(), Some("UnrecognizedClientException"), "{error:?}");

    // The right key still works after failures.
    pinpoint(&server).get_apps().send().await.expect("GetApps");
}

/// One raw HTTP/1.1 request; returns the status line and the body.
fn raw_request(server: &TestServer, request: &str) -> (String, String) {
    let address = server.endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response.lines().next().unwrap_or_default().to_string();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
    (status, body)
}

#[tokio::test]
async fn unsigned_requests_get_missing_authentication_token() {
    let server = TestServer::start();
    let (status, body) = raw_request(&server, "GET /v1/apps HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assert!(status.contains("403"), "{status}");
    assert!(body.contains("Missing Authentication Token"), "{body}");

    let stale = "GET /v1/apps HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Amz-Date: 20200101T000000Z\r\n\
        Authorization: AWS4-HMAC-SHA256 Credential=AKIAX/20200101/us-east-1/mobiletargeting/aws4_request, \
        SignedHeaders=host;x-amz-date, Signature=00\r\n\r\n";
    let (status, body) = raw_request(&server, stale);
    assert!(status.contains("403") || status.contains("400"), "{status}");
    assert!(!body.is_empty());
}

#[tokio::test]
async fn unimplemented_operations_are_parsed_service_errors() {
    let server = TestServer::start();
    let sms = sms_voice(&server);
    // RCS agents and Notify are newer AWS features that Herald does not implement yet.
    let error = sms.describe_rcs_agents().send().await.expect_err("not implemented yet");
    let service = error.as_service_error().expect("a service error, not a transport error");
    assert!(service.is_validation_exception(), "{service:?}");
    assert!(service.message().is_some_and(|m| m.contains("DescribeRcsAgents")), "{service:?}");

    let error = sms.describe_notify_templates().send().await.expect_err("not implemented yet");
    assert_eq!(error.code(), Some("ValidationException"));

    let error =
        pinpoint(&server).get_segments().application_id("0".repeat(32)).send().await.expect_err("not implemented");
    assert_eq!(error.code(), Some("MethodNotAllowedException"), "{error:?}");
}
