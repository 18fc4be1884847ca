//! APNs: the JSON payload and the `apns-*` request headers.
//!
//! Without `RawContent` the payload has the layout Pinpoint sends and the Amplify libraries
//! read:
//!
//! ```json
//! {"aps": {"alert": {"title": "…", "body": "…"}, "sound": "…", "badge": 1, "category": "…",
//!          "thread-id": "…", "mutable-content": 1},
//!  "data": {"pinpoint": {"campaign": {"campaign_id": "_DIRECT"}, "deeplink": "…"},
//!           "jsonBody": {…Data…}, "media-url": "…"}}
//! ```
//!
//! - `data.pinpoint` is how the SDKs recognise a Pinpoint push: `campaign` holds the attributes
//!   of the events they report, `deeplink` the link they open on tap. `deeplink` carries the
//!   `Url` of both `DEEP_LINK` and `URL` actions (iOS opens web URLs the same way).
//! - `data.jsonBody` is `Data`, as the API reference says ("added to the data.pinpoint.jsonBody
//!   object"); on iOS it arrives as an object, not a string.
//! - `data.media-url` is where Amplify's notification service extension looks for `MediaUrl`;
//!   `mutable-content: 1` is what makes iOS run that extension.
//! - A silent push is `{"aps": {"content-available": 1}}` plus `data`: Apple's background
//!   pushes may not alert, play a sound or badge.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::{Priority, PushMessage, Tap, kind, parse_raw_object, serialize_within};
use crate::PayloadError;
use crate::apns::ApnsRequest;

/// Apple's limit for every push type but VoIP.
pub const MAX_PAYLOAD_BYTES: usize = 4096;
/// Apple's limit for VoIP pushes.
pub const MAX_VOIP_PAYLOAD_BYTES: usize = 5120;
/// Apple's limit on `apns-collapse-id`.
pub const MAX_COLLAPSE_ID_BYTES: usize = 64;

/// The `apns-push-type` values Apple documents; anything else is refused before sending.
const PUSH_TYPES: &[&str] = &[
    "alert",
    "background",
    "location",
    "voip",
    "complication",
    "fileprovider",
    "mdm",
    "liveactivity",
    "pushtotalk",
    "widgets",
    "controls",
];

/// The APNs request for one device.
///
/// `topic` is the channel's bundle id; push types that Apple routes to a different topic get
/// their suffix (`.voip`, `.complication`, …) here. `voip` says the channel is APNS_VOIP or
/// APNS_VOIP_SANDBOX. `now` is the send time that `TimeToLive` counts from.
pub fn build(
    message: &PushMessage,
    device_token: &str,
    topic: &str,
    voip: bool,
    now: OffsetDateTime,
) -> Result<ApnsRequest, PayloadError> {
    let priority = message.priority()?;
    let ttl = message.time_to_live()?;

    let (payload, content_only) = match message.raw_content.as_deref() {
        Some(raw) => raw_payload(raw)?,
        None => (simple_payload(message), message.silent_push),
    };

    let given_type = message.apns_push_type.as_deref().map(str::trim).filter(|value| !value.is_empty());
    let push_type = match given_type {
        Some(value) => known_push_type(value)?,
        None if voip => "voip",
        None if content_only => "background",
        None => "alert",
    };

    // Apple: background pushes must use priority 5 (10 is an error), and so must a
    // content-available-only payload sent with an explicit "alert" push type.
    let priority = if push_type == "background" || (content_only && push_type == "alert") {
        Some(5)
    } else {
        priority.map(|priority| match priority {
            Priority::Normal => 5,
            Priority::High => 10,
        })
    };

    // apns-expiration is an absolute UNIX time; 0 tells APNs to try once and not store.
    let expiration = ttl.map(|seconds| if seconds == 0 { 0 } else { now.unix_timestamp().saturating_add(seconds) });

    let collapse_id = match message.collapse_key.as_deref().filter(|value| !value.is_empty()) {
        Some(value) if value.len() > MAX_COLLAPSE_ID_BYTES => {
            return Err(PayloadError::Invalid(format!(
                "CollapseId is {} bytes; APNs accepts at most {MAX_COLLAPSE_ID_BYTES}",
                value.len()
            )));
        }
        value => value.map(str::to_string),
    };

    let limit = if push_type == "voip" { MAX_VOIP_PAYLOAD_BYTES } else { MAX_PAYLOAD_BYTES };
    let payload = serialize_within("APNs", &payload, limit)?;

    Ok(ApnsRequest {
        device_token: device_token.to_string(),
        push_type: push_type.to_string(),
        priority,
        expiration,
        collapse_id,
        topic: topic_for(topic, push_type),
        apns_id: None,
        payload,
    })
}

