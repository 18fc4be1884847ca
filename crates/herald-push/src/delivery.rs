//! What became of one notification to one device.

use std::time::Duration;

/// Pinpoint's per-address `DeliveryStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    Successful,
    Throttled,
    TemporaryFailure,
    PermanentFailure,
    UnknownFailure,
    Timeout,
}

impl DeliveryStatus {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Successful => "SUCCESSFUL",
            DeliveryStatus::Throttled => "THROTTLED",
            DeliveryStatus::TemporaryFailure => "TEMPORARY_FAILURE",
            DeliveryStatus::PermanentFailure => "PERMANENT_FAILURE",
            DeliveryStatus::UnknownFailure => "UNKNOWN_FAILURE",
            DeliveryStatus::Timeout => "TIMEOUT",
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, DeliveryStatus::Throttled | DeliveryStatus::TemporaryFailure | DeliveryStatus::Timeout)
    }
}

/// The outcome of one send, as the provider reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryResult {
    pub status: DeliveryStatus,
    /// The provider's HTTP status; 0 when no answer came (connection failure, timeout).
    pub status_code: u16,
    /// The provider's reason (`BadDeviceToken`, `UNREGISTERED`, ...) or what went wrong.
    pub status_message: String,
    /// The provider's id for the message (`apns-id`, the FCM message name, ...).
    pub message_id: Option<String>,
    /// A replacement device token, where the provider gives one.
    pub updated_token: Option<String>,
    /// How long the provider asked us to wait before trying again.
    pub retry_after: Option<Duration>,
    /// The device token is dead for good (uninstalled app, bad token): its endpoints become
    /// INACTIVE.
    pub token_invalid: bool,
}

impl DeliveryResult {
    pub fn delivered(status_code: u16, message_id: Option<String>) -> Self {
        DeliveryResult {
            status: DeliveryStatus::Successful,
            status_code,
            status_message: "Message delivered".to_string(),
            message_id,
            updated_token: None,
            retry_after: None,
            token_invalid: false,
        }
    }

    pub fn failed(status: DeliveryStatus, status_code: u16, status_message: impl Into<String>) -> Self {
        DeliveryResult {
            status,
            status_code,
            status_message: status_message.into(),
            message_id: None,
            updated_token: None,
            retry_after: None,
            token_invalid: false,
        }
    }
}

/// Why a payload could not be built; each becomes a PERMANENT_FAILURE for that address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("The payload is {size} bytes; {provider} accepts at most {limit} bytes")]
    TooLarge { provider: &'static str, size: usize, limit: usize },
    #[error("RawContent is not a valid JSON object: {0}")]
    InvalidRawContent(String),
    #[error("{0}")]
    Invalid(String),
}
