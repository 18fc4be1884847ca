//! Amazon Device Messaging: the body of `POST /messaging/registrations/{id}/messages`.
//!
//! ADM delivers a string map to the app and nothing else, so the notification travels as the
//! `pinpoint.*` keys the AWS SDK builds it from (`pinpoint_data` in the parent module):
//!
//! ```json
//! {"data": {"pinpoint.notification.title": "…", "pinpoint.openApp": "true", …},
//!  "consolidationKey": "…", "expiresAfter": 3600, "md5": "…"}
//! ```
//!
//! `md5` is passed on as given. ADM checks it against the `data` it receives, so a checksum
//! computed over `Data` alone will not match the `pinpoint.*` map; that is Pinpoint's
//! behaviour too, and only users who set `MD5` are affected.
//!
//! `RawContent` is either a full ADM body (it has a `data` object) or, as in Amazon's own
//! Pinpoint ADM examples, just the data map (`{"pinpoint.notification.title": …}`), which is
//! wrapped in `data`. Values become strings either way, since ADM only carries strings.

use serde_json::{Map, Value, json};

use super::{PushMessage, kind, parse_raw_object, pinpoint_data, serialize_within, stringify_object};
use crate::PayloadError;
use crate::adm::AdmRequest;

/// ADM's limit on a message.
pub const MAX_PAYLOAD_BYTES: usize = 6144;
/// ADM's bounds on `expiresAfter`: one minute to 31 days.
pub const MIN_EXPIRES_AFTER_SECONDS: i64 = 60;
pub const MAX_EXPIRES_AFTER_SECONDS: i64 = 2_678_400;

/// The ADM message for one app instance.
///
/// `time_to_live` (Pinpoint's `ExpiresAfter` for ADM) is clamped into ADM's accepted range,
/// so a TTL of 0 becomes one minute rather than a refused request.
pub fn build(message: &PushMessage, registration_id: &str) -> Result<AdmRequest, PayloadError> {
    let mut body = match message.raw_content.as_deref() {
        Some(raw) => raw_body(raw)?,
        None => {
            let mut body = Map::new();
            body.insert("data".into(), json!(pinpoint_data(message)));
            body
        }
    };

    // Delivery options apply to raw bodies too, unless the body sets them itself.
    if let Some(key) = &message.collapse_key {
        body.entry("consolidationKey").or_insert_with(|| json!(key));
    }
    if let Some(ttl) = message.time_to_live()? {
        let seconds = ttl.clamp(MIN_EXPIRES_AFTER_SECONDS, MAX_EXPIRES_AFTER_SECONDS);
        body.entry("expiresAfter").or_insert_with(|| json!(seconds));
    }
    if let Some(md5) = &message.md5 {
        body.entry("md5").or_insert_with(|| json!(md5));
    }

    let body = Value::Object(body);
    serialize_within("ADM", &body, MAX_PAYLOAD_BYTES)?;
    Ok(AdmRequest { registration_id: registration_id.to_string(), body })
}

