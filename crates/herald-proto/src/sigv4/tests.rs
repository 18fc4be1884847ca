//! End-to-end checks: requests are signed by the real `aws-sigv4` crate (the
//! signer inside aws-sdk-rust) or were captured from botocore, then verified
//! with this module.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::{HeaderMap, HeaderName, HeaderValue};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::*;

const AKID: &str = "AKIDHERALDEXAMPLE";
const SECRET: &str = "herald/Secret+KeyEXAMPLE";
const HOST: &str = "localhost:4566";
const PINPOINT: &str = "mobiletargeting";
const SMS_VOICE: &str = "sms-voice";
const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

fn signed_at() -> OffsetDateTime {
    datetime!(2024-05-06 07:08:09 UTC)
}

/// A request to sign, described the way an SDK would build it.
struct Case {
    method: &'static str,
    path_and_query: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    service: &'static str,
    region: &'static str,
    session_token: Option<&'static str>,
    settings: SigningSettings,
    unsigned_payload: bool,
    time: OffsetDateTime,
}

impl Case {
    fn get(service: &'static str, path_and_query: &str) -> Self {
        Self {
            method: "GET",
            path_and_query: path_and_query.to_owned(),
            headers: vec![("x-amz-user-agent", "aws-sdk-rust/1.0 api/test".to_owned())],
            body: Vec::new(),
            service,
            region: "us-east-1",
            session_token: None,
            settings: SigningSettings::default(),
            unsigned_payload: false,
            time: signed_at(),
        }
    }

    /// An awsJson1_0 call, as aws-sdk-rust sends SMS Voice v2 operations.
    fn json_rpc(target: &str, body: &str) -> Self {
        Self {
            method: "POST",
            path_and_query: "/".to_owned(),
            headers: vec![
                ("content-type", "application/x-amz-json-1.0".to_owned()),
                ("content-length", body.len().to_string()),
                ("x-amz-target", target.to_owned()),
                ("x-amz-user-agent", "aws-sdk-rust/1.0 api/test".to_owned()),
            ],
            body: body.as_bytes().to_vec(),
            service: SMS_VOICE,
            region: "us-east-1",
            session_token: None,
            settings: SigningSettings::default(),
            unsigned_payload: false,
            time: signed_at(),
        }
    }

    /// A restJson1 call with a body, as aws-sdk-rust sends Pinpoint operations.
    fn rest_json(method: &'static str, path_and_query: &str, body: &str) -> Self {
        Self {
            method,
            path_and_query: path_and_query.to_owned(),
            headers: vec![
                ("content-type", "application/json".to_owned()),
                ("content-length", body.len().to_string()),
                ("x-amz-user-agent", "aws-sdk-rust/1.0 api/test".to_owned()),
            ],
            body: body.as_bytes().to_vec(),
            service: PINPOINT,
            region: "us-east-1",
            session_token: None,
            settings: SigningSettings::default(),
            unsigned_payload: false,
            time: signed_at(),
        }
    }

    /// Signs with aws-sigv4 and returns the request as the server receives it.
    fn sign(&self) -> Wire {
        let identity: Identity =
            Credentials::new(AKID, SECRET, self.session_token.map(str::to_owned), None, "herald-test").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(self.region)
            .name(self.service)
            .time(SystemTime::from(self.time))
            .settings(self.settings.clone())
            .build()
            .expect("complete signing params")
            .into();
        let body = if self.unsigned_payload { SignableBody::UnsignedPayload } else { SignableBody::Bytes(&self.body) };
        let url = format!("http://{HOST}{}", self.path_and_query);
        let signable = SignableRequest::new(
            self.method,
            url,
            self.headers.iter().map(|(name, value)| (*name, value.as_str())),
            body,
        )
        .expect("signable request");
        let (instructions, _signature) = sign(signable, &params).expect("aws-sigv4 signs").into_parts();

        let mut headers = HeaderMap::new();
        // aws-sigv4 signs the host from the URL; the HTTP client then sends it.
        headers.insert(http::header::HOST, HeaderValue::from_static(HOST));
        for (name, value) in &self.headers {
            headers.append(*name, HeaderValue::from_str(value).expect("test header"));
        }
        for (name, value) in instructions.headers() {
            headers.insert(
                HeaderName::from_bytes(name.as_bytes()).expect("signing header name"),
                HeaderValue::from_str(value).expect("signing header value"),
            );
        }
        Wire::new(self.method, &self.path_and_query, headers, self.body.clone())
    }
}

