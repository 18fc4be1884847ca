//! Resolves what one address receives: the channel's message from MessageConfiguration (the
//! channel-specific message over DefaultPushNotificationMessage over DefaultMessage), then the
//! address's overrides, then the variables.

use std::collections::BTreeMap;

use herald_api::pinpoint::types::{Action as WireAction, DirectMessageConfiguration};
use herald_push::payload::{Action, PushMessage};

use super::variables::Variables;
use crate::pinpoint::PushChannel;

/// Per-address overrides (AddressConfiguration / EndpointSendConfiguration).
#[derive(Default)]
pub(crate) struct Overrides {
    pub body: Option<String>,
    pub title: Option<String>,
    pub raw_content: Option<String>,
    pub substitutions: Option<BTreeMap<String, Vec<String>>>,
}

/// The fields every push channel message shares, taken from whichever message has them.
#[derive(Default)]
struct Common {
    action: Option<WireAction>,
    url: Option<String>,
    title: Option<String>,
    body: Option<String>,
    data: Option<BTreeMap<String, String>>,
    silent_push: Option<bool>,
    raw_content: Option<String>,
    substitutions: Option<BTreeMap<String, Vec<String>>>,
}

impl Common {
    /// Fills what `self` lacks from `fallback`.
    fn or(self, fallback: Common) -> Common {
        Common {
            action: self.action.or(fallback.action),
            url: self.url.or(fallback.url),
            title: self.title.or(fallback.title),
            body: self.body.or(fallback.body),
            data: self.data.or(fallback.data),
            silent_push: self.silent_push.or(fallback.silent_push),
            raw_content: self.raw_content.or(fallback.raw_content),
            substitutions: self.substitutions.or(fallback.substitutions),
        }
    }
}

/// The shared fields of any channel's message type (GCMMessage, APNSMessage, ...): they have
/// the same names in every generated type.
macro_rules! common_fields {
    ($message:expr) => {
        Common {
            action: $message.action,
            url: $message.url.clone(),
            title: $message.title.clone(),
            body: $message.body.clone(),
            data: $message.data.clone(),
            silent_push: $message.silent_push,
            raw_content: $message.raw_content.clone(),
            substitutions: $message.substitutions.clone(),
        }
    };
}

fn action(wire: WireAction) -> Action {
    match wire {
        WireAction::OpenApp => Action::OpenApp,
        WireAction::DeepLink => Action::DeepLink,
        WireAction::Url => Action::Url,
    }
}

/// The push message for `channel`, or `None` when the configuration has nothing for it.
pub(crate) fn push_message(
    channel: PushChannel,
    configuration: &DirectMessageConfiguration,
    overrides: &Overrides,
    endpoint: Option<&serde_json::Value>,
) -> Option<PushMessage> {
    let mut message = PushMessage::default();
    let specific = match channel {
        PushChannel::Gcm => configuration.gcm_message.as_ref().map(|m| {
            message.priority = m.priority.clone();
            message.time_to_live = m.time_to_live.map(i64::from);
            message.sound = m.sound.clone();
            message.image_url = m.image_url.clone();
            message.image_icon_url = m.image_icon_url.clone();
            message.small_image_icon_url = m.small_image_icon_url.clone();
            message.icon_reference = m.icon_reference.clone();
            message.collapse_key = m.collapse_key.clone();
            message.restricted_package_name = m.restricted_package_name.clone();
            common_fields!(m)
        }),
        PushChannel::Baidu => configuration.baidu_message.as_ref().map(|m| {
            message.time_to_live = m.time_to_live.map(i64::from);
            message.sound = m.sound.clone();
            message.image_url = m.image_url.clone();
            message.image_icon_url = m.image_icon_url.clone();
            message.small_image_icon_url = m.small_image_icon_url.clone();
            message.icon_reference = m.icon_reference.clone();
            common_fields!(m)
        }),
        PushChannel::Adm => configuration.adm_message.as_ref().map(|m| {
            message.time_to_live = m.expires_after.as_deref().and_then(|s| s.parse().ok());
            message.sound = m.sound.clone();
            message.image_url = m.image_url.clone();
            message.image_icon_url = m.image_icon_url.clone();
            message.small_image_icon_url = m.small_image_icon_url.clone();
            message.icon_reference = m.icon_reference.clone();
            message.collapse_key = m.consolidation_key.clone();
            message.md5 = m.md5.clone();
            common_fields!(m)
        }),
        _ => configuration.apns_message.as_ref().map(|m| {
            message.priority = m.priority.clone();
            message.time_to_live = m.time_to_live.map(i64::from);
            message.sound = m.sound.clone();
            message.badge = m.badge;
            message.category = m.category.clone();
            message.thread_id = m.thread_id.clone();
            message.media_url = m.media_url.clone();
            message.collapse_key = m.collapse_id.clone();
            message.apns_push_type = m.apns_push_type.clone();
            common_fields!(m)
        }),
    };
    let default_push = configuration.default_push_notification_message.as_ref().map(|m| Common {
        action: m.action,
        url: m.url.clone(),
        title: m.title.clone(),
        body: m.body.clone(),
        data: m.data.clone(),
        silent_push: m.silent_push,
        raw_content: None,
        substitutions: m.substitutions.clone(),
    });
    let default = configuration.default_message.as_ref().map(|m| Common {
        body: m.body.clone(),
        substitutions: m.substitutions.clone(),
        ..Common::default()
    });
    if specific.is_none() && default_push.is_none() && default.is_none() && overrides.raw_content.is_none() {
        return None;
    }
    let common = specific.unwrap_or_default().or(default_push.unwrap_or_default()).or(default.unwrap_or_default());

    let mut variables = Variables::new([common.substitutions.as_ref(), overrides.substitutions.as_ref()]);
    if let Some(endpoint) = endpoint {
        variables = variables.with_endpoint(endpoint);
    }
    let render = |text: Option<String>| text.map(|t| variables.render(&t));
    message.action = common.action.map(action);
    message.url = render(common.url);
    message.title = render(overrides.title.clone().or(common.title));
    message.body = render(overrides.body.clone().or(common.body));
    message.data = common.data.unwrap_or_default();
    message.silent_push = common.silent_push.unwrap_or(false);
    message.raw_content = render(overrides.raw_content.clone().or(common.raw_content));
    Some(message)
}

/// The message's PreferredAuthenticationMethod for `channel`, where the channel type has one.
pub(crate) fn preferred_authentication(
    channel: PushChannel,
    configuration: &DirectMessageConfiguration,
) -> Option<&str> {
    match channel {
        PushChannel::Gcm => configuration.gcm_message.as_ref()?.preferred_authentication_method.as_deref(),
        c if c.is_apns() => configuration.apns_message.as_ref()?.preferred_authentication_method.as_deref(),
        _ => None,
    }
}
