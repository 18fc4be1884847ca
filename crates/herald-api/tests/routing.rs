//! Every operation of both models routes to itself and answers a well-formed AWS error when
//! the service does not implement it: no 404 page, no panic, no empty body.

use herald_api::{pinpoint, sms_voice_v2};
use herald_proto::rest::{RestRequest, match_route, parse_query};
use herald_proto::{Protocol, RequestContext};

/// A service that implements nothing: every method keeps its default.
struct Nothing;
impl pinpoint::operations::PinpointApi for Nothing {}
impl sms_voice_v2::operations::SmsVoiceV2Api for Nothing {}

fn ctx() -> RequestContext {
    RequestContext {
        request_id: "test".into(),
        account_id: "123456789012".into(),
        access_key_id: "AKIATEST".into(),
        region: "us-east-1".into(),
        source_ip: None,
        user_agent: None,
    }
}

/// A concrete path for a URI template: each label becomes a value with characters that must
/// survive percent-encoding.
fn sample_path(template: &str) -> String {
    template
        .split('/')
        .map(|segment| if segment.starts_with('{') { "a%20b%2Fc".to_string() } else { segment.to_string() })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn models_have_every_operation() {
    assert_eq!(pinpoint::operations::Operation::ALL.len(), 122);
    assert_eq!(pinpoint::operations::ROUTES.len(), 122);
    assert_eq!(sms_voice_v2::operations::Operation::ALL.len(), 110);
}

#[tokio::test]
async fn every_pinpoint_route_resolves_and_answers_an_aws_error() {
    let headers = http::HeaderMap::new();
    for route in pinpoint::operations::ROUTES {
        let path = sample_path(route.template);
        let matched = match_route(pinpoint::operations::ROUTES, route.method, &path)
            .unwrap_or_else(|e| panic!("{} {path} did not route: {e:?}", route.method));
        assert_eq!(matched.operation, route.operation, "{} {path}", route.method);
        for (_, value) in &matched.labels {
            assert_eq!(value, "a b/c", "labels are percent-decoded");
        }

        let query = parse_query(None);
        let request =
            RestRequest { labels: &matched.labels, query: &query, headers: &headers, body: b"{}", decoded_input: None };
        let error = pinpoint::operations::dispatch(&Nothing, &ctx(), matched.operation, &request)
            .await
            .expect_err("nothing is implemented");
        assert!(
            matches!(error.code(), "MethodNotAllowedException" | "BadRequestException"),
            "{}: {error}",
            route.operation.name()
        );
        let rendered = error.render(Protocol::RestJson, "test");
        assert!((400..500).contains(&rendered.status), "{}: {}", route.operation.name(), rendered.status);
        assert!(!rendered.body.is_empty());
    }
}

#[tokio::test]
async fn every_sms_voice_v2_operation_answers_an_aws_error() {
    use sms_voice_v2::operations::{Operation, TARGET_PREFIX, dispatch};
    for &operation in Operation::ALL {
        let target = format!("{TARGET_PREFIX}.{}", operation.name());
        let parsed = target.strip_prefix("PinpointSMSVoiceV2.").and_then(Operation::from_name);
        assert_eq!(parsed, Some(operation));
        let error = dispatch(&Nothing, &ctx(), operation, b"{}").await.expect_err("nothing is implemented");
        assert_eq!(error.code(), "ValidationException", "{}: {error}", operation.name());
        let rendered = error.render(Protocol::AwsJson, "test");
        assert_eq!(rendered.status, 400);
        let body: serde_json::Value = serde_json::from_slice(&rendered.body).expect("JSON error body");
        assert_eq!(body["__type"], "ValidationException");
        assert!(body["Reason"] == "UNKNOWN_OPERATION" || body["Reason"] == "MISSING_PARAMETER", "{body}");
    }
}
