//! FCM HTTP v1: the `message` object for `messages:send`.
//!
//! Without `RawContent`:
//!
//! ```json
//! {"token": "…",
//!  "notification": {"title": "…", "body": "…"},
//!  "android": {"priority": "HIGH", "ttl": "30s", "collapse_key": "…", "restricted_package_name": "…",
//!              "notification": {"sound": "…", "icon": "…"}},
//!  "data": {"pinpoint.notification.title": "…", "pinpoint.openApp": "true", "pinpoint.jsonBody": "{…}", …}}
//! ```
//!
//! - `data` is the `pinpoint.*` map the AWS SDK and Amplify build their notification from
//!   (`pinpoint_data` in the parent module); FCM only takes string values there.
//! - `ImageUrl` goes only to `data` as `pinpoint.notification.imageUrl`. Pinpoint does the same
//!   and its guide warns that the image is then not rendered without app-side handling.
//! - A silent push is data-only: no `notification` blocks, so FCM hands it to the app.
//!
//! With `RawContent`, either
//! - `{"fcmV1Message": {"message": {…}}}`: that v1 message, sent to the address. Any
//!   `token`/`topic`/`condition` of its own is replaced: in SendMessages the address is the
//!   target, and FCM refuses a message with two targets. Or
//! - a legacy (pre-v1) FCM payload, `{"notification": {…}, "data": {…}, "priority": …,
//!   "time_to_live": …, …}`, translated key by key to v1 (see `legacy_to_v1`).
//!
//! In both forms the message's delivery options (`TimeToLive`, `Priority`, `CollapseKey`,
//! `RestrictedPackageName`) fill in the matching `android` keys the raw payload leaves out:
//! the guide sends `TimeToLive` beside `RawContent` and expects it to apply.

use serde_json::{Map, Value, json};

use super::{Priority, PushMessage, kind, object_entry, parse_raw_object, pinpoint_data, serialize_within};
use crate::PayloadError;
use crate::fcm::FcmRequest;

/// FCM's limit on a message's payload.
pub const MAX_PAYLOAD_BYTES: usize = 4096;
/// FCM keeps messages at most 28 days; longer TTLs are shortened to that.
pub const MAX_TTL_SECONDS: i64 = 2_419_200;

/// Legacy `notification` keys that only Android understood, and their v1
/// `android.notification` names.
const LEGACY_ANDROID_KEYS: &[(&str, &str)] = &[
    ("android_channel_id", "channel_id"),
    ("body_loc_key", "body_loc_key"),
    ("body_loc_args", "body_loc_args"),
    ("click_action", "click_action"),
    ("color", "color"),
    ("icon", "icon"),
    ("sound", "sound"),
    ("tag", "tag"),
    ("title_loc_key", "title_loc_key"),
    ("title_loc_args", "title_loc_args"),
];

/// The v1 message for one registration token.
///
/// The size limit is checked without the `token`, which is addressing rather than payload.
pub fn build(message: &PushMessage, device_token: &str) -> Result<FcmRequest, PayloadError> {
    let mut v1 = match message.raw_content.as_deref() {
        Some(raw) => raw_message(message, raw)?,
        None => simple_message(message)?,
    };
    serialize_within("FCM", &v1, MAX_PAYLOAD_BYTES)?;
    v1.insert("token".into(), json!(device_token));
    Ok(FcmRequest { message: Value::Object(v1) })
}

fn simple_message(message: &PushMessage) -> Result<Map<String, Value>, PayloadError> {
    let mut v1 = Map::new();
    let mut android = android_options(message)?;

    if !message.silent_push {
        let mut notification = Map::new();
        if let Some(title) = &message.title {
            notification.insert("title".into(), json!(title));
        }
        if let Some(body) = &message.body {
            notification.insert("body".into(), json!(body));
        }
        if !notification.is_empty() {
            v1.insert("notification".into(), Value::Object(notification));
        }

        let mut android_notification = Map::new();
        if let Some(sound) = &message.sound {
            android_notification.insert("sound".into(), json!(sound));
        }
        if let Some(icon) = &message.icon_reference {
            android_notification.insert("icon".into(), json!(icon));
        }
        if !android_notification.is_empty() {
            android.insert("notification".into(), Value::Object(android_notification));
        }
    }

    if !android.is_empty() {
        v1.insert("android".into(), Value::Object(android));
    }
    v1.insert("data".into(), json!(pinpoint_data(message)));
    Ok(v1)
}

