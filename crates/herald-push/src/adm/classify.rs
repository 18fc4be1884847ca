//! ADM's answers as `DeliveryResult`s.
//!
//! ADM answers a send with `200 {"registrationID": "..."}` or an HTTP error whose JSON body is
//! `{"reason": "..."}` (Amazon's "Send a Message" documentation). The table this module applies:
//!
//! | HTTP | reason                                   | result                                   |
//! |------|------------------------------------------|------------------------------------------|
//! | 200  | -                                        | SUCCESSFUL; `updated_token` when ADM's `registrationID` differs from the one sent |
//! | any  | `InvalidRegistrationId`, `Unregistered`  | PERMANENT_FAILURE, token invalid         |
//! | 410  | any                                      | PERMANENT_FAILURE, token invalid         |
//! | 400  | `InvalidData`, `InvalidConsolidationKey`, `InvalidExpiration`, `InvalidChecksum`, others | PERMANENT_FAILURE |
//! | 401  | `AccessTokenExpired` (after one refresh and retry) | PERMANENT_FAILURE: fresh tokens are refused too |
//! | 413  | `MessageTooLarge`                        | PERMANENT_FAILURE                        |
//! | 429  | `MaxRateExceeded`                        | THROTTLED, `Retry-After` honoured        |
//! | 5xx  | `InternalServerError`, `ServiceUnavailable`, … | TEMPORARY_FAILURE, `Retry-After` honoured |
//! | else | -                                        | UNKNOWN_FAILURE                          |
//!
//! 502 and 504 join 500 and 503 as temporary: they come from Amazon's front ends and say
//! nothing about the message.

use std::time::Duration;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::delivery::{DeliveryResult, DeliveryStatus};

/// ADM's answer to one send, as read off the wire.
#[derive(Debug, Clone)]
pub(crate) struct AdmAnswer {
    pub status: u16,
    pub body: String,
    /// `Retry-After`, already parsed.
    pub retry_after: Option<Duration>,
    /// `X-Amzn-RequestId`: the only id ADM gives a message.
    pub request_id: Option<String>,
}

#[derive(Deserialize)]
struct SendResult {
    #[serde(rename = "registrationID")]
    registration_id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    reason: Option<String>,
}

/// The result of a send to `sent_registration_id` that ADM answered with `answer`.
pub(crate) fn classify(answer: &AdmAnswer, sent_registration_id: &str) -> DeliveryResult {
    if answer.status == 200 {
        return delivered(answer, sent_registration_id);
    }
    let reason = serde_json::from_str::<ErrorBody>(&answer.body).ok().and_then(|body| body.reason).unwrap_or_default();
    let message = if reason.is_empty() { format!("HTTP {} from ADM", answer.status) } else { reason.clone() };

    let (status, token_invalid) = match (answer.status, reason.as_str()) {
        (_, "InvalidRegistrationId" | "Unregistered") | (410, _) => (DeliveryStatus::PermanentFailure, true),
        (400 | 401 | 413, _) => (DeliveryStatus::PermanentFailure, false),
        (429, _) => (DeliveryStatus::Throttled, false),
        (500..=599, _) => (DeliveryStatus::TemporaryFailure, false),
        _ => (DeliveryStatus::UnknownFailure, false),
    };
    let mut result = DeliveryResult::failed(status, answer.status, message);
    result.token_invalid = token_invalid;
    if status.is_retryable() {
        result.retry_after = answer.retry_after;
    }
    result
}

fn delivered(answer: &AdmAnswer, sent_registration_id: &str) -> DeliveryResult {
    let mut result = DeliveryResult::delivered(answer.status, answer.request_id.clone());
    // ADM accepted the message either way; a body we cannot read only costs us the canonical id.
    let canonical = serde_json::from_str::<SendResult>(&answer.body).ok().and_then(|body| body.registration_id);
    if let Some(canonical) = canonical
        && !canonical.is_empty()
        && canonical != sent_registration_id
    {
        result.updated_token = Some(canonical);
    }
    result
}

