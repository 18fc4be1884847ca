//! The audit log: who called which operation, when, from where, with what, and how it ended.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One API call. The caller redacts secrets from `request_parameters` before it gets here.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// The order records were stored in; 0 until the store assigns it.
    pub seq: i64,
    /// When the request arrived (stored to the millisecond).
    pub event_time: OffsetDateTime,
    pub request_id: String,
    /// None when the request could not be authenticated.
    pub account_id: Option<String>,
    /// The access key id that signed the request.
    pub principal: Option<String>,
    /// The region the client signed for.
    pub region: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    /// `pinpoint` or `sms-voice`.
    pub api: String,
    /// None when the request named no operation Herald knows.
    pub operation: Option<String>,
    /// ARNs of the resources the request names.
    pub resources: Vec<String>,
    /// The operation's input, secrets redacted; None when it was not read.
    pub request_parameters: Option<Value>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub duration_ms: u64,
}

impl AuditRecord {
    /// The record as CloudTrail writes its events, so that tools reading those read this too.
    pub fn to_json(&self) -> Value {
        let event_source = match self.api.as_str() {
            "pinpoint" => "mobiletargeting.amazonaws.com".to_string(),
            other => format!("{other}.amazonaws.com"),
        };
        json!({
            "eventVersion": "1.08",
            "eventSeq": self.seq,
            "eventTime": self.event_time.format(&Rfc3339).unwrap_or_default(),
            "eventSource": event_source,
            "eventName": self.operation,
            "awsRegion": self.region,
            "sourceIPAddress": self.source_ip,
            "userAgent": self.user_agent,
            "userIdentity": {
                "accountId": self.account_id,
                "accessKeyId": self.principal,
            },
            "recipientAccountId": self.account_id,
            "requestID": self.request_id,
            "requestParameters": self.request_parameters,
            "resources": self.resources.iter().map(|arn| json!({"ARN": arn})).collect::<Vec<_>>(),
            "errorCode": self.error_code,
            "errorMessage": self.error_message,
            "durationMillis": self.duration_ms,
        })
    }
}

/// Which records `list_audit` answers: all conditions hold, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// At or after this time.
    pub since: Option<OffsetDateTime>,
    /// Before this time.
    pub until: Option<OffsetDateTime>,
    pub operation: Option<String>,
    pub account_id: Option<String>,
    pub limit: u32,
}
