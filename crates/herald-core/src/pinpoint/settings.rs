//! GetApplicationSettings and UpdateApplicationSettings.

use herald_api::pinpoint::types::{ApplicationSettingsResource, WriteApplicationSettingsRequest};
use herald_proto::wire::format_iso8601;
use herald_proto::{ApiError, RequestContext};
use serde_json::Value;
use time::OffsetDateTime;

use super::errors::{bad_request, convert, internal, not_found};
use crate::Core;

impl Core {
    pub(crate) async fn get_application_settings(
        &self,
        ctx: &RequestContext,
        app_id: &str,
    ) -> Result<ApplicationSettingsResource, ApiError> {
        let app = self.require_app(ctx, app_id).await?;
        settings_resource(app_id, &app.settings)
    }

    /// Members present in the request replace the stored ones; absent members stay.
    pub(crate) async fn update_application_settings(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        request: WriteApplicationSettingsRequest,
    ) -> Result<ApplicationSettingsResource, ApiError> {
        if let Some(limits) = &request.limits {
            for (name, value) in [
                ("Daily", limits.daily),
                ("MaximumDuration", limits.maximum_duration),
                ("MessagesPerSecond", limits.messages_per_second),
                ("Total", limits.total),
                ("Session", limits.session),
            ] {
                if value.is_some_and(|v| v < 0) {
                    return Err(bad_request(format!("Limits.{name} cannot be negative")));
                }
            }
        }
        let app = self.require_app(ctx, app_id).await?;
        let mut settings = match app.settings {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        if let Value::Object(changes) = serde_json::to_value(&request).map_err(internal)? {
            settings.extend(changes);
        }
        settings.insert("LastModifiedDate".into(), Value::from(format_iso8601(OffsetDateTime::now_utc())));
        let settings = Value::Object(settings);
        let updated = self.store.update_app_settings(&ctx.account_id, app_id, &settings).await.map_err(internal)?;
        if !updated {
            return Err(not_found(format!("Application {app_id} not found")));
        }
        settings_resource(app_id, &settings)
    }
}

/// The stored document holds the members of WriteApplicationSettingsRequest and the last
/// modification time; the resource answers with the ones it has.
fn settings_resource(app_id: &str, stored: &Value) -> Result<ApplicationSettingsResource, ApiError> {
    let mut resource = serde_json::Map::new();
    resource.insert("ApplicationId".into(), Value::from(app_id));
    for member in ["CampaignHook", "LastModifiedDate", "Limits", "QuietTime", "JourneyLimits"] {
        if let Some(value) = stored.get(member) {
            resource.insert(member.into(), value.clone());
        }
    }
    convert(Value::Object(resource))
}
