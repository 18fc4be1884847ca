//! Baidu Cloud Push: the `push/single_device` parameters for one Android channel id.
//!
//! Pinpoint's Baidu messages are pass-through messages (`msg_type` 0) whose `msg` is the flat
//! `pinpoint.*` map (`pinpoint_data` in the parent module): the AWS SDK for Android receives them in
//! the Baidu receiver's `onMessage`, parses `msg` as a JSON object of string keys and builds
//! the notification itself (or skips it for `silentPush` "1"). A Baidu notification message
//! (`msg_type` 1) would be shown by the Baidu SDK and never reach that code, so silent and
//! visible pushes are both sent as pass-through.
//!
//! `RawContent` is sent as the `msg`. A raw payload with a `description` key is in Baidu's own
//! notification format (`{"title", "description", "custom_content", …}`, where `description`
//! is required) and goes out as a notification; anything else as pass-through.

use serde_json::{Value, json};

use super::{PushMessage, check_size, parse_raw_object, pinpoint_data};
use crate::PayloadError;
use crate::baidu::{BaiduRequest, DEVICE_TYPE_ANDROID, MSG_TYPE_MESSAGE, MSG_TYPE_NOTIFICATION};

/// Baidu's limit on `msg`.
pub const MAX_MSG_BYTES: usize = 4096;
/// Baidu keeps messages for offline devices at most 7 days; longer TTLs are shortened.
pub const MAX_MSG_EXPIRES_SECONDS: i64 = 604_800;

/// The Baidu push for one channel id. Pinpoint's Baidu channel serves Android apps only.
pub fn build(message: &PushMessage, channel_id: &str) -> Result<BaiduRequest, PayloadError> {
    let (msg_type, msg) = match message.raw_content.as_deref() {
        Some(raw) => {
            let raw = parse_raw_object(raw)?;
            let msg_type = if raw.contains_key("description") { MSG_TYPE_NOTIFICATION } else { MSG_TYPE_MESSAGE };
            (msg_type, Value::Object(raw))
        }
        None => (MSG_TYPE_MESSAGE, json!(pinpoint_data(message))),
    };
    let msg = msg.to_string();
    check_size("Baidu", msg.len(), MAX_MSG_BYTES)?;

    let msg_expires = message.time_to_live()?.map(|seconds| seconds.min(MAX_MSG_EXPIRES_SECONDS));
    Ok(BaiduRequest {
        channel_id: channel_id.to_string(),
        device_type: DEVICE_TYPE_ANDROID,
        msg_type,
        msg,
        msg_expires,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::payload::Action;

    const CHANNEL: &str = "4355409986214578421";

    fn build_ok(message: &PushMessage) -> BaiduRequest {
        match build(message, CHANNEL) {
            Ok(request) => request,
            Err(error) => panic!("build failed: {error}"),
        }
    }

    fn msg_json(request: &BaiduRequest) -> Value {
        serde_json::from_str(&request.msg).unwrap_or(Value::Null)
    }

    fn raw(content: &str) -> PushMessage {
        PushMessage { raw_content: Some(content.to_string()), ..Default::default() }
    }

    #[test]
    fn every_simple_field() {
        let message = PushMessage {
            action: Some(Action::DeepLink),
            url: Some("myapp://news/1".into()),
            title: Some("News".into()),
            body: Some("Read this".into()),
            data: BTreeMap::from([("article".to_string(), "1".to_string())]),
            sound: Some("pop".into()),
            image_url: Some("https://i/big.png".into()),
            image_icon_url: Some("https://i/icon.png".into()),
            small_image_icon_url: Some("https://i/small.png".into()),
            icon_reference: Some("ic_news".into()),
            time_to_live: Some(7200),
            ..Default::default()
        };
        let request = build_ok(&message);
        assert_eq!(
            msg_json(&request),
            json!({
                "pinpoint.notification.title": "News",
                "pinpoint.notification.body": "Read this",
                "pinpoint.notification.silentPush": "0",
                "pinpoint.campaign.campaign_id": "_DIRECT",
                "pinpoint.deeplink": "myapp://news/1",
                "pinpoint.notification.imageUrl": "https://i/big.png",
                "pinpoint.notification.imageIconUrl": "https://i/icon.png",
                "pinpoint.notification.imageSmallIconUrl": "https://i/small.png",
                "pinpoint.notification.icon": "ic_news",
                "pinpoint.notification.sound": "pop",
                "pinpoint.jsonBody": "{\"article\":\"1\"}"
            })
        );
        assert_eq!(
            request,
            BaiduRequest {
                channel_id: CHANNEL.into(),
                device_type: 3,
                msg_type: 0,
                msg: request.msg.clone(),
                msg_expires: Some(7200),
            }
        );
    }

    #[test]
    fn silent_push() {
        let request = build_ok(&PushMessage { silent_push: true, ..Default::default() });
        assert_eq!(request.msg_type, MSG_TYPE_MESSAGE);
        assert_eq!(
            msg_json(&request),
            json!({
                "pinpoint.notification.silentPush": "1",
                "pinpoint.openApp": "true",
                "pinpoint.campaign.campaign_id": "_DIRECT"
            })
        );
        assert_eq!(request.msg_expires, None);
    }

    #[test]
    fn ttl_to_msg_expires() {
        for (given, expected) in [(0, 0), (18_000, 18_000), (604_800, 604_800), (604_801, 604_800)] {
            let message = PushMessage { time_to_live: Some(given), ..Default::default() };
            assert_eq!(build_ok(&message).msg_expires, Some(expected), "{given}");
        }
        let message = PushMessage { time_to_live: Some(-1), ..Default::default() };
        assert!(matches!(build(&message, CHANNEL), Err(PayloadError::Invalid(_))));
    }

    #[test]
    fn raw_passes_through() {
        let request = build_ok(&raw(r#"{"pinpoint.notification.title": "Hi", "custom": {"a": 1}}"#));
        assert_eq!(request.msg_type, MSG_TYPE_MESSAGE);
        assert_eq!(msg_json(&request), json!({"pinpoint.notification.title": "Hi", "custom": {"a": 1}}));

        let content = r#"{"title": "hello", "description": "hello world", "custom_content": {"key": "value"}}"#;
        let request = build_ok(&PushMessage { time_to_live: Some(60), ..raw(content) });
        assert_eq!(request.msg_type, MSG_TYPE_NOTIFICATION);
        assert_eq!(
            msg_json(&request),
            json!({"title": "hello", "description": "hello world", "custom_content": {"key": "value"}})
        );
        assert_eq!(request.msg_expires, Some(60));
    }

    #[test]
    fn invalid_raw_content() {
        for bad in ["{", "[1]", "\"s\""] {
            assert!(matches!(build(&raw(bad), CHANNEL), Err(PayloadError::InvalidRawContent(_))), "{bad}");
        }
    }

    /// A raw message of exactly `size` bytes once serialized.
    fn raw_of_size(size: usize) -> PushMessage {
        let overhead = r#"{"k":""}"#.len();
        raw(&format!(r#"{{"k":"{}"}}"#, "x".repeat(size - overhead)))
    }

    #[test]
    fn size_limit() {
        assert_eq!(build_ok(&raw_of_size(4096)).msg.len(), 4096);
        assert_eq!(
            build(&raw_of_size(4097), CHANNEL),
            Err(PayloadError::TooLarge { provider: "Baidu", size: 4097, limit: 4096 })
        );
    }
}