/// `android` delivery options from the simple fields.
fn android_options(message: &PushMessage) -> Result<Map<String, Value>, PayloadError> {
    let mut android = Map::new();
    if let Some(priority) = message.priority()? {
        android.insert("priority".into(), json!(v1_priority(priority)));
    }
    if let Some(ttl) = message.time_to_live()? {
        android.insert("ttl".into(), json!(v1_ttl(ttl)));
    }
    if let Some(collapse_key) = &message.collapse_key {
        android.insert("collapse_key".into(), json!(collapse_key));
    }
    if let Some(package) = &message.restricted_package_name {
        android.insert("restricted_package_name".into(), json!(package));
    }
    Ok(android)
}

fn raw_message(message: &PushMessage, raw: &str) -> Result<Map<String, Value>, PayloadError> {
    let mut raw = parse_raw_object(raw)?;
    let mut v1 = match raw.remove("fcmV1Message") {
        Some(wrapper) => unwrap_v1(wrapper)?,
        None => legacy_to_v1(raw)?,
    };
    for target in ["token", "topic", "condition"] {
        v1.remove(target);
    }

    // The message's delivery options fill in what the raw payload leaves open.
    let options = android_options(message)?;
    if !options.is_empty() {
        let android = object_entry(&mut v1, "android", "android")?;
        for (key, value) in options {
            android.entry(key).or_insert(value);
        }
    }
    Ok(v1)
}

/// The `message` inside `{"fcmV1Message": {"message": {…}}}`.
fn unwrap_v1(wrapper: Value) -> Result<Map<String, Value>, PayloadError> {
    let Value::Object(mut wrapper) = wrapper else {
        return Err(PayloadError::InvalidRawContent(format!("fcmV1Message must be an object, not {}", kind(&wrapper))));
    };
    match wrapper.remove("message") {
        Some(Value::Object(message)) => Ok(message),
        Some(other) => Err(PayloadError::InvalidRawContent(format!(
            "fcmV1Message.message must be an object, not {}",
            kind(&other)
        ))),
        None => Err(PayloadError::InvalidRawContent("fcmV1Message has no message object".into())),
    }
}