/// A request as the server sees it.
#[derive(Clone)]
struct Wire {
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Wire {
    fn new(method: &str, path_and_query: &str, headers: HeaderMap, body: Vec<u8>) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (path_and_query.to_owned(), None),
        };
        Self { method: method.to_owned(), path, query, headers, body }
    }

    fn request(&self) -> SignedRequest<'_> {
        SignedRequest {
            method: &self.method,
            raw_path: &self.path,
            raw_query: self.query.as_deref(),
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn check(&self, service: &str, now: OffsetDateTime) -> Result<ParsedSignature, AuthError> {
        self.check_with(SECRET, service, now)
    }

    fn check_with(&self, secret: &str, service: &str, now: OffsetDateTime) -> Result<ParsedSignature, AuthError> {
        let req = self.request();
        let parsed = parse(&req)?;
        verify(&req, &parsed, secret, service, now)?;
        Ok(parsed)
    }

    fn set_header(&mut self, name: &'static str, value: &str) {
        self.headers.insert(name, HeaderValue::from_str(value).expect("test header"));
    }

    fn authorization(&self) -> String {
        self.headers
            .get(http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .expect("signed request has Authorization")
            .to_owned()
    }
}

fn assert_ok(wire: &Wire, service: &str) -> ParsedSignature {
    match wire.check(service, signed_at()) {
        Ok(parsed) => parsed,
        Err(err) => panic!("expected a valid signature for {service}, got {err}"),
    }
}

fn assert_code(result: Result<ParsedSignature, AuthError>, code: &str, status: u16) -> AuthError {
    match result {
        Ok(parsed) => panic!("expected {code}, but the request verified: {parsed:?}"),
        Err(err) => {
            assert_eq!((err.code, err.status), (code, status), "{err}");
            err
        }
    }
}

// ---- Requests that must verify -------------------------------------------

#[test]
fn sms_voice_json_rpc_post() {
    let wire = Case::json_rpc(
        "PinpointSMSVoiceV2.SendTextMessage",
        r#"{"DestinationPhoneNumber":"+12065550100","MessageBody":"hello"}"#,
    )
    .sign();
    let parsed = assert_ok(&wire, SMS_VOICE);
    assert_eq!(parsed.access_key_id, AKID);
    assert_eq!(parsed.service, SMS_VOICE);
    assert_eq!(parsed.region, "us-east-1");
    assert_eq!(parsed.date, "20240506");
    assert_eq!(parsed.amz_date, signed_at());
    assert_eq!(
        parsed.signed_headers,
        ["content-length", "content-type", "host", "x-amz-date", "x-amz-target", "x-amz-user-agent"]
    );
    assert_eq!(parsed.session_token, None);
}

#[test]
fn pinpoint_rest_json_post() {
    let wire = Case::rest_json("POST", "/v1/apps", r#"{"CreateApplicationRequest":{"Name":"herald"}}"#).sign();
    assert_ok(&wire, PINPOINT);
}

#[test]
fn pinpoint_get_with_query() {
    let wire = Case::get(PINPOINT, "/v1/apps?page-size=5&token=abc").sign();
    assert_ok(&wire, PINPOINT);
}

#[test]
fn path_with_encoded_arn() {
    let wire =
        Case::get(PINPOINT, "/v1/tags/arn%3Aaws%3Amobiletargeting%3Aus-east-1%3A123456789012%3Aapps%2Fabc").sign();
    assert_ok(&wire, PINPOINT);
}

#[test]
fn template_name_with_space_plus_and_non_ascii() {
    let wire = Case::get(PINPOINT, "/v1/templates/My%20Template%2B%C3%A9/push").sign();
    assert_ok(&wire, PINPOINT);
    let wire = Case::rest_json(
        "PUT",
        "/v1/templates/My%20Template%2B%C3%A9/push?version=2&create-new-version=true",
        r#"{"PushNotificationTemplateRequest":{"Default":{"Body":"é"}}}"#,
    )
    .sign();
    assert_ok(&wire, PINPOINT);
}

#[test]
fn query_values_with_reserved_characters_and_repeated_keys() {
    let wire =
        Case::get(PINPOINT, "/v1/apps?b=x%20y&a=1%2B2&a=0&eq=a%3Db&slash=a%2Fb&tilde=~&empty=&flag&z=%C3%A9").sign();
    assert_ok(&wire, PINPOINT);
}

#[test]
fn literal_plus_in_query_is_signed_as_a_space() {
    // aws-sigv4 form-decodes the query before re-encoding, so a raw '+'
    // signs as "%20", not "%2B".
    let wire = Case::get(PINPOINT, "/v1/apps?token=a+b&x=%2B").sign();
    assert_ok(&wire, PINPOINT);
    assert_eq!(canonical::canonical_query(wire.query.as_deref()), "token=a%20b&x=%2B");
}

#[test]
fn path_dot_and_empty_segments_are_normalised() {
    let wire = Case::get(PINPOINT, "/v1/apps/./x//y/../z").sign();
    assert_ok(&wire, PINPOINT);
}

#[test]
fn header_spaces_and_repeated_headers() {
    let mut case = Case::json_rpc("PinpointSMSVoiceV2.DescribePools", "{}");
    case.headers.push(("x-custom", "  several   spaces  here ".to_owned()));
    case.headers.push(("x-custom", "second value".to_owned()));
    let wire = case.sign();
    assert_ok(&wire, SMS_VOICE);
}

#[test]
fn unsigned_payload() {
    let mut case = Case::rest_json("POST", "/v1/apps", r#"{"a":1}"#);
    case.unsigned_payload = true;
    // Without this setting aws-sigv4 signs UNSIGNED-PAYLOAD but does not
    // send the header that tells the server so.
    case.settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let mut wire = case.sign();
    assert_eq!(wire.headers.get("x-amz-content-sha256").map(HeaderValue::as_bytes), Some(UNSIGNED_PAYLOAD.as_bytes()));
    assert_ok(&wire, PINPOINT);
    // The body is deliberately not covered, so changing it is allowed.
    wire.body = br#"{"a":2}"#.to_vec();
    assert_ok(&wire, PINPOINT);
}

#[test]
fn declared_payload_hash() {
    let mut case = Case::json_rpc("PinpointSMSVoiceV2.DescribePools", r#"{"MaxResults":5}"#);
    case.settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let wire = case.sign();
    assert!(wire.headers.contains_key("x-amz-content-sha256"));
    assert_ok(&wire, SMS_VOICE);
}

#[test]
fn session_token_is_recorded_and_signed() {
    let mut case = Case::json_rpc("PinpointSMSVoiceV2.DescribePools", "{}");
    case.session_token = Some("FwoGZXIvYXdzEXAMPLE/token+==");
    let mut wire = case.sign();
    let parsed = assert_ok(&wire, SMS_VOICE);
    assert_eq!(parsed.session_token.as_deref(), Some("FwoGZXIvYXdzEXAMPLE/token+=="));
    assert!(parsed.signed_headers.contains(&"x-amz-security-token".to_owned()));
    assert!(!format!("{parsed:?}").contains("FwoGZXIvYXdz"));

    wire.set_header("x-amz-security-token", "another-token");
    assert_code(wire.check(SMS_VOICE, signed_at()), "InvalidSignatureException", 403);
}

#[test]
fn odd_regions_for_both_services() {
    for region in ["eu-central-2", "local", "herald"] {
        let mut case = Case::json_rpc("PinpointSMSVoiceV2.DescribePools", "{}");
        case.region = region;
        let parsed = assert_ok(&case.sign(), SMS_VOICE);
        assert_eq!(parsed.region, region);

        let mut case = Case::get(PINPOINT, "/v1/apps?page-size=5");
        case.region = region;
        let parsed = assert_ok(&case.sign(), PINPOINT);
        assert_eq!(parsed.region, region);
    }
}

#[test]
fn date_header_fallback() {
    // aws-sigv4 always adds x-amz-date, so exclude it from signing, sign the
    // same instant as an RFC 1123 `Date` header, and drop x-amz-date.
    let mut case = Case::get(PINPOINT, "/v1/apps");
    case.headers.push(("date", "Mon, 06 May 2024 07:08:09 GMT".to_owned()));
    let mut excluded = case.settings.excluded_headers.clone().unwrap_or_default();
    excluded.push("x-amz-date".into());
    case.settings.excluded_headers = Some(excluded);
    let mut wire = case.sign();
    wire.headers.remove("x-amz-date");
    let parsed = assert_ok(&wire, PINPOINT);
    assert_eq!(parsed.date_header, "date");
    assert_eq!(parsed.amz_date, signed_at());
}

#[test]
fn clock_skew_within_15_minutes_is_accepted() {
    for minutes in [-15, -14, 14, 15] {
        let mut case = Case::get(PINPOINT, "/v1/apps");
        case.time = signed_at() + Duration::minutes(minutes);
        let wire = case.sign();
        if let Err(err) = wire.check(PINPOINT, signed_at()) {
            panic!("{minutes} minutes of skew should pass: {err}");
        }
    }
}

/// A request captured from botocore 1.43.11 (boto3's signer) with the clock
/// fixed at 2024-05-06T07:08:09Z, credentials AKIDBOTO / `boto/Secret+Key`
/// and session token `TOKEN/boto==`.
struct BotoRequest {
    method: &'static str,
    path_and_query: &'static str,
    body: &'static str,
    headers: &'static [(&'static str, &'static str)],
    service: &'static str,
    region: &'static str,
}

const BOTO_REQUESTS: [BotoRequest; 4] = [
    BotoRequest {
        method: "POST",
        path_and_query: "/",
        body: r#"{"MaxResults": 5}"#,
        headers: &[
            ("x-amz-target", "PinpointSMSVoiceV2.DescribePhoneNumbers"),
            ("content-type", "application/x-amz-json-1.0"),
            ("content-length", "17"),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDBOTO/20240506/eu-central-2/sms-voice/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=0b5c4a27cddec8da4245054d6d4bc9217214ccc21de443e05a963382d2a4edd4",
            ),
        ],
        service: SMS_VOICE,
        region: "eu-central-2",
    },
    BotoRequest {
        method: "GET",
        path_and_query: "/v1/apps?page-size=5&token=a%20b%2Bc%2Fd%3De",
        body: "",
        headers: &[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDBOTO/20240506/us-east-1/mobiletargeting/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=da8c582f05a6de74c32581e006cf0dc0d4bfbf2b7c64e8f8dfc831db69f9da12",
        )],
        service: PINPOINT,
        region: "us-east-1",
    },
    BotoRequest {
        method: "GET",
        path_and_query: "/v1/tags/arn%3Aaws%3Amobiletargeting%3Aus-east-1%3A123456789012%3Aapps%2Fabc",
        body: "",
        headers: &[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDBOTO/20240506/local/mobiletargeting/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=18330c9d57f7c8a6384f46ee97e3800c2e0528c18c78686e5fbc79cbfc5c0161",
        )],
        service: PINPOINT,
        region: "local",
    },
    BotoRequest {
        method: "GET",
        path_and_query: "/v1/templates/My%20Template%2B%C3%A9/push",
        body: "",
        headers: &[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDBOTO/20240506/herald/mobiletargeting/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=ab59fb989f81fecccb827beddfaaf600a07b6e9530668fe1528b1fb04ad20b79",
        )],
        service: PINPOINT,
        region: "herald",
    },
];

