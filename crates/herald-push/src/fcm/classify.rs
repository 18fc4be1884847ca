//! FCM HTTP v1 answers as delivery outcomes. Pure functions: no I/O, no clock.
//!
//! Error answers look like
//! `{"error": {"code": 404, "message": "...", "status": "NOT_FOUND", "details": [
//!   {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}}`.
//! The FCM `errorCode` decides; without one (Google omits it for some INVALID_ARGUMENT answers,
//! and proxies answer with HTML), the Google `status`, then the HTTP status code decide.

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::{DeliveryResult, DeliveryStatus};

const FCM_ERROR_TYPE: &str = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
const BAD_REQUEST_TYPE: &str = "type.googleapis.com/google.rpc.BadRequest";

/// The request field that holds the device's registration token.
const TOKEN_FIELD: &str = "message.token";

/// How much of a non-JSON error body goes into the status message.
const BODY_EXCERPT_CHARS: usize = 200;

/// The outcome for channels that only hold a legacy server key (`ApiKey`): the legacy API is
/// gone, so nothing is sent. Status code 0 because no request was made.
pub fn legacy_api_result() -> DeliveryResult {
    DeliveryResult::failed(
        DeliveryStatus::PermanentFailure,
        0,
        "The legacy FCM API (server key, ApiKey) was shut down by Google: deprecated on 20 June 2023 and \
         turned off from 22 July 2024. Update the GCM channel with a Firebase service-account key \
         (ServiceJson, DefaultAuthenticationMethod TOKEN) to send through FCM HTTP v1.",
    )
}

#[derive(Deserialize)]
struct SendResponse {
    name: String,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: GoogleError,
}

#[derive(Deserialize)]
struct GoogleError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    details: Vec<Value>,
}

impl GoogleError {
    /// The FCM-specific `errorCode` from the `FcmError` detail, if any.
    fn error_code(&self) -> Option<&str> {
        self.details
            .iter()
            .filter(|detail| detail["@type"] == FCM_ERROR_TYPE)
            .find_map(|detail| detail["errorCode"].as_str())
            .filter(|code| !code.is_empty())
    }

    /// Whether an INVALID_ARGUMENT answer is about the registration token rather than the
    /// message content. Rule: a `google.rpc.BadRequest` field violation names `message.token`,
    /// or the message speaks of the "registration token" — what FCM answers for a malformed
    /// token ("The registration token is not a valid FCM registration token"). Anything else
    /// (bad data key, TTL, payload too big) is our payload's fault and the device stays active.
    fn concerns_registration_token(&self) -> bool {
        let names_token_field = self
            .details
            .iter()
            .filter(|detail| detail["@type"] == BAD_REQUEST_TYPE)
            .filter_map(|detail| detail["fieldViolations"].as_array())
            .flatten()
            .any(|violation| violation["field"] == TOKEN_FIELD);
        names_token_field || self.message.to_ascii_lowercase().contains("registration token")
    }
}

/// Maps one answer from `messages:send` onto a delivery outcome. `retry_after` is the parsed
/// `Retry-After` header; it is kept only for outcomes worth retrying.
pub(crate) fn classify(http_status: u16, retry_after: Option<Duration>, body: &[u8]) -> DeliveryResult {
    if (200..300).contains(&http_status) {
        // A 2xx is a delivery even if the body is odd; the name is only for correlation.
        let message_id = serde_json::from_slice::<SendResponse>(body).ok().map(|response| response.name);
        return DeliveryResult::delivered(http_status, message_id);
    }

    let Ok(ErrorEnvelope { error }) = serde_json::from_slice::<ErrorEnvelope>(body) else {
        return classify_without_error_json(http_status, retry_after, body);
    };
    let code = error.error_code().unwrap_or(&error.status);
    let (status, token_invalid) = match code {
        // The app was uninstalled or the token expired.
        "UNREGISTERED" => (DeliveryStatus::PermanentFailure, true),
        "INVALID_ARGUMENT" => (DeliveryStatus::PermanentFailure, error.concerns_registration_token()),
        // The token belongs to another Firebase project: it can never work with this key.
        "SENDER_ID_MISMATCH" => (DeliveryStatus::PermanentFailure, true),
        // APNs or web push credentials in Firebase are wrong: the channel's problem, not the device's.
        "THIRD_PARTY_AUTH_ERROR" => (DeliveryStatus::PermanentFailure, false),
        "QUOTA_EXCEEDED" | "RESOURCE_EXHAUSTED" => (DeliveryStatus::Throttled, false),
        "UNAVAILABLE" | "INTERNAL" => (DeliveryStatus::TemporaryFailure, false),
        _ => (DeliveryStatus::UnknownFailure, false),
    };

    let status_message = match (code.is_empty(), error.message.is_empty()) {
        (false, false) => format!("{code}: {}", error.message),
        (false, true) => code.to_owned(),
        (true, false) => error.message.clone(),
        (true, true) => format!("HTTP {http_status}"),
    };
    let mut result = DeliveryResult::failed(status, http_status, status_message);
    result.token_invalid = token_invalid;
    if status.is_retryable() {
        result.retry_after = retry_after;
    }
    result
}