/// A legacy FCM payload translated to a v1 message.
///
/// - `notification.title`/`body`/`image` → `notification`; the Android-only keys →
///   `android.notification` (`android_channel_id` becomes `channel_id`).
/// - `data` → `data`, values turned into strings (v1 only takes strings).
/// - `priority` (`high`/`normal`) → `android.priority`; `time_to_live` (seconds) →
///   `android.ttl`; `collapse_key`, `restricted_package_name` → the same `android` keys.
/// - `content_available`/`mutable_content` → the matching `aps` flags under `apns.payload`.
/// - Targets (`to`, `registration_ids`, `condition`), `dry_run` and keys v1 has no place
///   for (iOS-only `badge`, `subtitle`, …) are dropped.
fn legacy_to_v1(legacy: Map<String, Value>) -> Result<Map<String, Value>, PayloadError> {
    let mut v1 = Map::new();
    let mut android = Map::new();

    if let Some(notification) = legacy.get("notification") {
        let Value::Object(notification) = notification else {
            return Err(PayloadError::Invalid(format!(
                "RawContent notification must be an object, not {}",
                kind(notification)
            )));
        };
        let mut common = Map::new();
        for key in ["title", "body", "image"] {
            if let Some(value) = notification.get(key) {
                common.insert(key.into(), value.clone());
            }
        }
        if !common.is_empty() {
            v1.insert("notification".into(), Value::Object(common));
        }
        let mut android_notification = Map::new();
        for (legacy_key, v1_key) in LEGACY_ANDROID_KEYS {
            if let Some(value) = notification.get(*legacy_key) {
                android_notification.insert((*v1_key).into(), value.clone());
            }
        }
        if !android_notification.is_empty() {
            android.insert("notification".into(), Value::Object(android_notification));
        }
    }

    if let Some(data) = legacy.get("data") {
        let Value::Object(data) = data else {
            return Err(PayloadError::Invalid(format!("RawContent data must be an object, not {}", kind(data))));
        };
        v1.insert("data".into(), Value::Object(super::stringify_object(data)));
    }

    if let Some(priority) = legacy.get("priority") {
        let parsed = match priority {
            Value::String(text) => Priority::parse(text),
            Value::Number(number) => number.as_i64().and_then(|number| Priority::parse(&number.to_string())),
            _ => None,
        };
        let Some(parsed) = parsed else {
            return Err(PayloadError::Invalid(format!("RawContent priority {priority} is not one of normal, high")));
        };
        android.insert("priority".into(), json!(v1_priority(parsed)));
    }

    if let Some(ttl) = legacy.get("time_to_live") {
        match ttl.as_i64() {
            Some(seconds) if seconds >= 0 => {
                android.insert("ttl".into(), json!(v1_ttl(seconds)));
            }
            _ => {
                return Err(PayloadError::Invalid(format!(
                    "RawContent time_to_live must be 0 or more seconds, not {ttl}"
                )));
            }
        }
    }

    for key in ["collapse_key", "restricted_package_name"] {
        if let Some(value) = legacy.get(key) {
            android.insert(key.into(), value.clone());
        }
    }

    let mut aps = Map::new();
    if legacy.get("content_available").and_then(Value::as_bool) == Some(true) {
        aps.insert("content-available".into(), json!(1));
    }
    if legacy.get("mutable_content").and_then(Value::as_bool) == Some(true) {
        aps.insert("mutable-content".into(), json!(1));
    }
    if !aps.is_empty() {
        v1.insert("apns".into(), json!({ "payload": { "aps": aps } }));
    }

    if !android.is_empty() {
        v1.insert("android".into(), Value::Object(android));
    }
    Ok(v1)
}

fn v1_priority(priority: Priority) -> &'static str {
    match priority {
        Priority::Normal => "NORMAL",
        Priority::High => "HIGH",
    }
}