#[test]
fn botocore_signed_requests() {
    for boto in &BOTO_REQUESTS {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static(HOST));
        headers.insert("x-amz-date", HeaderValue::from_static("20240506T070809Z"));
        headers.insert("x-amz-security-token", HeaderValue::from_static("TOKEN/boto=="));
        headers.insert("user-agent", HeaderValue::from_static("Botocore/1.43.11"));
        for (name, value) in boto.headers {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        let wire = Wire::new(boto.method, boto.path_and_query, headers, boto.body.as_bytes().to_vec());
        let parsed = match wire.check_with("boto/Secret+Key", boto.service, signed_at()) {
            Ok(parsed) => parsed,
            Err(err) => panic!("botocore request {} failed: {err}", boto.path_and_query),
        };
        assert_eq!(parsed.region, boto.region);
        assert_eq!(parsed.session_token.as_deref(), Some("TOKEN/boto=="));
        assert_code(wire.check_with("boto/Secret+KeY", boto.service, signed_at()), "InvalidSignatureException", 403);
    }
}

// ---- Requests that must be refused -----------------------------------------

fn sms_wire() -> Wire {
    Case::json_rpc(
        "PinpointSMSVoiceV2.SendTextMessage",
        r#"{"DestinationPhoneNumber":"+12065550100","MessageBody":"hello"}"#,
    )
    .sign()
}