/// Answers that are not Google error JSON, typically from a load balancer or proxy.
fn classify_without_error_json(http_status: u16, retry_after: Option<Duration>, body: &[u8]) -> DeliveryResult {
    let status = match http_status {
        429 => DeliveryStatus::Throttled,
        500 | 502 | 503 | 504 => DeliveryStatus::TemporaryFailure,
        _ => DeliveryStatus::UnknownFailure,
    };
    let excerpt: String = String::from_utf8_lossy(body).chars().take(BODY_EXCERPT_CHARS).collect();
    let excerpt = excerpt.trim();
    let status_message =
        if excerpt.is_empty() { format!("HTTP {http_status}") } else { format!("HTTP {http_status}: {excerpt}") };
    let mut result = DeliveryResult::failed(status, http_status, status_message);
    if status.is_retryable() {
        result.retry_after = retry_after;
    }
    result
}

/// Whether a 401 means our access token was refused (expired or revoked early), so a new
/// token may succeed. FCM also answers 401 with THIRD_PARTY_AUTH_ERROR for broken APNs or
/// web push credentials, which a new token cannot fix.
pub(crate) fn is_refused_access_token(http_status: u16, body: &[u8]) -> bool {
    if http_status != 401 {
        return false;
    }
    match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(ErrorEnvelope { error }) => error.error_code().is_none_or(|code| code != "THIRD_PARTY_AUTH_ERROR"),
        Err(_) => true,
    }
}