/// A v1 `Duration`: whole seconds with an `s` suffix, at most FCM's 28 days.
fn v1_ttl(seconds: i64) -> String {
    format!("{}s", seconds.clamp(0, MAX_TTL_SECONDS))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::payload::Action;

    const TOKEN: &str = "fcm-token-1";

    fn build_ok(message: &PushMessage) -> Value {
        match build(message, TOKEN) {
            Ok(request) => request.message,
            Err(error) => panic!("build failed: {error}"),
        }
    }

    fn raw(content: &str) -> PushMessage {
        PushMessage { raw_content: Some(content.to_string()), ..Default::default() }
    }

    #[test]
    fn every_simple_field() {
        let message = PushMessage {
            action: Some(Action::DeepLink),
            url: Some("myapp://inbox".into()),
            title: Some("New mail".into()),
            body: Some("You have 2 messages".into()),
            data: BTreeMap::from([("count".to_string(), "2".to_string())]),
            priority: Some("high".into()),
            time_to_live: Some(600),
            sound: Some("ding".into()),
            image_url: Some("https://i/big.png".into()),
            image_icon_url: Some("https://i/icon.png".into()),
            small_image_icon_url: Some("https://i/small.png".into()),
            icon_reference: Some("ic_mail".into()),
            collapse_key: Some("inbox".into()),
            restricted_package_name: Some("com.example.mail".into()),
            ..Default::default()
        };
        assert_eq!(
            build_ok(&message),
            json!({
                "token": TOKEN,
                "notification": {"title": "New mail", "body": "You have 2 messages"},
                "android": {
                    "priority": "HIGH",
                    "ttl": "600s",
                    "collapse_key": "inbox",
                    "restricted_package_name": "com.example.mail",
                    "notification": {"sound": "ding", "icon": "ic_mail"}
                },
                "data": {
                    "pinpoint.notification.title": "New mail",
                    "pinpoint.notification.body": "You have 2 messages",
                    "pinpoint.notification.silentPush": "0",
                    "pinpoint.campaign.campaign_id": "_DIRECT",
                    "pinpoint.deeplink": "myapp://inbox",
                    "pinpoint.notification.imageUrl": "https://i/big.png",
                    "pinpoint.notification.imageIconUrl": "https://i/icon.png",
                    "pinpoint.notification.imageSmallIconUrl": "https://i/small.png",
                    "pinpoint.notification.icon": "ic_mail",
                    "pinpoint.notification.sound": "ding",
                    "pinpoint.jsonBody": "{\"count\":\"2\"}"
                }
            })
        );
    }

    /// The guide's first GCM example (its printed JSON fixed: `"GCM"`, `true`).
    #[test]
    fn guide_action_url_example() {
        let message = PushMessage {
            action: Some(Action::Url),
            body: Some("This is a sample message".into()),
            priority: Some("normal".into()),
            silent_push: true,
            title: Some("My sample message".into()),
            time_to_live: Some(30),
            url: Some("https://www.example.com".into()),
            ..Default::default()
        };
        assert_eq!(
            build_ok(&message),
            json!({
                "token": TOKEN,
                "android": {"priority": "NORMAL", "ttl": "30s"},
                "data": {
                    "pinpoint.notification.title": "My sample message",
                    "pinpoint.notification.body": "This is a sample message",
                    "pinpoint.notification.silentPush": "1",
                    "pinpoint.campaign.campaign_id": "_DIRECT",
                    "pinpoint.url": "https://www.example.com"
                }
            })
        );
    }

    #[test]
    fn open_app_is_the_default_and_no_options_means_no_android_block() {
        let message = PushMessage { body: Some("hi".into()), ..Default::default() };
        assert_eq!(
            build_ok(&message),
            json!({
                "token": TOKEN,
                "notification": {"body": "hi"},
                "data": {
                    "pinpoint.notification.body": "hi",
                    "pinpoint.notification.silentPush": "0",
                    "pinpoint.campaign.campaign_id": "_DIRECT",
                    "pinpoint.openApp": "true"
                }
            })
        );
    }

    #[test]
    fn silent_push_is_data_only() {
        let message = PushMessage {
            silent_push: true,
            sound: Some("ding".into()),
            icon_reference: Some("ic".into()),
            data: BTreeMap::from([("sync".to_string(), "now".to_string())]),
            ..Default::default()
        };
        let v1 = build_ok(&message);
        assert_eq!(v1.get("notification"), None);
        assert_eq!(v1.get("android"), None);
        assert_eq!(v1["data"]["pinpoint.notification.silentPush"], "1");
        assert_eq!(v1["data"]["pinpoint.jsonBody"], "{\"sync\":\"now\"}");
    }

    #[test]
    fn priority_and_ttl_mapping() {
        for (given, expected) in
            [("high", "HIGH"), ("normal", "NORMAL"), ("HIGH", "HIGH"), ("10", "HIGH"), ("5", "NORMAL")]
        {
            let message = PushMessage { priority: Some(given.into()), ..Default::default() };
            assert_eq!(build_ok(&message)["android"]["priority"], expected, "{given}");
        }
        let message = PushMessage { priority: Some("max".into()), ..Default::default() };
        assert!(matches!(build(&message, TOKEN), Err(PayloadError::Invalid(_))));

        for (given, expected) in [(0, "0s"), (30, "30s"), (2_419_200, "2419200s"), (9_999_999, "2419200s")] {
            let message = PushMessage { time_to_live: Some(given), ..Default::default() };
            assert_eq!(build_ok(&message)["android"]["ttl"], expected, "{given}");
        }
        let message = PushMessage { time_to_live: Some(-1), ..Default::default() };
        assert!(matches!(build(&message, TOKEN), Err(PayloadError::Invalid(_))));
    }

    /// The guide's legacy-keys example (its string breaks repaired), with `TimeToLive: 309744`.
    #[test]
    fn guide_legacy_example_translated_to_v1() {
        let content = r#"{"notification": {"title": "string", "body": "string", "android_channel_id": "string",
            "body_loc_args": ["string"], "body_loc_key": "string", "click_action": "string", "color": "string",
            "icon": "string", "sound": "string", "tag": "string", "title_loc_args": ["string"],
            "title_loc_key": "string"}, "data": {"message": "hello in data"}}"#;
        let message = PushMessage { time_to_live: Some(309_744), ..raw(content) };
        assert_eq!(
            build_ok(&message),
            json!({
                "token": TOKEN,
                "notification": {"title": "string", "body": "string"},
                "android": {
                    "ttl": "309744s",
                    "notification": {
                        "channel_id": "string",
                        "body_loc_args": ["string"],
                        "body_loc_key": "string",
                        "click_action": "string",
                        "color": "string",
                        "icon": "string",
                        "sound": "string",
                        "tag": "string",
                        "title_loc_args": ["string"],
                        "title_loc_key": "string"
                    }
                },
                "data": {"message": "hello in data"}
            })
        );
    }

    #[test]
    fn legacy_delivery_options() {
        let content = r#"{"notification": {"title": "t", "image": "https://i/x.png", "badge": "1"},
            "data": {"n": 1, "b": false, "o": {"k": "v"}, "z": null, "s": "x"},
            "priority": "high", "time_to_live": 120, "collapse_key": "ck", "restricted_package_name": "com.x",
            "content_available": true, "mutable_content": true, "to": "/topics/news", "dry_run": true}"#;
        // The raw payload's own TTL and priority win over the message fields.
        let message = PushMessage { time_to_live: Some(5), priority: Some("normal".into()), ..raw(content) };
        assert_eq!(
            build_ok(&message),
            json!({
                "token": TOKEN,
                "notification": {"title": "t", "image": "https://i/x.png"},
                "android": {
                    "priority": "HIGH",
                    "ttl": "120s",
                    "collapse_key": "ck",
                    "restricted_package_name": "com.x"
                },
                "apns": {"payload": {"aps": {"content-available": 1, "mutable-content": 1}}},
                "data": {"n": "1", "b": "false", "o": "{\"k\":\"v\"}", "s": "x"}
            })
        );
    }

    #[test]
    fn legacy_bad_values() {
        for bad in [
            r#"{"priority": "urgent"}"#,
            r#"{"time_to_live": -1}"#,
            r#"{"time_to_live": "60"}"#,
            r#"{"notification": "hello"}"#,
            r#"{"data": ["a"]}"#,
        ] {
            assert!(matches!(build(&raw(bad), TOKEN), Err(PayloadError::Invalid(_))), "{bad}");
        }
    }

    /// The guide's fcmV1Message example in full (its escaping repaired), with `TimeToLive: 309744`.
    const GUIDE_FCM_V1: &str = r#"{"fcmV1Message": {"message": {
        "notification": {"title": "string", "body": "string"},
        "android": {"priority": "high",
            "notification": {"title": "string", "body": "string", "icon": "string", "color": "string",
                "sound": "string", "tag": "string", "click_action": "string", "body_loc_key": "string",
                "body_loc_args": ["string"], "title_loc_key": "string", "title_loc_args": ["string"],
                "channel_id": "string", "ticker": "string", "sticky": true, "event_time": "2024-02-06T22:11:55Z",
                "local_only": true, "notification_priority": "PRIORITY_UNSPECIFIED", "default_sound": false,
                "default_vibrate_timings": true, "default_light_settings": false, "vibrate_timings": ["22s"],
                "visibility": "VISIBILITY_UNSPECIFIED", "notification_count": 5,
                "light_settings": {"color": {"red": 1, "green": 2, "blue": 3, "alpha": 6},
                    "light_on_duration": "112s", "light_off_duration": "1123s"},
                "image": "string"},
            "data": {"dataKey1": "priority message", "data_key_3": "priority message",
                "dataKey2": "priority message", "data_key_5": "priority message"},
            "ttl": "10023.32s"},
        "apns": {"payload": {"aps": {
            "alert": {"subtitle": "string", "title-loc-args": ["string"], "title-loc-key": "string",
                "launch-image": "string", "subtitle-loc-key": "string", "subtitle-loc-args": ["string"],
                "loc-args": ["string"], "loc-key": "string", "title": "string", "body": "string"},
            "thread-id": "string", "category": "string", "content-available": 1, "mutable-content": 1,
            "target-content-id": "string", "interruption-level": "string", "relevance-score": 25,
            "filter-criteria": "string", "stale-date": 6483, "content-state": {}, "timestamp": 673634,
            "dismissal-date": 4, "attributes-type": "string", "attributes": {}, "sound": "string", "badge": 5}}},
        "webpush": {"notification": {"permission": "granted", "maxActions": 2, "actions": ["title"],
                "badge": "URL", "body": "Hello", "data": {"hello": "hey"}, "dir": "auto", "icon": "icon",
                "image": "image", "lang": "string", "renotify": false, "requireInteraction": true,
                "silent": false, "tag": "tag", "timestamp": 1707259524964, "title": "hello",
                "vibrate": [100, 200, 300]},
            "data": {"data1": "priority message", "data2": "priority message", "data12": "priority message",
                "data3": "priority message"}},
        "data": {"data7": "priority message", "data5": "priority message", "data8": "priority message",
            "data9": "priority message"}}}}"#;

    #[test]
    fn guide_fcm_v1_example() {
        let message = PushMessage { time_to_live: Some(309_744), ..raw(GUIDE_FCM_V1) };
        // The message goes out exactly as given, plus the token; its own android.ttl wins.
        let mut expected: Value = serde_json::from_str(GUIDE_FCM_V1).unwrap_or(Value::Null);
        let mut expected = expected["fcmV1Message"]["message"].take();
        expected["token"] = json!(TOKEN);
        let v1 = build_ok(&message);
        assert_eq!(v1, expected);
        assert_eq!(v1["android"]["ttl"], "10023.32s");
        assert_eq!(v1["apns"]["payload"]["aps"]["badge"], 5);
        assert_eq!(v1["webpush"]["notification"]["vibrate"], json!([100, 200, 300]));
    }

    #[test]
    fn v1_targets_are_replaced_and_gaps_filled() {
        let content = r#"{"fcmV1Message": {"message": {"topic": "news", "condition": "'a' in topics",
            "token": "other", "data": {"k": "v"}}}}"#;
        let message = PushMessage {
            time_to_live: Some(60),
            priority: Some("high".into()),
            collapse_key: Some("ck".into()),
            restricted_package_name: Some("com.x".into()),
            ..raw(content)
        };
        assert_eq!(
            build_ok(&message),
            json!({"token": TOKEN, "data": {"k": "v"}, "android": {"priority": "HIGH", "ttl": "60s",
                "collapse_key": "ck", "restricted_package_name": "com.x"}})
        );
        let content = r#"{"fcmV1Message": {"message": {"android": "x"}}}"#;
        let message = PushMessage { time_to_live: Some(60), ..raw(content) };
        assert!(matches!(build(&message, TOKEN), Err(PayloadError::Invalid(_))));
    }

    #[test]
    fn invalid_raw_content() {
        for bad in [
            "nope",
            "[]",
            "7",
            r#"{"fcmV1Message": []}"#,
            r#"{"fcmV1Message": {}}"#,
            r#"{"fcmV1Message": {"message": "m"}}"#,
        ] {
            assert!(matches!(build(&raw(bad), TOKEN), Err(PayloadError::InvalidRawContent(_))), "{bad}");
        }
    }

    /// A v1 raw message whose serialized form, without the token, is exactly `size` bytes.
    fn v1_of_size(size: usize) -> PushMessage {
        let overhead = r#"{"data":{"k":""}}"#.len();
        raw(&format!(r#"{{"fcmV1Message":{{"message":{{"data":{{"k":"{}"}}}}}}}}"#, "x".repeat(size - overhead)))
    }

    #[test]
    fn size_limit_excludes_the_token() {
        let v1 = build_ok(&v1_of_size(4096));
        assert_eq!(v1["token"], TOKEN);
        assert_eq!(
            build(&v1_of_size(4097), TOKEN),
            Err(PayloadError::TooLarge { provider: "FCM", size: 4097, limit: 4096 })
        );
    }
}
