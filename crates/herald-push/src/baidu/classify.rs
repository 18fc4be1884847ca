//! Baidu's answers as `DeliveryResult`s.
//!
//! Baidu answers `200 {"request_id": …, "response_params": {"msg_id": "…", "send_time": …}}` or
//! an HTTP error with `{"request_id": …, "error_code": …, "error_msg": "…"}`. The error code
//! decides; `status_message` is `"error_code: error_msg"`. Baidu's server error table (REST API
//! 3.0) and what each code becomes here:
//!
//! | code  | Baidu's meaning                                        | result                         |
//! |-------|--------------------------------------------------------|--------------------------------|
//! | 30600 | Internal Server Error                                  | TEMPORARY_FAILURE              |
//! | 30601 | Method Not Allowed                                     | PERMANENT_FAILURE              |
//! | 30602 | Request Params Not Valid                               | PERMANENT_FAILURE; token invalid when `error_msg` names the channel id |
//! | 30603 | Authentication Failed (bad `sign`, unknown `apikey`)   | PERMANENT_FAILURE              |
//! | 30604 | Quota Use Up Payment Required                          | THROTTLED                      |
//! | 30605 | Data Required Not Found                                | PERMANENT_FAILURE              |
//! | 30606 | Request Time Expires Timeout (stale `timestamp`)       | PERMANENT_FAILURE: a clock to fix, not a message to retry |
//! | 30607 | Channel Token Timeout                                  | PERMANENT_FAILURE, token invalid |
//! | 30608 | Bind Relation Not Found (no such channel for the app)  | PERMANENT_FAILURE, token invalid |
//! | 30612, 30613, 30616–30618, 30620, 30621 | the app is forbidden, not set up, not approved or lacks unicast | PERMANENT_FAILURE |
//! | 30699 | Requests Are Too Frequent To Be Temporarily Rejected   | THROTTLED                      |
//! | 40001, 40003 | invalid / bad iOS device token                  | PERMANENT_FAILURE, token invalid |
//! | 40002, 40004–40012 | invalid iOS message, iOS certificate problems | PERMANENT_FAILURE            |
//! | other | -                                                      | TEMPORARY_FAILURE on HTTP 5xx, else UNKNOWN_FAILURE |
//!
//! 30602 covers every bad parameter, the message included; only the channel id's own complaint
//! retires the device. An answer without a readable body goes by its HTTP status alone: 5xx is
//! TEMPORARY_FAILURE, 429 THROTTLED, anything else UNKNOWN_FAILURE.

use serde::Deserialize;

use crate::delivery::{DeliveryResult, DeliveryStatus};

/// Baidu's answer to one push, as read off the wire.
#[derive(Debug, Clone)]
pub(crate) struct BaiduAnswer {
    pub status: u16,
    pub body: String,
}

#[derive(Deserialize)]
struct Body {
    error_code: Option<i64>,
    error_msg: Option<String>,
    response_params: Option<ResponseParams>,
}

#[derive(Deserialize)]
struct ResponseParams {
    /// A string in Baidu's documentation; read as any JSON value so a number does not lose it.
    msg_id: Option<serde_json::Value>,
}

pub(crate) fn classify(answer: &BaiduAnswer) -> DeliveryResult {
    let body = serde_json::from_str::<Body>(&answer.body).ok();
    let success = (200..300).contains(&answer.status);
    match body {
        Some(Body { error_code: Some(code), error_msg, .. }) => {
            from_error_code(answer.status, code, error_msg.as_deref().unwrap_or(""))
        }
        Some(Body { response_params, .. }) if success => {
            let msg_id = response_params.and_then(|params| params.msg_id).and_then(|id| match id {
                serde_json::Value::String(id) => Some(id),
                serde_json::Value::Number(id) => Some(id.to_string()),
                _ => None,
            });
            DeliveryResult::delivered(answer.status, msg_id)
        }
        _ => from_http_status(answer.status),
    }
}

