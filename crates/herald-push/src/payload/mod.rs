//! Provider payloads built from Pinpoint's message fields.
//!
//! The caller (herald-core) merges `MessageConfiguration`, the per-address overrides and the
//! `{{substitutions}}` into one provider-neutral [`PushMessage`]; each submodule turns that into
//! the request its provider client sends. Nothing here talks to the network.
//!
//! Where Pinpoint's own payload layout is known (from the AWS Mobile SDK for Android, the
//! Amplify libraries and the API reference), it is reproduced so that apps written against
//! Pinpoint keep working:
//!
//! - Android-family providers (FCM, ADM, Baidu) carry the flat `pinpoint.*` string map built by
//!   `pinpoint_data`; the AWS SDK and Amplify read the notification from those keys.
//! - `Data` goes to `pinpoint.jsonBody` (a JSON string on Android, an object under
//!   `data.jsonBody` on APNs), as the API reference says for every `*Message.Data` field.
//! - Every push names its campaign (`_DIRECT` for SendMessages), which the SDKs need to handle
//!   it and to report its events.
//! - `RawContent` replaces everything else; it must be a JSON object.

pub mod adm;
pub mod apns;
pub mod baidu;
pub mod fcm;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::PayloadError;

/// What happens when the recipient taps the notification (Pinpoint's `Action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open the app, or bring it to the foreground. Pinpoint's default.
    OpenApp,
    /// Open the app at `url`, using the platform's deep-linking.
    DeepLink,
    /// Open `url` in the default browser.
    Url,
}

impl Action {
    /// The API's wire value (`OPEN_APP`, `DEEP_LINK`, `URL`).
    pub fn from_wire(value: &str) -> Option<Action> {
        match value {
            "OPEN_APP" => Some(Action::OpenApp),
            "DEEP_LINK" => Some(Action::DeepLink),
            "URL" => Some(Action::Url),
            _ => None,
        }
    }
}

/// One push notification for one address, already merged and substituted, in no provider's
/// format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushMessage {
    /// `None` means Pinpoint's default, [`Action::OpenApp`].
    pub action: Option<Action>,
    /// Used only with [`Action::DeepLink`] and [`Action::Url`].
    pub url: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    /// `Data`: delivered as `pinpoint.jsonBody`.
    pub data: BTreeMap<String, String>,
    /// Not displayed; wakes the app instead.
    pub silent_push: bool,
    /// As given: `normal` | `high`, also APNs `5` | `10` and FCM `NORMAL` | `HIGH`.
    pub priority: Option<String>,
    /// Seconds the provider keeps an undelivered message (ADM: `ExpiresAfter`). 0 = deliver
    /// now or never.
    pub time_to_live: Option<i64>,
    pub sound: Option<String>,
    /// APNs only.
    pub badge: Option<i32>,
    /// APNs only: the notification category (actions the app registered).
    pub category: Option<String>,
    /// APNs only: groups notifications.
    pub thread_id: Option<String>,
    /// APNs `MediaUrl`, fetched by the app's notification service extension.
    pub media_url: Option<String>,
    pub image_url: Option<String>,
    pub image_icon_url: Option<String>,
    pub small_image_icon_url: Option<String>,
    /// The name of an icon resource bundled with the app.
    pub icon_reference: Option<String>,
    /// GCM `CollapseKey`, APNs `CollapseId`, ADM `ConsolidationKey`.
    pub collapse_key: Option<String>,
    /// GCM only.
    pub restricted_package_name: Option<String>,
    /// APNs `APNSPushType`; derived from the message when absent.
    pub apns_push_type: Option<String>,
    /// ADM `MD5`, passed on as given.
    pub md5: Option<String>,
    /// The provider payload as a JSON string; it overrides the simple fields.
    pub raw_content: Option<String>,
    /// Campaign attributes (`campaign_id`, `campaign_activity_id`, `treatment_id`) that the
    /// device SDKs attach to the events they report. Empty for direct sends (SendMessages),
    /// which carry `campaign_id` `_DIRECT` like Pinpoint's: the AWS SDK for Android ignores a
    /// push that has no campaign id at all.
    pub campaign: BTreeMap<String, String>,
}

/// Delivery urgency, whichever provider spelling it came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// May be delayed to save battery.
    Normal,
    /// Sent immediately; may wake a sleeping device.
    High,
}

