//! An accepted SMS, voice or media message as the delivery queue keeps it: everything the
//! engine needs to send it, retry it, fail over and write its events, fixed at acceptance.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which of the three send operations accepted the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum Channel {
    Text,
    Voice,
    Media,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Text => "TEXT",
            Channel::Voice => "VOICE",
            Channel::Media => "MEDIA",
        }
    }

    /// The channel name protect configuration rule sets use.
    pub fn protect_channel(self) -> &'static str {
        match self {
            Channel::Text => "SMS",
            Channel::Voice => "VOICE",
            Channel::Media => "MMS",
        }
    }
}

/// An identity the message can go out from: the one chosen, or another member of its pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Sender {
    /// `phone-number` or `sender-id`.
    pub identity_type: String,
    pub identity_id: String,
    /// What the recipient sees: the E.164 number or the sender id.
    pub origination: String,
    /// The carrier route the operator's inventory names for the number.
    pub carrier: Option<String>,
    /// The identity's throughput: message parts per second.
    pub parts_per_second: f64,
}

/// The carrier's view of one part of the message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PartState {
    pub index: u32,
    pub carrier: Option<String>,
    pub carrier_message_id: Option<String>,
    /// The part's final status token (DELIVERED, UNREACHABLE, ...), once known.
    pub status: Option<String>,
    pub error_code: Option<String>,
}

/// The configuration set's event destinations at acceptance, what its events are handed to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DestinationRef {
    pub name: String,
    pub matching_event_types: Vec<String>,
    /// The log group, delivery stream or topic the destination sends to: the sink's ARN.
    #[serde(default)]
    pub arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct OutboundMessage {
    pub message_id: String,
    pub channel: Channel,
    /// The region the request was signed for, for ARNs in what the message produces.
    pub region: String,
    pub destination_phone_number: String,
    pub iso_country_code: String,
    /// The sender in use; a pool's other members follow in `fallbacks`.
    pub sender: Sender,
    #[serde(default)]
    pub fallbacks: Vec<Sender>,
    pub pool_id: Option<String>,
    pub message_body: String,
    /// `GSM` or `Unicode` for text messages.
    pub encoding: Option<String>,
    pub total_parts: u32,
    pub message_type: Option<String>,
    pub configuration_set_name: Option<String>,
    #[serde(default)]
    pub event_destinations: Vec<DestinationRef>,
    pub context: Option<BTreeMap<String, String>>,
    pub destination_country_parameters: Option<BTreeMap<String, String>>,
    pub keyword: Option<String>,
    /// Unix milliseconds.
    pub request_timestamp: i64,
    /// Unix milliseconds after which an unsent message expires (its TimeToLive).
    pub expires_at: i64,
    pub price_per_part_micros: i64,
    /// `SUCCESS` or `FAILURE` when the destination is a simulator number: no carrier is used.
    pub simulated: Option<String>,
    #[serde(default)]
    pub message_feedback_enabled: bool,
    pub message_feedback_status: Option<String>,
    #[serde(default)]
    pub media_urls: Vec<String>,
    pub voice_id: Option<String>,
    pub message_body_text_type: Option<String>,
    /// Why Herald itself sent the message (`VERIFICATION`, `KEYWORD_REPLY`); none for API sends.
    pub purpose: Option<String>,
    #[serde(default)]
    pub parts: Vec<PartState>,
}

impl OutboundMessage {
    pub fn to_document(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn from_document(document: &Value) -> Result<Self, String> {
        serde_json::from_value(document.clone()).map_err(|e| format!("message document: {e}"))
    }

    pub fn total_price_micros(&self) -> i64 {
        self.price_per_part_micros.saturating_mul(i64::from(self.total_parts))
    }
}