fn from_error_code(http_status: u16, code: i64, error_msg: &str) -> DeliveryResult {
    use DeliveryStatus::*;
    let channel_named = error_msg.to_ascii_lowercase().contains("channel");
    let (status, token_invalid) = match code {
        30600 => (TemporaryFailure, false),
        30602 => (PermanentFailure, channel_named),
        30607 | 30608 | 40001 | 40003 => (PermanentFailure, true),
        30601 | 30603 | 30605 | 30606 | 30612 | 30613 | 30616..=30618 | 30620 | 30621 => (PermanentFailure, false),
        40002 | 40004..=40012 => (PermanentFailure, false),
        30604 | 30699 => (Throttled, false),
        _ if (500..600).contains(&http_status) => (TemporaryFailure, false),
        _ => (UnknownFailure, false),
    };
    let mut result = DeliveryResult::failed(status, http_status, format!("{code}: {error_msg}"));
    result.token_invalid = token_invalid;
    result
}

fn from_http_status(http_status: u16) -> DeliveryResult {
    let status = match http_status {
        429 => DeliveryStatus::Throttled,
        500..=599 => DeliveryStatus::TemporaryFailure,
        _ => DeliveryStatus::UnknownFailure,
    };
    DeliveryResult::failed(status, http_status, format!("HTTP {http_status} from Baidu without a readable answer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> BaiduAnswer {
        BaiduAnswer { status, body: body.to_string() }
    }

    fn error(status: u16, code: i64, msg: &str) -> BaiduAnswer {
        answer(status, &format!(r#"{{"request_id":123,"error_code":{code},"error_msg":"{msg}"}}"#))
    }

    #[test]
    fn success_reports_the_msg_id() {
        let body = r#"{"request_id":123,"response_params":{"msg_id":"6488374589483216","send_time":1427180735}}"#;
        assert_eq!(classify(&answer(200, body)), DeliveryResult::delivered(200, Some("6488374589483216".to_string())));

        let numeric = r#"{"request_id":123,"response_params":{"msg_id":42,"send_time":1}}"#;
        assert_eq!(classify(&answer(200, numeric)).message_id.as_deref(), Some("42"));
    }

    #[test]
    fn error_codes_follow_the_table() {
        use DeliveryStatus::*;
        let cases = [
            (error(404, 30608, "Bind Relation Not Found"), PermanentFailure, true),
            (error(400, 30607, "Channel Token Timeout"), PermanentFailure, true),
            (error(400, 30602, "Request Params Not Valid, channel_id is invalid"), PermanentFailure, true),
            (error(400, 30602, "Request Params Not Valid, msg is too long"), PermanentFailure, false),
            (error(401, 30603, "Authentication Failed"), PermanentFailure, false),
            (error(401, 30606, "Request Time Expires Timeout"), PermanentFailure, false),
            (error(403, 30612, "Application Forbidden"), PermanentFailure, false),
            (error(400, 40001, "invalid iOS device token"), PermanentFailure, true),
            (error(400, 40004, "iOS certification error"), PermanentFailure, false),
            (error(403, 30604, "Quota Use Up Payment Required"), Throttled, false),
            (error(503, 30699, "Requests Are Too Frequent To Be Temporarily Rejected"), Throttled, false),
            (error(500, 30600, "Internal Server Error"), TemporaryFailure, false),
            (error(503, 31000, "something new"), TemporaryFailure, false),
            (error(400, 30609, "Bind Number Too Many"), UnknownFailure, false),
        ];
        for (answer, status, token_invalid) in cases {
            let result = classify(&answer);
            assert_eq!((result.status, result.token_invalid), (status, token_invalid), "{}", answer.body);
            assert_eq!(result.status_code, answer.status);
        }
        assert_eq!(
            classify(&error(404, 30608, "Bind Relation Not Found")).status_message,
            "30608: Bind Relation Not Found"
        );
    }

    #[test]
    fn unreadable_answers_go_by_http_status() {
        assert_eq!(classify(&answer(502, "<html>bad gateway</html>")).status, DeliveryStatus::TemporaryFailure);
        assert_eq!(classify(&answer(429, "")).status, DeliveryStatus::Throttled);
        assert_eq!(classify(&answer(404, "not found")).status, DeliveryStatus::UnknownFailure);
        assert_eq!(classify(&answer(200, "not json")).status, DeliveryStatus::UnknownFailure);
    }
}
