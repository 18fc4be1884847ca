//! awsJson1_0: the whole input is the JSON body, the whole output the response body.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::ApiError;
use crate::decode::{self, DecodeError};

/// The content type of requests and responses.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Decodes an operation's input. An empty body is an empty object, as SDKs send for inputs
/// without members. Bad input is a ValidationException with the model's reason and the field.
pub fn decode_input<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.trim_ascii().is_empty() { b"{}".as_slice() } else { body };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: Result<T, DecodeError> = decode::deserialize(&mut deserializer);
    let value = value.and_then(|v| {
        deserializer.end().map_err(|e| DecodeError::Syntax(e.to_string()))?;
        Ok(v)
    });
    value.map_err(|error| {
        // Typed decoding cannot tell bad JSON from a bad member; parsing it untyped can, and
        // only costs anything on this error path.
        match serde_json::from_slice::<Value>(body) {
            Err(syntax) => validation_exception(&DecodeError::Syntax(syntax.to_string())),
            Ok(_) => validation_exception(&error),
        }
    })
}

fn validation_exception(error: &DecodeError) -> ApiError {
    let message = error.message();
    let (reason, field) = match error {
        DecodeError::Syntax(_) => ("CANNOT_PARSE", None),
        DecodeError::Missing { field } => ("MISSING_PARAMETER", Some(field)),
        DecodeError::Invalid { field, .. } => ("INVALID_PARAMETER", Some(field)),
    };
    let mut api_error = ApiError::new("ValidationException", 400, message.clone()).with_member("Reason", json!(reason));
    if let Some(field) = field {
        api_error = api_error.with_member("Fields", json!([{ "Name": field, "Message": message }]));
    }
    api_error
}

/// Encodes an operation's output.
pub fn encode_output<T: Serialize>(output: &T) -> Result<Vec<u8>, ApiError> {
    match serde_json::to_value(output).map_err(ApiError::internal)? {
        // Operations without output members still answer with an object.
        Value::Null => Ok(b"{}".to_vec()),
        value => serde_json::to_vec(&value).map_err(ApiError::internal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, serde::Serialize, PartialEq)]
    struct CreatePool {
        #[serde(rename = "OriginationIdentity")]
        origination_identity: String,
        #[serde(rename = "MessageType")]
        message_type: Kind,
        #[serde(rename = "DeletionProtectionEnabled", default)]
        deletion_protection_enabled: Option<bool>,
    }

    #[derive(Debug, serde::Deserialize, serde::Serialize, PartialEq)]
    enum Kind {
        #[serde(rename = "TRANSACTIONAL")]
        Transactional,
    }

    #[test]
    fn decodes_and_reports_reasons() {
        let ok: CreatePool =
            decode_input(br#"{"OriginationIdentity":"+12065550100","MessageType":"TRANSACTIONAL"}"#).expect("valid");
        assert_eq!(ok.message_type, Kind::Transactional);

        let missing = decode_input::<CreatePool>(br#"{"MessageType":"TRANSACTIONAL"}"#).expect_err("missing");
        assert_eq!(missing.member("Reason"), Some(&json!("MISSING_PARAMETER")));
        assert_eq!(missing.member("Fields").and_then(|f| f[0].get("Name")), Some(&json!("OriginationIdentity")));

        let bad_enum = decode_input::<CreatePool>(br#"{"OriginationIdentity":"x","MessageType":"LOUD"}"#)
            .expect_err("unknown enum value");
        assert_eq!(bad_enum.member("Reason"), Some(&json!("INVALID_PARAMETER")));
        assert_eq!(bad_enum.member("Fields").and_then(|f| f[0].get("Name")), Some(&json!("MessageType")));

        let garbage = decode_input::<CreatePool>(b"{nope").expect_err("not json");
        assert_eq!(garbage.member("Reason"), Some(&json!("CANNOT_PARSE")));
    }

    #[test]
    fn empty_body_is_an_empty_object() {
        #[derive(serde::Deserialize)]
        struct Empty {}
        assert!(decode_input::<Empty>(b"").is_ok());
        assert_eq!(encode_output(&()).expect("encodes"), b"{}");
    }
}