/// The payload built from the simple fields.
fn simple_payload(message: &PushMessage) -> Value {
    let mut aps = Map::new();
    if message.silent_push {
        aps.insert("content-available".into(), json!(1));
    } else {
        let mut alert = Map::new();
        if let Some(title) = &message.title {
            alert.insert("title".into(), json!(title));
        }
        if let Some(body) = &message.body {
            alert.insert("body".into(), json!(body));
        }
        if !alert.is_empty() {
            aps.insert("alert".into(), Value::Object(alert));
        }
        if let Some(sound) = &message.sound {
            aps.insert("sound".into(), json!(sound));
        }
        if let Some(badge) = message.badge {
            aps.insert("badge".into(), json!(badge));
        }
        if let Some(category) = &message.category {
            aps.insert("category".into(), json!(category));
        }
        if let Some(thread_id) = &message.thread_id {
            aps.insert("thread-id".into(), json!(thread_id));
        }
        if message.media_url.is_some() {
            aps.insert("mutable-content".into(), json!(1));
        }
    }

    let mut pinpoint = Map::new();
    pinpoint.insert("campaign".into(), json!(message.campaign()));
    match message.tap() {
        Tap::DeepLink(url) | Tap::Url(url) => {
            pinpoint.insert("deeplink".into(), json!(url));
        }
        Tap::OpenApp => {}
    }
    let mut data = Map::new();
    data.insert("pinpoint".into(), Value::Object(pinpoint));
    if !message.data.is_empty() {
        data.insert("jsonBody".into(), json!(message.data));
    }
    if let Some(media_url) = &message.media_url {
        data.insert("media-url".into(), json!(media_url));
    }

    json!({ "aps": aps, "data": data })
}

/// `RawContent`, checked, and whether it is a content-available-only (background) payload.
///
/// Safari: web push to Safari on macOS needs `aps.url-args`, an array (a single empty string
/// is enough), while iOS does not. An address does not say whether it is a Safari web push
/// token, so the array is only checked when present, never required.
fn raw_payload(raw: &str) -> Result<(Value, bool), PayloadError> {
    let payload = parse_raw_object(raw)?;
    let content_only = match payload.get("aps") {
        None => false,
        Some(Value::Object(aps)) => {
            check_aps(aps)?;
            aps.get("content-available").and_then(Value::as_i64) == Some(1)
                && !["alert", "sound", "badge"].iter().any(|key| aps.contains_key(*key))
        }
        Some(other) => {
            return Err(PayloadError::Invalid(format!("RawContent aps must be an object, not {}", kind(other))));
        }
    };
    Ok((Value::Object(payload), content_only))
}

fn check_aps(aps: &Map<String, Value>) -> Result<(), PayloadError> {
    if let Some(url_args) = aps.get("url-args") {
        let valid = matches!(url_args, Value::Array(items) if items.iter().all(Value::is_string));
        if !valid {
            return Err(PayloadError::Invalid(format!(
                "RawContent aps.url-args must be an array of strings (Safari needs at least [\"\"]), not {url_args}"
            )));
        }
    }
    // Pinpoint documents content-available as the integer 0 (standard) or 1 (background);
    // anything else would leave the push type to guesswork.
    if let Some(flag) = aps.get("content-available")
        && !matches!(flag.as_i64(), Some(0 | 1))
    {
        return Err(PayloadError::Invalid(format!("RawContent aps.content-available must be 0 or 1, not {flag}")));
    }
    Ok(())
}

fn known_push_type(value: &str) -> Result<&'static str, PayloadError> {
    let lower = value.to_ascii_lowercase();
    PUSH_TYPES
        .iter()
        .find(|known| **known == lower)
        .copied()
        .ok_or_else(|| PayloadError::Invalid(format!("APNSPushType {value:?} is not one of {}", PUSH_TYPES.join(", "))))
}