/// `Retry-After` as seconds or as an HTTP date; a date in the past means "now".
pub(crate) fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    let wait = at - now;
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str, retry_after: Option<u64>) -> AdmAnswer {
        AdmAnswer {
            status,
            body: body.to_string(),
            retry_after: retry_after.map(Duration::from_secs),
            request_id: Some("req-1".to_string()),
        }
    }

    fn failure(status: DeliveryStatus, code: u16, message: &str, token_invalid: bool) -> DeliveryResult {
        let mut result = DeliveryResult::failed(status, code, message);
        result.token_invalid = token_invalid;
        result
    }

    #[test]
    fn success_keeps_the_request_id_and_notices_a_canonical_id() {
        let same = classify(&answer(200, r#"{"registrationID":"reg-1"}"#, None), "reg-1");
        assert_eq!(same, DeliveryResult::delivered(200, Some("req-1".to_string())));

        let moved = classify(&answer(200, r#"{"registrationID":"reg-2"}"#, None), "reg-1");
        assert_eq!(moved.status, DeliveryStatus::Successful);
        assert_eq!(moved.updated_token.as_deref(), Some("reg-2"));

        let unreadable = classify(&answer(200, "not json", None), "reg-1");
        assert_eq!(unreadable, DeliveryResult::delivered(200, Some("req-1".to_string())));
    }

    #[test]
    fn errors_follow_the_table() {
        use DeliveryStatus::*;
        let reason = |r: &str| format!(r#"{{"reason":"{r}"}}"#);
        let cases = [
            (400, reason("InvalidRegistrationId"), failure(PermanentFailure, 400, "InvalidRegistrationId", true)),
            (400, reason("InvalidData"), failure(PermanentFailure, 400, "InvalidData", false)),
            (400, reason("InvalidConsolidationKey"), failure(PermanentFailure, 400, "InvalidConsolidationKey", false)),
            (400, reason("InvalidExpiration"), failure(PermanentFailure, 400, "InvalidExpiration", false)),
            (400, reason("InvalidChecksum"), failure(PermanentFailure, 400, "InvalidChecksum", false)),
            (400, reason("Unregistered"), failure(PermanentFailure, 400, "Unregistered", true)),
            (410, reason("Unregistered"), failure(PermanentFailure, 410, "Unregistered", true)),
            (410, String::new(), failure(PermanentFailure, 410, "HTTP 410 from ADM", true)),
            (401, reason("AccessTokenExpired"), failure(PermanentFailure, 401, "AccessTokenExpired", false)),
            (413, reason("MessageTooLarge"), failure(PermanentFailure, 413, "MessageTooLarge", false)),
            (500, reason("InternalServerError"), failure(TemporaryFailure, 500, "InternalServerError", false)),
            (502, "<html>".to_string(), failure(TemporaryFailure, 502, "HTTP 502 from ADM", false)),
            (418, reason("Teapot"), failure(UnknownFailure, 418, "Teapot", false)),
        ];
        for (status, body, expected) in cases {
            assert_eq!(classify(&answer(status, &body, None), "reg-1"), expected, "HTTP {status} {body}");
        }
    }

    #[test]
    fn retry_after_is_kept_only_where_retrying_makes_sense() {
        let throttled = classify(&answer(429, r#"{"reason":"MaxRateExceeded"}"#, Some(30)), "reg-1");
        assert_eq!(throttled.status, DeliveryStatus::Throttled);
        assert_eq!(throttled.status_message, "MaxRateExceeded");
        assert_eq!(throttled.retry_after, Some(Duration::from_secs(30)));

        let unavailable = classify(&answer(503, r#"{"reason":"ServiceUnavailable"}"#, Some(5)), "reg-1");
        assert_eq!(unavailable.status, DeliveryStatus::TemporaryFailure);
        assert_eq!(unavailable.retry_after, Some(Duration::from_secs(5)));

        let permanent = classify(&answer(400, r#"{"reason":"InvalidData"}"#, Some(5)), "reg-1");
        assert_eq!(permanent.retry_after, None);
    }

    #[test]
    fn retry_after_parses_seconds_and_dates() {
        let now = OffsetDateTime::parse("Wed, 21 Oct 2015 07:28:00 GMT", &Rfc2822).expect("test date");
        assert_eq!(parse_retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:29:30 GMT", now), Some(Duration::from_secs(90)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