impl Priority {
    /// Accepts Pinpoint's `normal`/`high`, APNs' `5`/`10` and FCM's `NORMAL`/`HIGH`.
    pub fn parse(value: &str) -> Option<Priority> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("normal") || value == "5" {
            Some(Priority::Normal)
        } else if value.eq_ignore_ascii_case("high") || value == "10" {
            Some(Priority::High)
        } else {
            None
        }
    }
}

/// Where a tap leads, after Pinpoint's defaults are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tap<'a> {
    OpenApp,
    DeepLink(&'a str),
    Url(&'a str),
}

impl PushMessage {
    /// The priority, if one was given; an unknown spelling is refused rather than guessed.
    pub(crate) fn priority(&self) -> Result<Option<Priority>, PayloadError> {
        match self.priority.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(value) => Priority::parse(value)
                .map(Some)
                .ok_or_else(|| PayloadError::Invalid(format!("Priority {value:?} is not one of normal, high"))),
        }
    }

    /// The time to live in seconds, if one was given.
    pub(crate) fn time_to_live(&self) -> Result<Option<i64>, PayloadError> {
        match self.time_to_live {
            Some(seconds) if seconds < 0 => {
                Err(PayloadError::Invalid(format!("TimeToLive must be 0 or more seconds, not {seconds}")))
            }
            ttl => Ok(ttl),
        }
    }

    /// The tap action. A deep link or URL action without a URL falls back to opening the app,
    /// which is what the device SDKs do when the link is missing.
    pub(crate) fn tap(&self) -> Tap<'_> {
        let url = self.url.as_deref().filter(|url| !url.is_empty());
        match (self.action, url) {
            (Some(Action::DeepLink), Some(url)) => Tap::DeepLink(url),
            (Some(Action::Url), Some(url)) => Tap::Url(url),
            _ => Tap::OpenApp,
        }
    }

    /// The campaign attributes, `_DIRECT` when none were given.
    pub(crate) fn campaign(&self) -> BTreeMap<String, String> {
        if self.campaign.is_empty() {
            BTreeMap::from([("campaign_id".to_string(), DIRECT_CAMPAIGN_ID.to_string())])
        } else {
            self.campaign.clone()
        }
    }

    /// `Data` as the JSON text of `pinpoint.jsonBody`, or `None` when there is none.
    fn json_body(&self) -> Option<String> {
        if self.data.is_empty() {
            return None;
        }
        // A map of strings always serializes; the fallback only keeps this free of panics.
        serde_json::to_string(&self.data).ok()
    }
}

/// The campaign id of messages sent directly rather than by a campaign.
pub const DIRECT_CAMPAIGN_ID: &str = "_DIRECT";

// The keys the AWS Mobile SDK for Android and Amplify read from FCM, ADM and Baidu messages.
const KEY_TITLE: &str = "pinpoint.notification.title";
const KEY_BODY: &str = "pinpoint.notification.body";
const KEY_SILENT_PUSH: &str = "pinpoint.notification.silentPush";
const KEY_IMAGE_URL: &str = "pinpoint.notification.imageUrl";
const KEY_IMAGE_ICON_URL: &str = "pinpoint.notification.imageIconUrl";
const KEY_SMALL_IMAGE_ICON_URL: &str = "pinpoint.notification.imageSmallIconUrl";
const KEY_ICON: &str = "pinpoint.notification.icon";
const KEY_SOUND: &str = "pinpoint.notification.sound";
const KEY_OPEN_APP: &str = "pinpoint.openApp";
const KEY_URL: &str = "pinpoint.url";
const KEY_DEEPLINK: &str = "pinpoint.deeplink";
const KEY_JSON_BODY: &str = "pinpoint.jsonBody";
const CAMPAIGN_KEY_PREFIX: &str = "pinpoint.campaign.";