/// A `Retry-After` value: delay seconds or an HTTP date (RFC 9110). Dates in the past mean
/// "now"; anything unreadable is ignored.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    let wait = at - OffsetDateTime::from(now);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fcm_error(http_status: u16, status: &str, error_code: &str, message: &str) -> Vec<u8> {
        json!({"error": {
            "code": http_status,
            "message": message,
            "status": status,
            "details": [{"@type": FCM_ERROR_TYPE, "errorCode": error_code}],
        }})
        .to_string()
        .into_bytes()
    }

    fn expected(status: DeliveryStatus, code: u16, message: &str, token_invalid: bool) -> DeliveryResult {
        let mut result = DeliveryResult::failed(status, code, message);
        result.token_invalid = token_invalid;
        result
    }

    #[test]
    fn success_carries_the_message_name() {
        let result = classify(200, None, br#"{"name": "projects/p/messages/0:1500415314455276%31bd1c96"}"#);
        assert_eq!(
            result,
            DeliveryResult::delivered(200, Some("projects/p/messages/0:1500415314455276%31bd1c96".into()))
        );
        // Odd bodies on a 200 are still deliveries.
        assert_eq!(classify(200, None, b"not json"), DeliveryResult::delivered(200, None));
    }

    #[test]
    fn unregistered_invalidates_the_token() {
        let body = fcm_error(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.");
        assert_eq!(
            classify(404, None, &body),
            expected(DeliveryStatus::PermanentFailure, 404, "UNREGISTERED: Requested entity was not found.", true)
        );
    }

    #[test]
    fn invalid_argument_about_the_token_invalidates_it() {
        let message = "The registration token is not a valid FCM registration token";
        let body = fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", message);
        assert_eq!(
            classify(400, None, &body),
            expected(DeliveryStatus::PermanentFailure, 400, &format!("INVALID_ARGUMENT: {message}"), true)
        );

        let violation = json!({"error": {"code": 400, "message": "Invalid value", "status": "INVALID_ARGUMENT",
            "details": [{"@type": BAD_REQUEST_TYPE, "fieldViolations": [{"field": "message.token", "description": "bad"}]}]}});
        assert!(classify(400, None, violation.to_string().as_bytes()).token_invalid);
    }

    #[test]
    fn invalid_argument_about_the_payload_keeps_the_token() {
        // Google's own example: no FcmError detail, only a BadRequest naming a data field.
        let body = json!({"error": {
            "code": 400,
            "message": "Invalid value at 'message.data[0].value' (TYPE_STRING), 12",
            "status": "INVALID_ARGUMENT",
            "details": [{"@type": BAD_REQUEST_TYPE, "fieldViolations": [{
                "field": "message.data[0].value",
                "description": "Invalid value at 'message.data[0].value' (TYPE_STRING), 12"}]}],
        }});
        assert_eq!(
            classify(400, None, body.to_string().as_bytes()),
            expected(
                DeliveryStatus::PermanentFailure,
                400,
                "INVALID_ARGUMENT: Invalid value at 'message.data[0].value' (TYPE_STRING), 12",
                false
            )
        );
    }

    #[test]
    fn sender_id_mismatch_invalidates_the_token() {
        let body = fcm_error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch");
        assert_eq!(
            classify(403, None, &body),
            expected(DeliveryStatus::PermanentFailure, 403, "SENDER_ID_MISMATCH: SenderId mismatch", true)
        );
    }

    #[test]
    fn third_party_auth_error_is_permanent_but_keeps_the_token() {
        let body =
            fcm_error(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", "Auth error from APNS or Web Push Service");
        assert_eq!(
            classify(401, Some(Duration::from_secs(5)), &body),
            expected(
                DeliveryStatus::PermanentFailure,
                401,
                "THIRD_PARTY_AUTH_ERROR: Auth error from APNS or Web Push Service",
                false
            )
        );
        assert!(!is_refused_access_token(401, &body));
    }

    #[test]
    fn quota_exceeded_is_throttled_with_retry_after() {
        let body = fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded.");
        let mut want = expected(DeliveryStatus::Throttled, 429, "QUOTA_EXCEEDED: Quota exceeded.", false);
        want.retry_after = Some(Duration::from_secs(30));
        assert_eq!(classify(429, Some(Duration::from_secs(30)), &body), want);
    }

    #[test]
    fn unavailable_and_internal_are_temporary() {
        let body = fcm_error(503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable.");
        let mut want = expected(
            DeliveryStatus::TemporaryFailure,
            503,
            "UNAVAILABLE: The service is currently unavailable.",
            false,
        );
        want.retry_after = Some(Duration::from_secs(10));
        assert_eq!(classify(503, Some(Duration::from_secs(10)), &body), want);

        let body = fcm_error(500, "INTERNAL", "INTERNAL", "Internal error encountered.");
        assert_eq!(
            classify(500, None, &body),
            expected(DeliveryStatus::TemporaryFailure, 500, "INTERNAL: Internal error encountered.", false)
        );
    }

    #[test]
    fn other_errors_are_unknown_and_drop_retry_after() {
        let body = fcm_error(400, "FAILED_PRECONDITION", "UNSPECIFIED_ERROR", "Something");
        assert_eq!(
            classify(400, Some(Duration::from_secs(3)), &body),
            expected(DeliveryStatus::UnknownFailure, 400, "UNSPECIFIED_ERROR: Something", false)
        );
        // A project the service account cannot send for: no FcmError detail, the status names it.
        let denied = json!({"error": {"code": 403, "message": "Permission denied", "status": "PERMISSION_DENIED"}});
        assert_eq!(
            classify(403, None, denied.to_string().as_bytes()),
            expected(DeliveryStatus::UnknownFailure, 403, "PERMISSION_DENIED: Permission denied", false)
        );
    }

    #[test]
    fn answers_without_error_json_fall_back_to_the_http_status() {
        let mut want = expected(DeliveryStatus::TemporaryFailure, 502, "HTTP 502: <html>Bad Gateway</html>", false);
        want.retry_after = Some(Duration::from_secs(1));
        assert_eq!(classify(502, Some(Duration::from_secs(1)), b"<html>Bad Gateway</html>\n"), want);
        assert_eq!(classify(429, None, b"").status, DeliveryStatus::Throttled);
        assert_eq!(classify(418, None, b""), expected(DeliveryStatus::UnknownFailure, 418, "HTTP 418", false));
        let long = "x".repeat(1000);
        assert_eq!(classify(400, None, long.as_bytes()).status_message.len(), "HTTP 400: ".len() + BODY_EXCERPT_CHARS);
    }

    #[test]
    fn only_unauthenticated_401s_ask_for_a_new_token() {
        let expired = json!({"error": {"code": 401, "message": "Request had invalid authentication credentials.",
            "status": "UNAUTHENTICATED"}});
        assert!(is_refused_access_token(401, expired.to_string().as_bytes()));
        assert!(is_refused_access_token(401, b""));
        assert!(!is_refused_access_token(403, expired.to_string().as_bytes()));
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = SystemTime::from(time::macros::datetime!(2026-03-01 12:00:00 UTC));
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Sun, 01 Mar 2026 12:01:30 GMT", now), Some(Duration::from_secs(90)));
        assert_eq!(parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn legacy_api_result_explains_the_shutdown() {
        let result = legacy_api_result();
        assert_eq!(result.status, DeliveryStatus::PermanentFailure);
        assert_eq!(result.status_code, 0);
        assert!(!result.token_invalid);
        assert!(result.status_message.contains("shut down by Google"), "{}", result.status_message);
        assert!(result.status_message.contains("ServiceJson"), "{}", result.status_message);
    }
}