#[test]
fn wrong_secret() {
    let err =
        assert_code(sms_wire().check_with("not-the-secret", SMS_VOICE, signed_at()), "InvalidSignatureException", 403);
    assert_eq!(err.message, SIGNATURE_MISMATCH);
}

#[test]
fn tampered_body() {
    let mut wire = sms_wire();
    wire.body = br#"{"DestinationPhoneNumber":"+12065550199","MessageBody":"hello"}"#.to_vec();
    let err = assert_code(wire.check(SMS_VOICE, signed_at()), "InvalidSignatureException", 403);
    assert_eq!(err.message, SIGNATURE_MISMATCH);
}

#[test]
fn tampered_path() {
    let mut wire = Case::get(PINPOINT, "/v1/apps/abc").sign();
    wire.path = "/v1/apps/abd".to_owned();
    assert_code(wire.check(PINPOINT, signed_at()), "InvalidSignatureException", 403);
    // Same bytes once decoded, but the encoded form is what gets signed.
    let mut wire = Case::get(PINPOINT, "/v1/apps/a%3Ab").sign();
    wire.path = "/v1/apps/a:b".to_owned();
    assert_code(wire.check(PINPOINT, signed_at()), "InvalidSignatureException", 403);
}

#[test]
fn tampered_query() {
    let original = Case::get(PINPOINT, "/v1/apps?page-size=5&token=abc").sign();
    for query in [Some("page-size=500&token=abc"), Some("page-size=5"), Some("page-size=5&token=abc&extra=1"), None] {
        let mut wire = original.clone();
        wire.query = query.map(str::to_owned);
        assert_code(wire.check(PINPOINT, signed_at()), "InvalidSignatureException", 403);
    }
    // Reordering is not tampering: the canonical query is sorted.
    let mut wire = original.clone();
    wire.query = Some("token=abc&page-size=5".to_owned());
    assert_ok(&wire, PINPOINT);
}

