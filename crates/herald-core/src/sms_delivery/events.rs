//! Event records (SMS guide part 2, §3.5 to §3.7) and which event destinations take them.

use herald_store::EventRecord;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::message::{Channel, OutboundMessage};
use super::status::Status;

/// Dollars from millionths of a dollar, as the records carry prices.
fn dollars(micros: i64) -> f64 {
    micros as f64 / 1_000_000.0
}

pub(crate) fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Whether a destination's MatchingEventTypes take an event type: the type itself, its
/// channel's `*_ALL`, or `ALL`.
pub(crate) fn matches(matching: &[String], event_type: &str, channel: Channel) -> bool {
    let channel_all = format!("{}_ALL", channel.as_str());
    matching.iter().any(|m| m == "ALL" || *m == channel_all || m == event_type)
}

/// The record of `status` for `message`, as stored and handed to its destinations.
pub(crate) fn event(message: &OutboundMessage, account_id: &str, status: Status, now: OffsetDateTime) -> EventRecord {
    let status = status.on(message.channel);
    let event_type = status.event_type(message.channel);
    let mut record = Map::new();
    if message.channel == Channel::Media {
        record.insert("contentType".into(), json!("MMS"));
    }
    record.insert("eventType".into(), json!(event_type));
    record.insert("eventVersion".into(), json!("1.0"));
    record.insert("eventTimestamp".into(), json!(millis(now)));
    record.insert("isFinal".into(), json!(status.is_final()));
    record.insert("originationPhoneNumber".into(), json!(message.sender.origination));
    record.insert("destinationPhoneNumber".into(), json!(message.destination_phone_number));
    record.insert("isoCountryCode".into(), json!(message.iso_country_code));
    record.insert("messageId".into(), json!(message.message_id));
    record.insert("messageRequestTimestamp".into(), json!(message.request_timestamp));
    if message.channel == Channel::Text
        && let Some(encoding) = &message.encoding
    {
        record.insert("messageEncoding".into(), json!(encoding));
    }
    if message.channel != Channel::Voice {
        record.insert("messageType".into(), json!(message.message_type.as_deref().unwrap_or("TRANSACTIONAL")));
    }
    record.insert("messageStatus".into(), json!(status.token()));
    if message.channel != Channel::Voice {
        record.insert("messageStatusDescription".into(), json!(status.description()));
    }
    if let Some(context) = &message.context {
        record.insert("context".into(), json!(context));
    }
    if let Some(name) = &message.configuration_set_name {
        record.insert("configurationSetName".into(), json!(name));
    }
    if message.channel == Channel::Voice {
        record.insert("totalMessagePrice".into(), json!(dollars(message.total_price_micros())));
    } else {
        record.insert("totalMessageParts".into(), json!(message.total_parts));
        record.insert("totalMessagePrice".into(), json!(dollars(message.total_price_micros())));
        record.insert("totalCarrierFee".into(), json!(0.0));
    }
    let destinations = message
        .event_destinations
        .iter()
        .filter(|d| matches(&d.matching_event_types, &event_type, message.channel))
        .filter_map(|d| d.arn.clone())
        .collect();
    EventRecord {
        seq: 0,
        account_id: account_id.to_string(),
        message_id: message.message_id.clone(),
        event_type,
        destinations,
        record: Value::Object(record),
        created_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_match_the_type_its_channel_or_all() {
        let types = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches(&types(&["TEXT_ALL"]), "TEXT_DELIVERED", Channel::Text));
        assert!(matches(&types(&["ALL"]), "VOICE_BUSY", Channel::Voice));
        assert!(matches(&types(&["TEXT_DELIVERED"]), "TEXT_DELIVERED", Channel::Text));
        assert!(!matches(&types(&["TEXT_DELIVERED"]), "TEXT_SUCCESSFUL", Channel::Text));
        assert!(!matches(&types(&["TEXT_ALL"]), "MEDIA_DELIVERED", Channel::Media));
    }
}
