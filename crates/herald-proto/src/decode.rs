//! Input decoding failures, with the path of the offending member.

use serde::de::DeserializeOwned;

/// Why an input could not be decoded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DecodeError {
    /// The body is not JSON at all.
    Syntax(String),
    /// A required member is absent; the dotted path names it.
    Missing { field: String },
    /// A member has the wrong type or an unknown enum value.
    Invalid { field: String, message: String },
}

impl DecodeError {
    pub(crate) fn message(&self) -> String {
        match self {
            DecodeError::Syntax(message) => format!("The request body is not valid JSON: {message}"),
            DecodeError::Missing { field } => format!("{field} is required"),
            DecodeError::Invalid { field, message } => format!("Invalid value for {field}: {message}"),
        }
    }
}

/// Deserializes with the path of the failing member in the error.
pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> Result<T, DecodeError>
where
    T: DeserializeOwned,
    D: serde::Deserializer<'de>,
{
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.inner().to_string();
        if let Some(field) = missing_field(&inner) {
            let field = if path.is_empty() || path == "." { field.to_string() } else { format!("{path}.{field}") };
            return DecodeError::Missing { field };
        }
        DecodeError::Invalid { field: path, message: strip_position(&inner) }
    })
}

/// serde reports a missing member as "missing field `Name`".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// serde_json appends " at line 1 column 17", which means nothing to the caller.
fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}