#[test]
fn changed_signed_header_value() {
    let mut wire = sms_wire();
    wire.set_header("x-amz-target", "PinpointSMSVoiceV2.DeletePool");
    assert_code(wire.check(SMS_VOICE, signed_at()), "InvalidSignatureException", 403);
    // Unsigned headers may change freely.
    let mut wire = sms_wire();
    wire.set_header("user-agent", "something else");
    assert_ok(&wire, SMS_VOICE);
}

#[test]
fn signed_header_missing_from_request() {
    let mut wire = sms_wire();
    wire.headers.remove("x-amz-target");
    assert_code(wire.check(SMS_VOICE, signed_at()), "InvalidSignatureException", 403);
}

#[test]
fn host_must_be_signed() {
    let mut case = Case::get(PINPOINT, "/v1/apps");
    let mut excluded = case.settings.excluded_headers.clone().unwrap_or_default();
    excluded.push("host".into());
    case.settings.excluded_headers = Some(excluded);
    let err = assert_code(case.sign().check(PINPOINT, signed_at()), "InvalidSignatureException", 403);
    assert!(err.message.contains("'Host'"), "{err}");
}

#[test]
fn missing_authorization() {
    let mut wire = sms_wire();
    wire.headers.remove(http::header::AUTHORIZATION);
    let err = assert_code(wire.check(SMS_VOICE, signed_at()), "MissingAuthenticationTokenException", 403);
    assert_eq!(err.message, "Missing Authentication Token");
}

