//! What an APNs answer means for the notification: one pure function from Apple's status,
//! `reason` body and headers to a `DeliveryResult`.
//!
//! Reasons and statuses are the ones in Apple's "Handling notification responses from APNs".

use std::time::Duration;

use http::HeaderMap;

use crate::{DeliveryResult, DeliveryStatus};

/// The 403 reason after which the client makes a new provider token and tries once more.
pub(crate) const EXPIRED_PROVIDER_TOKEN: &str = "ExpiredProviderToken";

/// Maps one APNs answer onto Pinpoint's delivery outcome.
///
/// `body` is the response body (`{"reason": "..."}` on errors, empty on success); `headers` are
/// the response headers (`apns-id`, and `retry-after` should APNs ever send one).
pub fn classify(status: u16, body: &[u8], headers: &HeaderMap) -> DeliveryResult {
    let apns_id = header(headers, "apns-id");
    if status == 200 {
        return DeliveryResult::delivered(200, apns_id);
    }

    let reason = reason(body);
    let (delivery_status, token_invalid) = match (status, reason.as_deref()) {
        // The token will never work again: its endpoints become inactive.
        (400, Some("BadDeviceToken" | "DeviceTokenNotForTopic")) => (DeliveryStatus::PermanentFailure, true),
        (410, _) => (DeliveryStatus::PermanentFailure, true),
        // The request or the credentials are wrong; sending it again changes nothing.
        (400 | 403 | 413, _) => (DeliveryStatus::PermanentFailure, false),
        (429, _) => (DeliveryStatus::Throttled, false),
        (500 | 503, _) => (DeliveryStatus::TemporaryFailure, false),
        _ => (DeliveryStatus::UnknownFailure, false),
    };

    let message = reason.unwrap_or_else(|| format!("APNs answered HTTP {status} without a reason"));
    let mut result = DeliveryResult::failed(delivery_status, status, message);
    result.message_id = apns_id;
    result.token_invalid = token_invalid;
    result.retry_after =
        header(headers, "retry-after").and_then(|seconds| seconds.trim().parse().ok()).map(Duration::from_secs);
    result
}

/// Apple's `reason` from an error body, if the body is the documented JSON object.
pub(crate) fn reason(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        reason: String,
    }
    serde_json::from_slice::<ErrorBody>(body).ok().map(|body| body.reason).filter(|reason| !reason.is_empty())
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn answer(status: u16, reason: &str) -> DeliveryResult {
        classify(status, format!(r#"{{"reason":"{reason}"}}"#).as_bytes(), &HeaderMap::new())
    }

    fn assert_outcome(result: &DeliveryResult, status: DeliveryStatus, code: u16, reason: &str, token_invalid: bool) {
        assert_eq!(result.status, status, "{result:?}");
        assert_eq!(result.status_code, code, "{result:?}");
        assert_eq!(result.status_message, reason, "{result:?}");
        assert_eq!(result.token_invalid, token_invalid, "{result:?}");
    }

    #[test]
    fn success_carries_the_apns_id() {
        let mut headers = HeaderMap::new();
        headers.insert("apns-id", HeaderValue::from_static("eabeae54-14a8-11e5-b60b-1697f925ec7b"));
        let result = classify(200, b"", &headers);
        assert_eq!(result.status, DeliveryStatus::Successful);
        assert_eq!(result.status_code, 200);
        assert_eq!(result.message_id.as_deref(), Some("eabeae54-14a8-11e5-b60b-1697f925ec7b"));
        assert!(!result.token_invalid);
    }

    #[test]
    fn dead_tokens_are_permanent_and_invalid() {
        for (status, reason) in
            [(400, "BadDeviceToken"), (400, "DeviceTokenNotForTopic"), (410, "Unregistered"), (410, "ExpiredToken")]
        {
            assert_outcome(&answer(status, reason), DeliveryStatus::PermanentFailure, status, reason, true);
        }
    }

    #[test]
    fn unregistered_with_timestamp_is_understood() {
        let result = classify(410, br#"{"reason":"Unregistered","timestamp":1700000000000}"#, &HeaderMap::new());
        assert_outcome(&result, DeliveryStatus::PermanentFailure, 410, "Unregistered", true);
    }

    #[test]
    fn bad_requests_are_permanent_but_keep_the_token() {
        for reason in [
            "BadCollapseId",
            "BadExpirationDate",
            "BadMessageId",
            "BadPriority",
            "BadTopic",
            "DuplicateHeaders",
            "IdleTimeout",
            "InvalidPushType",
            "MissingDeviceToken",
            "MissingTopic",
            "PayloadEmpty",
            "TopicDisallowed",
        ] {
            assert_outcome(&answer(400, reason), DeliveryStatus::PermanentFailure, 400, reason, false);
        }
        assert_outcome(
            &answer(413, "PayloadTooLarge"),
            DeliveryStatus::PermanentFailure,
            413,
            "PayloadTooLarge",
            false,
        );
    }

    #[test]
    fn credential_problems_are_permanent() {
        for reason in [
            "InvalidProviderToken",
            "BadCertificate",
            "BadCertificateEnvironment",
            "MissingProviderToken",
            "Forbidden",
            // What is left after the client's one refresh and retry.
            "ExpiredProviderToken",
        ] {
            assert_outcome(&answer(403, reason), DeliveryStatus::PermanentFailure, 403, reason, false);
        }
    }

    #[test]
    fn rate_limits_are_throttled() {
        for reason in ["TooManyRequests", "TooManyProviderTokenUpdates"] {
            assert_outcome(&answer(429, reason), DeliveryStatus::Throttled, 429, reason, false);
        }
    }

    #[test]
    fn server_trouble_is_temporary() {
        assert_outcome(
            &answer(500, "InternalServerError"),
            DeliveryStatus::TemporaryFailure,
            500,
            "InternalServerError",
            false,
        );
        assert_outcome(
            &answer(503, "ServiceUnavailable"),
            DeliveryStatus::TemporaryFailure,
            503,
            "ServiceUnavailable",
            false,
        );
        assert_outcome(&answer(503, "Shutdown"), DeliveryStatus::TemporaryFailure, 503, "Shutdown", false);
    }

    #[test]
    fn anything_else_is_unknown() {
        assert_outcome(&answer(404, "BadPath"), DeliveryStatus::UnknownFailure, 404, "BadPath", false);
        assert_outcome(
            &answer(405, "MethodNotAllowed"),
            DeliveryStatus::UnknownFailure,
            405,
            "MethodNotAllowed",
            false,
        );
        assert_outcome(&answer(502, "BadGateway"), DeliveryStatus::UnknownFailure, 502, "BadGateway", false);
    }

    #[test]
    fn a_body_without_reason_is_described() {
        let result = classify(500, b"<html>oops</html>", &HeaderMap::new());
        assert_outcome(
            &result,
            DeliveryStatus::TemporaryFailure,
            500,
            "APNs answered HTTP 500 without a reason",
            false,
        );
    }

    #[test]
    fn retry_after_and_apns_id_are_kept_on_failures() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("30"));
        headers.insert("apns-id", HeaderValue::from_static("id-1"));
        let result = classify(429, br#"{"reason":"TooManyRequests"}"#, &headers);
        assert_eq!(result.retry_after, Some(Duration::from_secs(30)));
        assert_eq!(result.message_id.as_deref(), Some("id-1"));
    }
}