fn raw_body(raw: &str) -> Result<Map<String, Value>, PayloadError> {
    let mut raw = parse_raw_object(raw)?;
    match raw.get("data") {
        Some(Value::Object(data)) => {
            let data = stringify_object(data);
            raw.insert("data".into(), Value::Object(data));
            Ok(raw)
        }
        Some(other) => Err(PayloadError::Invalid(format!("RawContent data must be an object, not {}", kind(other)))),
        None => {
            let mut body = Map::new();
            body.insert("data".into(), Value::Object(stringify_object(&raw)));
            Ok(body)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::payload::Action;

    const REGISTRATION: &str = "amzn1.adm-registration.v3.abc";

    fn build_ok(message: &PushMessage) -> Value {
        match build(message, REGISTRATION) {
            Ok(request) => {
                assert_eq!(request.registration_id, REGISTRATION);
                request.body
            }
            Err(error) => panic!("build failed: {error}"),
        }
    }

    fn raw(content: &str) -> PushMessage {
        PushMessage { raw_content: Some(content.to_string()), ..Default::default() }
    }

    #[test]
    fn every_simple_field() {
        let message = PushMessage {
            action: Some(Action::Url),
            url: Some("https://example.com/deal".into()),
            title: Some("Deal".into()),
            body: Some("Today only".into()),
            data: BTreeMap::from([("id".to_string(), "7".to_string())]),
            sound: Some("bell".into()),
            image_url: Some("https://i/big.png".into()),
            image_icon_url: Some("https://i/icon.png".into()),
            small_image_icon_url: Some("https://i/small.png".into()),
            icon_reference: Some("ic_deal".into()),
            collapse_key: Some("deals".into()),
            time_to_live: Some(3600),
            md5: Some("CY9rzUYh03PK3k6DJie09g==".into()),
            ..Default::default()
        };
        assert_eq!(
            build_ok(&message),
            json!({
                "data": {
                    "pinpoint.notification.title": "Deal",
                    "pinpoint.notification.body": "Today only",
                    "pinpoint.notification.silentPush": "0",
                    "pinpoint.campaign.campaign_id": "_DIRECT",
                    "pinpoint.url": "https://example.com/deal",
                    "pinpoint.notification.imageUrl": "https://i/big.png",
                    "pinpoint.notification.imageIconUrl": "https://i/icon.png",
                    "pinpoint.notification.imageSmallIconUrl": "https://i/small.png",
                    "pinpoint.notification.icon": "ic_deal",
                    "pinpoint.notification.sound": "bell",
                    "pinpoint.jsonBody": "{\"id\":\"7\"}"
                },
                "consolidationKey": "deals",
                "expiresAfter": 3600,
                "md5": "CY9rzUYh03PK3k6DJie09g=="
            })
        );
    }

    #[test]
    fn silent_push_and_open_app() {
        let message = PushMessage { silent_push: true, ..Default::default() };
        assert_eq!(
            build_ok(&message),
            json!({"data": {
                "pinpoint.notification.silentPush": "1",
                "pinpoint.openApp": "true",
                "pinpoint.campaign.campaign_id": "_DIRECT"
            }})
        );
    }

    #[test]
    fn ttl_is_clamped_to_adm_range() {
        for (given, expected) in
            [(0, 60), (59, 60), (60, 60), (86_400, 86_400), (2_678_400, 2_678_400), (9_999_999, 2_678_400)]
        {
            let message = PushMessage { time_to_live: Some(given), ..Default::default() };
            assert_eq!(build_ok(&message)["expiresAfter"], expected, "{given}");
        }
        let message = PushMessage { time_to_live: Some(-1), ..Default::default() };
        assert!(matches!(build(&message, REGISTRATION), Err(PayloadError::Invalid(_))));
    }

    #[test]
    fn raw_full_body() {
        let content = r#"{"data": {"from": "Sam", "n": 3}, "consolidationKey": "Sync", "expiresAfter": 86400}"#;
        // The raw body's own options win over the message's.
        let message = PushMessage { collapse_key: Some("other".into()), time_to_live: Some(60), ..raw(content) };
        assert_eq!(
            build_ok(&message),
            json!({"data": {"from": "Sam", "n": "3"}, "consolidationKey": "Sync", "expiresAfter": 86400})
        );
    }

    /// Amazon's Pinpoint ADM example sends the data map itself as RawContent.
    #[test]
    fn raw_data_map_is_wrapped() {
        let content = r#"{"pinpoint.campaign.campaign_id": "_DIRECT", "pinpoint.notification.silentPush": 0,
            "pinpoint.openApp": true, "pinpoint.notification.title": "Hello",
            "pinpoint.notification.body": "Hello World."}"#;
        let message = PushMessage { time_to_live: Some(120), ..raw(content) };
        assert_eq!(
            build_ok(&message),
            json!({
                "data": {
                    "pinpoint.campaign.campaign_id": "_DIRECT",
                    "pinpoint.notification.silentPush": "0",
                    "pinpoint.openApp": "true",
                    "pinpoint.notification.title": "Hello",
                    "pinpoint.notification.body": "Hello World."
                },
                "expiresAfter": 120
            })
        );
    }

    #[test]
    fn invalid_raw_content() {
        for bad in ["x", "[]", "1.5"] {
            assert!(matches!(build(&raw(bad), REGISTRATION), Err(PayloadError::InvalidRawContent(_))), "{bad}");
        }
        assert!(matches!(build(&raw(r#"{"data": "x"}"#), REGISTRATION), Err(PayloadError::Invalid(_))));
    }

    /// A raw body of exactly `size` bytes once serialized.
    fn raw_of_size(size: usize) -> PushMessage {
        let overhead = r#"{"data":{"k":""}}"#.len();
        raw(&format!(r#"{{"data":{{"k":"{}"}}}}"#, "x".repeat(size - overhead)))
    }

    #[test]
    fn size_limit() {
        assert!(build(&raw_of_size(6144), REGISTRATION).is_ok());
        assert_eq!(
            build(&raw_of_size(6145), REGISTRATION),
            Err(PayloadError::TooLarge { provider: "ADM", size: 6145, limit: 6144 })
        );
    }
}