/// The flat `pinpoint.*` string map that Android-family providers carry.
///
/// The SDKs build the visible notification from these keys themselves (and skip it when
/// `silentPush` is `"1"`), so title and body are present even for silent pushes: the app may
/// still want them.
pub(crate) fn pinpoint_data(message: &PushMessage) -> BTreeMap<String, String> {
    let mut data = BTreeMap::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(value) = value {
            data.insert(key.to_string(), value.to_string());
        }
    };
    put(KEY_TITLE, message.title.as_deref());
    put(KEY_BODY, message.body.as_deref());
    put(KEY_SILENT_PUSH, Some(if message.silent_push { "1" } else { "0" }));
    match message.tap() {
        Tap::OpenApp => put(KEY_OPEN_APP, Some("true")),
        Tap::DeepLink(url) => put(KEY_DEEPLINK, Some(url)),
        Tap::Url(url) => put(KEY_URL, Some(url)),
    }
    put(KEY_IMAGE_URL, message.image_url.as_deref());
    put(KEY_IMAGE_ICON_URL, message.image_icon_url.as_deref());
    put(KEY_SMALL_IMAGE_ICON_URL, message.small_image_icon_url.as_deref());
    put(KEY_ICON, message.icon_reference.as_deref());
    put(KEY_SOUND, message.sound.as_deref());
    put(KEY_JSON_BODY, message.json_body().as_deref());
    for (key, value) in message.campaign() {
        data.insert(format!("{CAMPAIGN_KEY_PREFIX}{key}"), value);
    }
    data
}

/// `RawContent` parsed; anything but a JSON object is refused.
pub(crate) fn parse_raw_object(raw: &str) -> Result<Map<String, Value>, PayloadError> {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(other) => Err(PayloadError::InvalidRawContent(format!("expected a JSON object, found {}", kind(&other)))),
        Err(error) => Err(PayloadError::InvalidRawContent(error.to_string())),
    }
}