/// The `apns-topic` Apple expects for a push type: the bundle id plus a suffix for the types
/// Apple routes separately. A topic that already ends with the suffix is left alone.
fn topic_for(topic: &str, push_type: &str) -> String {
    let suffix = match push_type {
        "voip" => ".voip",
        "complication" => ".complication",
        "fileprovider" => ".pushkit.fileprovider",
        "location" => ".location-query",
        "liveactivity" => ".push-type.liveactivity",
        "pushtotalk" => ".voip-ptt",
        _ => "",
    };
    if topic.ends_with(suffix) { topic.to_string() } else { format!("{topic}{suffix}") }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use time::macros::datetime;

    use super::*;
    use crate::payload::Action;

    const TOKEN: &str = "a0b1c2d3e4f5";
    const TOPIC: &str = "com.example.app";
    const NOW: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);

    fn build_ok(message: &PushMessage) -> ApnsRequest {
        match build(message, TOKEN, TOPIC, false, NOW) {
            Ok(request) => request,
            Err(error) => panic!("build failed: {error}"),
        }
    }

    fn payload_json(request: &ApnsRequest) -> Value {
        serde_json::from_slice(&request.payload).unwrap_or(Value::Null)
    }

    fn raw(content: &str) -> PushMessage {
        PushMessage { raw_content: Some(content.to_string()), ..Default::default() }
    }

    #[test]
    fn alert_with_every_field() {
        let message = PushMessage {
            action: Some(Action::DeepLink),
            url: Some("myapp://offers/42".into()),
            title: Some("Sale".into()),
            body: Some("50% off".into()),
            data: BTreeMap::from([("offer".to_string(), "42".to_string())]),
            sound: Some("default".into()),
            badge: Some(3),
            category: Some("OFFER".into()),
            thread_id: Some("offers".into()),
            media_url: Some("https://cdn.example.com/a.jpg".into()),
            priority: Some("high".into()),
            time_to_live: Some(3600),
            collapse_key: Some("offers".into()),
            ..Default::default()
        };
        let request = build_ok(&message);
        assert_eq!(
            payload_json(&request),
            json!({
                "aps": {
                    "alert": {"title": "Sale", "body": "50% off"},
                    "sound": "default",
                    "badge": 3,
                    "category": "OFFER",
                    "thread-id": "offers",
                    "mutable-content": 1
                },
                "data": {
                    "pinpoint": {"campaign": {"campaign_id": "_DIRECT"}, "deeplink": "myapp://offers/42"},
                    "jsonBody": {"offer": "42"},
                    "media-url": "https://cdn.example.com/a.jpg"
                }
            })
        );
        assert_eq!(
            request,
            ApnsRequest {
                device_token: TOKEN.into(),
                push_type: "alert".into(),
                priority: Some(10),
                expiration: Some(NOW.unix_timestamp() + 3600),
                collapse_id: Some("offers".into()),
                topic: TOPIC.into(),
                apns_id: None,
                payload: request.payload.clone(),
            }
        );
    }

    #[test]
    fn minimal_alert_has_no_optional_headers() {
        let request = build_ok(&PushMessage { body: Some("Hi".into()), ..Default::default() });
        assert_eq!(
            payload_json(&request),
            json!({"aps": {"alert": {"body": "Hi"}}, "data": {"pinpoint": {"campaign": {"campaign_id": "_DIRECT"}}}})
        );
        assert_eq!(request.push_type, "alert");
        assert_eq!(request.priority, None);
        assert_eq!(request.expiration, None);
        assert_eq!(request.collapse_id, None);
    }

    #[test]
    fn url_action_uses_deeplink_and_open_app_adds_nothing() {
        let message = PushMessage {
            action: Some(Action::Url),
            url: Some("https://www.example.com".into()),
            body: Some("b".into()),
            ..Default::default()
        };
        assert_eq!(
            payload_json(&build_ok(&message)),
            json!({"aps": {"alert": {"body": "b"}}, "data": {"pinpoint": {
                "campaign": {"campaign_id": "_DIRECT"},
                "deeplink": "https://www.example.com"
            }}})
        );
        let message =
            PushMessage { action: Some(Action::OpenApp), url: Some("https://x".into()), ..Default::default() };
        assert_eq!(
            payload_json(&build_ok(&message)),
            json!({"aps": {}, "data": {"pinpoint": {"campaign": {"campaign_id": "_DIRECT"}}}})
        );
    }

    #[test]
    fn campaign_attributes_replace_direct() {
        let campaign = BTreeMap::from([
            ("campaign_id".to_string(), "c1".to_string()),
            ("campaign_activity_id".to_string(), "a1".to_string()),
        ]);
        let message = PushMessage { campaign, ..Default::default() };
        assert_eq!(
            payload_json(&build_ok(&message))["data"],
            json!({"pinpoint": {"campaign": {"campaign_id": "c1", "campaign_activity_id": "a1"}}})
        );
    }

    #[test]
    fn silent_push_is_background_at_priority_5() {
        let message = PushMessage {
            silent_push: true,
            title: Some("ignored".into()),
            body: Some("ignored".into()),
            sound: Some("default".into()),
            badge: Some(1),
            category: Some("C".into()),
            data: BTreeMap::from([("sync".to_string(), "1".to_string())]),
            priority: Some("high".into()),
            ..Default::default()
        };
        let request = build_ok(&message);
        assert_eq!(
            payload_json(&request),
            json!({"aps": {"content-available": 1}, "data": {
                "pinpoint": {"campaign": {"campaign_id": "_DIRECT"}},
                "jsonBody": {"sync": "1"}
            }})
        );
        assert_eq!(request.push_type, "background");
        assert_eq!(request.priority, Some(5));
    }

    #[test]
    fn priority_mapping() {
        for (given, expected) in [("high", 10), ("normal", 5), ("10", 10), ("5", 5), ("HIGH", 10), ("NORMAL", 5)] {
            let message = PushMessage { body: Some("b".into()), priority: Some(given.into()), ..Default::default() };
            assert_eq!(build_ok(&message).priority, Some(expected), "{given}");
        }
        let message = PushMessage { priority: Some("asap".into()), ..Default::default() };
        assert!(matches!(build(&message, TOKEN, TOPIC, false, NOW), Err(PayloadError::Invalid(_))));
    }

    #[test]
    fn explicit_background_type_forces_priority_5() {
        let message = PushMessage {
            apns_push_type: Some("background".into()),
            priority: Some("10".into()),
            ..Default::default()
        };
        let request = build_ok(&message);
        assert_eq!(request.push_type, "background");
        assert_eq!(request.priority, Some(5));
    }

    #[test]
    fn ttl_to_expiration() {
        let message = PushMessage { time_to_live: Some(30), ..Default::default() };
        assert_eq!(build_ok(&message).expiration, Some(1_767_225_630));
        let message = PushMessage { time_to_live: Some(0), ..Default::default() };
        assert_eq!(build_ok(&message).expiration, Some(0));
        let message = PushMessage { time_to_live: Some(-5), ..Default::default() };
        assert!(matches!(build(&message, TOKEN, TOPIC, false, NOW), Err(PayloadError::Invalid(_))));
    }

    #[test]
    fn collapse_id_limit() {
        let message = PushMessage { collapse_key: Some("c".repeat(64)), ..Default::default() };
        assert_eq!(build_ok(&message).collapse_id, Some("c".repeat(64)));
        let message = PushMessage { collapse_key: Some("c".repeat(65)), ..Default::default() };
        assert!(matches!(build(&message, TOKEN, TOPIC, false, NOW), Err(PayloadError::Invalid(_))));
    }

    #[test]
    fn voip_channel() {
        let message = PushMessage { body: Some("Incoming call".into()), ..Default::default() };
        let request = build(&message, TOKEN, TOPIC, true, NOW).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(request.push_type, "voip");
        assert_eq!(request.topic, "com.example.app.voip");
        // A topic that already names the VoIP topic is not suffixed twice.
        let request =
            build(&message, TOKEN, "com.example.app.voip", true, NOW).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(request.topic, "com.example.app.voip");
    }

    #[test]
    fn given_push_type_wins_and_picks_the_topic() {
        let message = PushMessage { apns_push_type: Some("Complication".into()), ..Default::default() };
        let request = build_ok(&message);
        assert_eq!(request.push_type, "complication");
        assert_eq!(request.topic, "com.example.app.complication");
        let message = PushMessage { apns_push_type: Some("alert".into()), ..Default::default() };
        let request = build(&message, TOKEN, TOPIC, true, NOW).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(request.push_type, "alert");
        assert_eq!(request.topic, TOPIC);
        let message = PushMessage { apns_push_type: Some("banner".into()), ..Default::default() };
        assert!(matches!(build(&message, TOKEN, TOPIC, false, NOW), Err(PayloadError::Invalid(_))));
    }

    #[test]
    fn guide_game_invitation_example() {
        let content = r#"{"aps": {"alert": {"title": "Game Request", "subtitle": "Five Card Draw",
            "body": "Bob wants to play poker"}, "category": "GAME_INVITATION"}, "gameID": "12345678"}"#;
        // Simple fields are ignored once RawContent is given.
        let message = PushMessage { title: Some("ignored".into()), ..raw(content) };
        let request = build_ok(&message);
        assert_eq!(
            payload_json(&request),
            json!({
                "aps": {
                    "alert": {"title": "Game Request", "subtitle": "Five Card Draw", "body": "Bob wants to play poker"},
                    "category": "GAME_INVITATION"
                },
                "gameID": "12345678"
            })
        );
        assert_eq!(request.push_type, "alert");
        assert_eq!(request.priority, None);
    }

    #[test]
    fn guide_safari_example() {
        let content = r#"{"aps": {"alert": {"title": "Title of my message", "body":
            "This is a push notification for the Safari web browser."},"content-available": 1,"url-args": [""]}}"#;
        let request = build_ok(&raw(content));
        assert_eq!(
            payload_json(&request),
            json!({"aps": {
                "alert": {
                    "title": "Title of my message",
                    "body": "This is a push notification for the Safari web browser."
                },
                "content-available": 1,
                "url-args": [""]
            }})
        );
        // It alerts, so it is not a background push despite content-available.
        assert_eq!(request.push_type, "alert");
    }

    #[test]
    fn url_args_must_be_an_array_of_strings() {
        for bad in [r#""""#, "{}", "[1]", "null"] {
            let content = format!(r#"{{"aps": {{"alert": "a", "url-args": {bad}}}}}"#);
            assert!(matches!(build(&raw(&content), TOKEN, TOPIC, false, NOW), Err(PayloadError::Invalid(_))), "{bad}");
        }
        let content = r#"{"aps": {"alert": "a", "url-args": ["boarding", "A998"]}}"#;
        assert!(build(&raw(content), TOKEN, TOPIC, false, NOW).is_ok());
    }

    #[test]
    fn raw_content_available_only_is_background() {
        let request = build_ok(&PushMessage {
            priority: Some("high".into()),
            ..raw(r#"{"aps": {"content-available": 1}, "k": "v"}"#)
        });
        assert_eq!(request.push_type, "background");
        assert_eq!(request.priority, Some(5));
        // content-available 0 is a standard notification.
        let request = build_ok(&raw(r#"{"aps": {"alert": "hi", "content-available": 0}}"#));
        assert_eq!(request.push_type, "alert");
        let result = build(&raw(r#"{"aps": {"content-available": "yes"}}"#), TOKEN, TOPIC, false, NOW);
        assert!(matches!(result, Err(PayloadError::Invalid(_))));
    }

    #[test]
    fn raw_still_uses_ttl_priority_and_collapse_id() {
        let message = PushMessage {
            time_to_live: Some(60),
            priority: Some("normal".into()),
            collapse_key: Some("k".into()),
            ..raw(r#"{"aps": {"alert": "hi"}}"#)
        };
        let request = build_ok(&message);
        assert_eq!(request.expiration, Some(NOW.unix_timestamp() + 60));
        assert_eq!(request.priority, Some(5));
        assert_eq!(request.collapse_id.as_deref(), Some("k"));
    }

    #[test]
    fn invalid_raw_content() {
        for bad in ["not json", "[]", "\"aps\"", "{\"aps\": 1}"] {
            let result = build(&raw(bad), TOKEN, TOPIC, false, NOW);
            assert!(matches!(result, Err(PayloadError::InvalidRawContent(_) | PayloadError::Invalid(_))), "{bad}");
        }
        assert!(matches!(build(&raw("[]"), TOKEN, TOPIC, false, NOW), Err(PayloadError::InvalidRawContent(_))));
    }

    /// A raw payload of exactly `size` bytes once serialized.
    fn raw_of_size(size: usize) -> PushMessage {
        let overhead = r#"{"aps":{"alert":""}}"#.len();
        raw(&format!(r#"{{"aps":{{"alert":"{}"}}}}"#, "x".repeat(size - overhead)))
    }

    #[test]
    fn size_limits() {
        let request = build_ok(&raw_of_size(4096));
        assert_eq!(request.payload.len(), 4096);
        assert_eq!(
            build(&raw_of_size(4097), TOKEN, TOPIC, false, NOW),
            Err(PayloadError::TooLarge { provider: "APNs", size: 4097, limit: 4096 })
        );
        let request = build(&raw_of_size(5120), TOKEN, TOPIC, true, NOW).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(request.payload.len(), 5120);
        assert_eq!(
            build(&raw_of_size(5121), TOKEN, TOPIC, true, NOW),
            Err(PayloadError::TooLarge { provider: "APNs", size: 5121, limit: 5120 })
        );
    }

    #[test]
    fn simple_fields_size_limit() {
        let overhead = build_ok(&PushMessage { body: Some(String::new()), ..Default::default() }).payload.len();
        let message = PushMessage { body: Some("b".repeat(4096 - overhead)), ..Default::default() };
        assert_eq!(build_ok(&message).payload.len(), 4096);
        let message = PushMessage { body: Some("b".repeat(4097 - overhead)), ..Default::default() };
        assert!(matches!(build(&message, TOKEN, TOPIC, false, NOW), Err(PayloadError::TooLarge { .. })));
    }
}