#[test]
fn malformed_authorization() {
    let wire = sms_wire();
    let good = wire.authorization();
    let signature_part =
        good.split(", ").find(|part| part.starts_with("Signature=")).expect("has signature").to_owned();
    for bad in [
        "Basic dXNlcjpwYXNz".to_owned(),
        "AWS4-HMAC-SHA256".to_owned(),
        good.replace(", Signature=", ", Sig="),
        good.replace("SignedHeaders=", "SignedHeaders"),
        good.replace("/us-east-1/", "/"),
        format!("AWS4-HMAC-SHA256 {signature_part}"),
    ] {
        let mut wire = wire.clone();
        wire.set_header("authorization", &bad);
        assert_code(wire.check(SMS_VOICE, signed_at()), "IncompleteSignatureException", 400);
    }
    let mut wire = wire.clone();
    wire.set_header("authorization", "AWS4-HMAC-SHA256 SignedHeaders=host");
    let err = assert_code(wire.check(SMS_VOICE, signed_at()), "IncompleteSignatureException", 400);
    assert!(err.message.starts_with("Authorization header requires 'Credential' parameter."), "{err}");
}

#[test]
fn signature_that_is_not_hex() {
    let mut wire = sms_wire();
    let auth = wire.authorization();
    let (head, _) = auth.split_once("Signature=").expect("has signature");
    wire.set_header("authorization", &format!("{head}Signature=zz"));
    assert_code(wire.check(SMS_VOICE, signed_at()), "InvalidSignatureException", 403);
}

#[test]
fn wrong_service_scope() {
    let err = assert_code(sms_wire().check(PINPOINT, signed_at()), "InvalidSignatureException", 403);
    assert_eq!(err.message, "Credential should be scoped to correct service: 'mobiletargeting'.");
    let wire = Case::get(PINPOINT, "/v1/apps").sign();
    let err = assert_code(wire.check(SMS_VOICE, signed_at()), "InvalidSignatureException", 403);
    assert_eq!(err.message, "Credential should be scoped to correct service: 'sms-voice'.");
}

#[test]
fn wrong_scope_terminator() {
    let mut wire = sms_wire();
    let auth = wire.authorization().replace("/aws4_request", "/aws5_request");
    wire.set_header("authorization", &auth);
    let err = assert_code(wire.check(SMS_VOICE, signed_at()), "InvalidSignatureException", 403);
    assert_eq!(err.message, "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.");
}

#[test]
fn scope_date_differs_from_request_date() {
    let mut wire = sms_wire();
    wire.set_header("x-amz-date", "20240507T070809Z");
    let err = assert_code(wire.check(SMS_VOICE, datetime!(2024-05-07 07:08:09 UTC)), "InvalidSignatureException", 403);
    assert!(err.message.starts_with("Date in Credential scope"), "{err}");
}

#[test]
fn changed_request_time_within_the_same_day() {
    let mut wire = sms_wire();
    wire.set_header("x-amz-date", "20240506T070810Z");
    let err = assert_code(wire.check(SMS_VOICE, signed_at()), "InvalidSignatureException", 403);
    assert_eq!(err.message, SIGNATURE_MISMATCH);
}