/// A JSON value as a provider string value: strings as they are, other scalars and structures
/// as their JSON text, `null` as nothing. FCM and ADM only accept strings in `data`.
pub(crate) fn stringify(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// A JSON object with every value [`stringify`]-ed.
pub(crate) fn stringify_object(object: &Map<String, Value>) -> Map<String, Value> {
    object.iter().filter_map(|(key, value)| stringify(value).map(|text| (key.clone(), Value::String(text)))).collect()
}

/// A payload serialized, refused when over the provider's limit.
pub(crate) fn serialize_within<T: serde::Serialize + ?Sized>(
    provider: &'static str,
    value: &T,
    limit: usize,
) -> Result<Vec<u8>, PayloadError> {
    let bytes = serde_json::to_vec(value).map_err(|error| PayloadError::Invalid(error.to_string()))?;
    check_size(provider, bytes.len(), limit)?;
    Ok(bytes)
}

pub(crate) fn check_size(provider: &'static str, size: usize, limit: usize) -> Result<(), PayloadError> {
    if size > limit { Err(PayloadError::TooLarge { provider, size, limit }) } else { Ok(()) }
}

/// A JSON type's name, for error messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The object under `key`, created when missing; an existing non-object is refused.
pub(crate) fn object_entry<'a>(
    parent: &'a mut Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a mut Map<String, Value>, PayloadError> {
    match parent.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new())) {
        Value::Object(object) => Ok(object),
        other => Err(PayloadError::Invalid(format!("RawContent {path} must be an object, not {}", kind(other)))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn action_wire_values() {
        assert_eq!(Action::from_wire("OPEN_APP"), Some(Action::OpenApp));
        assert_eq!(Action::from_wire("DEEP_LINK"), Some(Action::DeepLink));
        assert_eq!(Action::from_wire("URL"), Some(Action::Url));
        assert_eq!(Action::from_wire("url"), None);
    }

    #[test]
    fn priority_spellings() {
        for high in ["high", "HIGH", "High", "10", " high "] {
            assert_eq!(Priority::parse(high), Some(Priority::High), "{high}");
        }
        for normal in ["normal", "NORMAL", "5"] {
            assert_eq!(Priority::parse(normal), Some(Priority::Normal), "{normal}");
        }
        assert_eq!(Priority::parse("urgent"), None);
        assert_eq!(Priority::parse("1"), None);
    }

    #[test]
    fn unknown_priority_is_invalid_and_empty_is_absent() {
        let message = PushMessage { priority: Some("urgent".into()), ..Default::default() };
        assert!(matches!(message.priority(), Err(PayloadError::Invalid(_))));
        let message = PushMessage { priority: Some(String::new()), ..Default::default() };
        assert_eq!(message.priority(), Ok(None));
    }

    #[test]
    fn negative_ttl_is_invalid() {
        let message = PushMessage { time_to_live: Some(-1), ..Default::default() };
        assert!(matches!(message.time_to_live(), Err(PayloadError::Invalid(_))));
        let message = PushMessage { time_to_live: Some(0), ..Default::default() };
        assert_eq!(message.time_to_live(), Ok(Some(0)));
    }

    #[test]
    fn tap_defaults_to_open_app() {
        let url = Some("https://example.com".to_string());
        assert_eq!(PushMessage::default().tap(), Tap::OpenApp);
        let message = PushMessage { action: Some(Action::Url), url: url.clone(), ..Default::default() };
        assert_eq!(message.tap(), Tap::Url("https://example.com"));
        let message = PushMessage { action: Some(Action::DeepLink), url: url.clone(), ..Default::default() };
        assert_eq!(message.tap(), Tap::DeepLink("https://example.com"));
        // A URL without the action that uses it is ignored, like Pinpoint does.
        let message = PushMessage { url, ..Default::default() };
        assert_eq!(message.tap(), Tap::OpenApp);
        let message = PushMessage { action: Some(Action::Url), ..Default::default() };
        assert_eq!(message.tap(), Tap::OpenApp);
    }

    #[test]
    fn pinpoint_data_has_every_key() {
        let message = PushMessage {
            action: Some(Action::DeepLink),
            url: Some("myapp://page".into()),
            title: Some("T".into()),
            body: Some("B".into()),
            data: BTreeMap::from([("k".to_string(), "v".to_string())]),
            silent_push: true,
            image_url: Some("https://i/big.png".into()),
            image_icon_url: Some("https://i/icon.png".into()),
            small_image_icon_url: Some("https://i/small.png".into()),
            icon_reference: Some("ic_stat".into()),
            sound: Some("chime".into()),
            campaign: BTreeMap::from([
                ("campaign_id".to_string(), "c1".to_string()),
                ("treatment_id".to_string(), "0".to_string()),
            ]),
            ..Default::default()
        };
        let expected = BTreeMap::from(
            [
                ("pinpoint.notification.title", "T"),
                ("pinpoint.notification.body", "B"),
                ("pinpoint.notification.silentPush", "1"),
                ("pinpoint.deeplink", "myapp://page"),
                ("pinpoint.notification.imageUrl", "https://i/big.png"),
                ("pinpoint.notification.imageIconUrl", "https://i/icon.png"),
                ("pinpoint.notification.imageSmallIconUrl", "https://i/small.png"),
                ("pinpoint.notification.icon", "ic_stat"),
                ("pinpoint.notification.sound", "chime"),
                ("pinpoint.jsonBody", r#"{"k":"v"}"#),
                ("pinpoint.campaign.campaign_id", "c1"),
                ("pinpoint.campaign.treatment_id", "0"),
            ]
            .map(|(key, value)| (key.to_string(), value.to_string())),
        );
        assert_eq!(pinpoint_data(&message), expected);
    }

    #[test]
    fn pinpoint_data_minimal() {
        let expected = BTreeMap::from([
            ("pinpoint.notification.silentPush".to_string(), "0".to_string()),
            ("pinpoint.openApp".to_string(), "true".to_string()),
            ("pinpoint.campaign.campaign_id".to_string(), "_DIRECT".to_string()),
        ]);
        assert_eq!(pinpoint_data(&PushMessage::default()), expected);
    }

    #[test]
    fn raw_must_be_an_object() {
        assert!(parse_raw_object(r#"{"a": 1}"#).is_ok());
        for bad in ["[1]", "\"text\"", "42", "null", "{", "", "{'a': 1}"] {
            assert!(matches!(parse_raw_object(bad), Err(PayloadError::InvalidRawContent(_))), "{bad}");
        }
    }

    #[test]
    fn stringify_values() {
        let object = json!({"s": "x", "n": 1, "b": true, "o": {"k": [1]}, "z": null});
        let object = object.as_object().cloned().unwrap_or_default();
        assert_eq!(
            Value::Object(stringify_object(&object)),
            json!({"s": "x", "n": "1", "b": "true", "o": "{\"k\":[1]}"})
        );
    }

    #[test]
    fn size_limit_is_inclusive() {
        assert_eq!(check_size("X", 10, 10), Ok(()));
        assert_eq!(check_size("X", 11, 10), Err(PayloadError::TooLarge { provider: "X", size: 11, limit: 10 }));
    }
}
