//! AWS-shaped errors: one value type, rendered per protocol exactly as the SDKs parse them.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::Protocol;

/// Implemented by every generated exception shape.
pub trait ErrorShape: Serialize {
    /// The shape name, which is the error code on the wire.
    const CODE: &'static str;
    /// The HTTP status: the model's `httpStatusCode`, else 400 (client) / 500 (fault).
    const STATUS: u16;
}

/// An error an operation answers with.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    code: Cow<'static, str>,
    status: u16,
    message: String,
    /// Structured members besides the message (`Reason`, `Fields`, `ResourceType`, ...).
    members: Map<String, Value>,
    /// Internal failures render as the protocol's own internal-error shape.
    internal: bool,
}

/// An error as bytes on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedError {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl ApiError {
    pub fn new(code: impl Into<Cow<'static, str>>, status: u16, message: impl Into<String>) -> Self {
        ApiError { code: code.into(), status, message: message.into(), members: Map::new(), internal: false }
    }

    /// Builds the error from a generated exception shape, keeping its structured members.
    pub fn from_shape<E: ErrorShape>(shape: &E) -> Self {
        let mut members = match serde_json::to_value(shape) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let message = ["Message", "message"]
            .iter()
            .find_map(|key| members.remove(*key))
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        // The request id is filled in when rendering.
        members.remove("RequestID");
        members.remove("RequestId");
        ApiError { code: Cow::Borrowed(E::CODE), status: E::STATUS, message, members, internal: false }
    }

    /// An operation Herald does not implement. A 4xx code the SDKs model, so they do not retry it.
    pub fn not_implemented(protocol: Protocol, operation: &str) -> Self {
        let message = format!("Herald does not implement {operation} yet");
        match protocol {
            Protocol::RestJson => ApiError::new("MethodNotAllowedException", 405, message),
            Protocol::AwsJson => ApiError::new("ValidationException", 400, message)
                .with_member("Reason", Value::from("UNKNOWN_OPERATION")),
        }
    }

    /// A failure that is not the caller's fault. The detail is for logs; the caller sees a
    /// generic message and the request id to quote.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        ApiError {
            code: Cow::Borrowed("InternalFailure"),
            status: 500,
            message: detail.to_string(),
            members: Map::new(),
            internal: true,
        }
    }

    pub fn with_member(mut self, name: &str, value: Value) -> Self {
        self.members.insert(name.to_string(), value);
        self
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn member(&self, name: &str) -> Option<&Value> {
        self.members.get(name)
    }

    pub fn is_internal(&self) -> bool {
        self.internal
    }

    /// Renders the error the way `protocol`'s clients read it.
    pub fn render(&self, protocol: Protocol, request_id: &str) -> RenderedError {
        let (code, message) = if self.internal {
            let code = match protocol {
                Protocol::RestJson => "InternalServerErrorException",
                Protocol::AwsJson => "InternalServerException",
            };
            (code, format!("Internal server error (request {request_id})"))
        } else {
            (self.code.as_ref(), self.message.clone())
        };
        let mut body = Map::new();
        let content_type = match protocol {
            Protocol::RestJson => {
                body.insert("Message".into(), Value::from(message));
                body.insert("RequestID".into(), Value::from(request_id));
                "application/json"
            }
            Protocol::AwsJson => {
                body.insert("__type".into(), Value::from(code));
                // Clients read `message`; the typed exception reads its member `Message`.
                body.insert("message".into(), Value::from(message.clone()));
                body.insert("Message".into(), Value::from(message));
                if self.internal {
                    body.insert("RequestId".into(), Value::from(request_id));
                }
                "application/x-amz-json-1.0"
            }
        };
        if !self.internal {
            body.extend(self.members.clone());
        }
        RenderedError {
            status: self.status,
            headers: vec![("x-amzn-ErrorType", code.to_string()), ("content-type", content_type.to_string())],
            body: serde_json::to_vec(&Value::Object(body)).unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct ValidationException {
        #[serde(rename = "Message")]
        message: String,
        #[serde(rename = "Reason")]
        reason: String,
    }

    impl ErrorShape for ValidationException {
        const CODE: &'static str = "ValidationException";
        const STATUS: u16 = 400;
    }

    fn body(rendered: &RenderedError) -> Value {
        serde_json::from_slice(&rendered.body).expect("json body")
    }

    #[test]
    fn rest_json_error_has_header_message_and_request_id() {
        let rendered = ApiError::new("NotFoundException", 404, "no app").render(Protocol::RestJson, "req-1");
        assert_eq!(rendered.status, 404);
        assert!(rendered.headers.contains(&("x-amzn-ErrorType", "NotFoundException".to_string())));
        assert_eq!(body(&rendered), serde_json::json!({"Message": "no app", "RequestID": "req-1"}));
    }

    #[test]
    fn aws_json_error_keeps_structured_members() {
        let shape = ValidationException { message: "bad".into(), reason: "MISSING_PARAMETER".into() };
        let rendered = ApiError::from_shape(&shape).render(Protocol::AwsJson, "req-2");
        assert_eq!(rendered.status, 400);
        assert_eq!(
            body(&rendered),
            serde_json::json!({"__type": "ValidationException", "message": "bad", "Message": "bad", "Reason": "MISSING_PARAMETER"})
        );
    }

    #[test]
    fn internal_errors_hide_detail_and_use_the_protocol_shape() {
        let error = ApiError::internal("database is locked");
        let rest = error.render(Protocol::RestJson, "r");
        assert_eq!(rest.status, 500);
        assert!(rest.headers.contains(&("x-amzn-ErrorType", "InternalServerErrorException".to_string())));
        assert!(!String::from_utf8_lossy(&rest.body).contains("locked"));
        let json = error.render(Protocol::AwsJson, "r");
        assert_eq!(body(&json)["__type"], "InternalServerException");
    }

    #[test]
    fn not_implemented_is_a_client_error_per_protocol() {
        let rest = ApiError::not_implemented(Protocol::RestJson, "CreateCampaign");
        assert_eq!((rest.code(), rest.status()), ("MethodNotAllowedException", 405));
        let json = ApiError::not_implemented(Protocol::AwsJson, "CreateRcsAgent");
        assert_eq!(json.member("Reason"), Some(&Value::from("UNKNOWN_OPERATION")));
    }
}