#[test]
fn missing_or_unparseable_date() {
    let mut wire = sms_wire();
    wire.headers.remove("x-amz-date");
    let err = assert_code(wire.check(SMS_VOICE, signed_at()), "IncompleteSignatureException", 400);
    assert!(err.message.contains("'X-Amz-Date' or a 'Date' header"), "{err}");

    let mut wire = sms_wire();
    wire.set_header("x-amz-date", "2024-05-06T07:08:09Z");
    assert_code(wire.check(SMS_VOICE, signed_at()), "IncompleteSignatureException", 400);
}

#[test]
fn signature_expired_after_16_minutes() {
    let wire = sms_wire();
    let now = signed_at() + Duration::minutes(16);
    let err = assert_code(wire.check(SMS_VOICE, now), "InvalidSignatureException", 403);
    assert_eq!(
        err.message,
        "Signature expired: 20240506T070809Z is now earlier than 20240506T070909Z (20240506T072409Z - 15 min.)"
    );
}

#[test]
fn signature_not_yet_current_16_minutes_early() {
    let wire = sms_wire();
    let now = signed_at() - Duration::minutes(16);
    let err = assert_code(wire.check(SMS_VOICE, now), "InvalidSignatureException", 403);
    assert_eq!(
        err.message,
        "Signature not yet current: 20240506T070809Z is still later than 20240506T070709Z (20240506T065209Z + 15 min.)"
    );
}

#[test]
fn wrong_content_sha256() {
    let mut case = Case::json_rpc("PinpointSMSVoiceV2.DescribePools", r#"{"MaxResults":5}"#);
    case.settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let signed = case.sign();

    let mut wire = signed.clone();
    wire.body = br#"{"MaxResults":6}"#.to_vec();
    let err = assert_code(wire.check(SMS_VOICE, signed_at()), "XAmzContentSHA256Mismatch", 400);
    assert_eq!(err.message, "The provided 'x-amz-content-sha256' header does not match what was computed.");

    let mut wire = signed.clone();
    wire.set_header("x-amz-content-sha256", "not-a-hash");
    assert_code(wire.check(SMS_VOICE, signed_at()), "XAmzContentSHA256Mismatch", 400);
}

#[test]
fn lookup_failure_constructors() {
    for err in [AuthError::unknown_access_key(), AuthError::invalid_session_token()] {
        assert_eq!(err.code, "UnrecognizedClientException");
        assert_eq!(err.status, 403);
        assert_eq!(err.message, "The security token included in the request is invalid.");
        assert!(err.to_string().contains("UnrecognizedClientException"));
    }
}

/// Hostile input must produce an error, never a panic.
#[test]
fn garbage_never_panics() {
    let base = sms_wire();
    let auth = base.authorization();
    let header_values: [&[u8]; 6] = [
        b"",
        b"AWS4-HMAC-SHA256 ,,,,",
        b"AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;, Signature=",
        b"AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=\xff, Signature=00",
        b"AWS4-HMAC-SHA256 Credential=\xc3\xa9/b/c/d/aws4_request, SignedHeaders=host, Signature=0",
        auth.as_bytes(),
    ];
    let paths = ["", "%", "/%zz/%", "/../..", "//", "/\u{e9}", "*"];
    let queries = [None, Some("&&=&=="), Some("%"), Some("a=%e9%zz+")];
    let dates: [&[u8]; 4] = [b"", b"\xff\xfe", b"99999999T999999Z", b"00000101T000000Z"];
    for header in header_values {
        for path in paths {
            for query in queries {
                for amz_date in dates {
                    let mut wire = base.clone();
                    wire.path = path.to_owned();
                    wire.query = query.map(str::to_owned);
                    wire.headers
                        .insert(http::header::AUTHORIZATION, HeaderValue::from_bytes(header).expect("header bytes"));
                    wire.headers.insert("x-amz-date", HeaderValue::from_bytes(amz_date).expect("header bytes"));
                    let req = wire.request();
                    if let Ok(parsed) = parse(&req) {
                        for now in [signed_at(), OffsetDateTime::UNIX_EPOCH] {
                            let _ = verify(&req, &parsed, SECRET, SMS_VOICE, now);
                        }
                    }
                }
            }
        }
    }
}
