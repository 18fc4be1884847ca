//! The push channels of an app: APNs (four variants), GCM/FCM, Baidu and ADM.
//!
//! The generated request and response types differ per channel but share their wire members,
//! so the logic here works on JSON documents and `convert` turns them into the typed shapes.
//! Credentials are sealed in one secret document per channel; the attributes document holds
//! what may be shown.

use herald_proto::wire::format_iso8601;
use herald_proto::{ApiError, RequestContext};
use herald_push::credentials::{parse_fcm_service_account, validate_apns_certificate, validate_apns_token_key};
use herald_store::{ChannelRecord, StoreError};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::errors::{bad_request, conflict, convert, internal, not_found};
use crate::Core;

/// A push channel type, as Pinpoint names its platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushChannel {
    Apns,
    ApnsSandbox,
    ApnsVoip,
    ApnsVoipSandbox,
    Gcm,
    Baidu,
    Adm,
}

impl PushChannel {
    pub const ALL: [PushChannel; 7] = [
        PushChannel::Apns,
        PushChannel::ApnsSandbox,
        PushChannel::ApnsVoip,
        PushChannel::ApnsVoipSandbox,
        PushChannel::Gcm,
        PushChannel::Baidu,
        PushChannel::Adm,
    ];

    /// The `Platform` value, also the key in GetChannels.
    pub fn platform(self) -> &'static str {
        match self {
            PushChannel::Apns => "APNS",
            PushChannel::ApnsSandbox => "APNS_SANDBOX",
            PushChannel::ApnsVoip => "APNS_VOIP",
            PushChannel::ApnsVoipSandbox => "APNS_VOIP_SANDBOX",
            PushChannel::Gcm => "GCM",
            PushChannel::Baidu => "BAIDU",
            PushChannel::Adm => "ADM",
        }
    }

    pub fn from_platform(platform: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.platform() == platform)
    }

    pub(crate) fn is_apns(self) -> bool {
        matches!(
            self,
            PushChannel::Apns | PushChannel::ApnsSandbox | PushChannel::ApnsVoip | PushChannel::ApnsVoipSandbox
        )
    }
}

/// A channel's state while an update is applied.
struct ChannelState {
    attributes: Map<String, Value>,
    secrets: Map<String, Value>,
}

impl ChannelState {
    fn secret(&self, name: &str) -> Option<&str> {
        self.secrets.get(name).and_then(Value::as_str)
    }

    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(Value::as_str)
    }
}

fn secret_context(account_id: &str, app_id: &str, channel: PushChannel) -> String {
    format!("channel/{account_id}/{app_id}/{}", channel.platform())
}

/// A member the caller set: absent is `None`; present but blank is a BadRequestException.
fn provided<'r>(request: &'r Map<String, Value>, name: &str) -> Result<Option<&'r str>, ApiError> {
    match request.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Err(bad_request(format!("{name} cannot be empty"))),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(bad_request(format!("{name} must be a string"))),
    }
}

impl Core {
    /// Creates or updates a channel from its Update*Channel request; answers the channel response.
    pub(crate) async fn update_channel(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        channel: PushChannel,
        request: impl serde::Serialize,
    ) -> Result<Value, ApiError> {
        let Value::Object(request) = serde_json::to_value(request).map_err(internal)? else {
            return Err(bad_request("The channel request must be a JSON object"));
        };
        self.require_app(ctx, app_id).await?;
        let existing = self.store.get_channel(&ctx.account_id, app_id, channel.platform()).await.map_err(internal)?;
        let context = secret_context(&ctx.account_id, app_id, channel);
        let mut state = match &existing {
            Some(record) => ChannelState {
                attributes: as_object(&record.attributes),
                secrets: self.channel_secrets(record, channel)?,
            },
            None => ChannelState { attributes: Map::new(), secrets: Map::new() },
        };

        match channel {
            c if c.is_apns() => apply_apns(&mut state, &request)?,
            PushChannel::Gcm => apply_gcm(&mut state, &request)?,
            PushChannel::Baidu => apply_pair(&mut state, &request, "ApiKey", "SecretKey")?,
            _ => apply_pair(&mut state, &request, "ClientId", "ClientSecret")?,
        }
        if channel == PushChannel::Baidu {
            // Pinpoint answers Baidu's API key (not its secret key) as the channel's Credential.
            let api_key = state.secret("ApiKey").map(str::to_owned);
            state.attributes.insert("Credential".into(), json!(api_key));
        }

        let enabled = match request.get("Enabled") {
            Some(Value::Bool(enabled)) => *enabled,
            _ => existing.as_ref().is_none_or(|record| record.enabled),
        };
        let sealed =
            self.secrets.seal(&serde_json::to_vec(&state.secrets).map_err(internal)?, &context).map_err(internal)?;
        let now = OffsetDateTime::now_utc();
        let record = ChannelRecord {
            account_id: ctx.account_id.clone(),
            app_id: app_id.to_string(),
            kind: channel.platform().to_string(),
            enabled,
            attributes: Value::Object(state.attributes),
            credentials: Some(sealed),
            version: existing.as_ref().map_or(1, |r| r.version + 1),
            created_at: existing.as_ref().map_or(now, |r| r.created_at),
            updated_at: now,
        };
        match self.store.put_channel(&record, existing.as_ref().map(|r| r.version)).await {
            Ok(()) => Ok(channel_response(&record, channel)),
            Err(StoreError::Conflict(_)) => {
                Err(conflict(format!("The {} channel was changed by another request; retry", channel.platform())))
            }
            Err(error) => Err(internal(error)),
        }
    }

    /// The channel's credentials document, opened.
    pub(crate) fn channel_secrets(
        &self,
        record: &ChannelRecord,
        channel: PushChannel,
    ) -> Result<Map<String, Value>, ApiError> {
        let Some(sealed) = &record.credentials else { return Ok(Map::new()) };
        let context = secret_context(&record.account_id, &record.app_id, channel);
        let plain = self.secrets.open(sealed, &context).map_err(internal)?;
        serde_json::from_slice(&plain).map_err(internal)
    }

    pub(crate) async fn get_channel(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        channel: PushChannel,
    ) -> Result<Value, ApiError> {
        self.require_app(ctx, app_id).await?;
        let record =
            self.store.get_channel(&ctx.account_id, app_id, channel.platform()).await.map_err(internal)?.ok_or_else(
                || not_found(format!("The {} channel of application {app_id} is not set up", channel.platform())),
            )?;
        Ok(channel_response(&record, channel))
    }

    pub(crate) async fn delete_channel(
        &self,
        ctx: &RequestContext,
        app_id: &str,
        channel: PushChannel,
    ) -> Result<Value, ApiError> {
        self.require_app(ctx, app_id).await?;
        let record = self
            .store
            .delete_channel(&ctx.account_id, app_id, channel.platform())
            .await
            .map_err(internal)?
            .ok_or_else(|| {
                not_found(format!("The {} channel of application {app_id} is not set up", channel.platform()))
            })?;
        Ok(channel_response(&record, channel))
    }

    /// GetChannels: every channel the app has, keyed by platform.
    pub(crate) async fn get_channels(
        &self,
        ctx: &RequestContext,
        app_id: &str,
    ) -> Result<herald_api::pinpoint::types::ChannelsResponse, ApiError> {
        self.require_app(ctx, app_id).await?;
        let records = self.store.list_channels(&ctx.account_id, app_id).await.map_err(internal)?;
        let mut channels = Map::new();
        for record in &records {
            let Some(channel) = PushChannel::from_platform(&record.kind) else { continue };
            let mut response = channel_response(record, channel);
            // ChannelResponse has only the members common to every channel.
            if let Value::Object(map) = &mut response {
                for member in
                    ["Platform", "HasTokenKey", "HasFcmServiceCredentials", "DefaultAuthenticationMethod", "Credential"]
                {
                    map.remove(member);
                }
            }
            channels.insert(record.kind.clone(), response);
        }
        convert(json!({ "Channels": channels }))
    }
}

fn as_object(value: &Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    }
}

/// APNs: a TLS certificate with its key, a .p8 token key with its ids, or both.
fn apply_apns(state: &mut ChannelState, request: &Map<String, Value>) -> Result<(), ApiError> {
    let certificate = provided(request, "Certificate")?;
    let private_key = provided(request, "PrivateKey")?;
    match (certificate, private_key) {
        (Some(certificate), Some(private_key)) => {
            let info = validate_apns_certificate(certificate, private_key, OffsetDateTime::now_utc())
                .map_err(|e| bad_request(e.to_string()))?;
            state.secrets.insert("Certificate".into(), json!(certificate));
            state.secrets.insert("PrivateKey".into(), json!(private_key));
            let expiry = format_iso8601(info.not_after);
            // The response shape has no field for it, so the expiry goes to the log, loudly when near.
            if info.not_after - OffsetDateTime::now_utc() < time::Duration::days(30) {
                tracing::warn!(expires = expiry, subject = info.subject, "APNs certificate expires within 30 days");
            } else {
                tracing::info!(expires = expiry, subject = info.subject, "APNs certificate accepted");
            }
            state.attributes.insert("CertificateExpiry".into(), json!(expiry));
            state.attributes.insert("CertificateBundleId".into(), json!(info.bundle_id));
        }
        (Some(_), None) => return Err(bad_request("PrivateKey is required with Certificate")),
        (None, Some(_)) => return Err(bad_request("Certificate is required with PrivateKey")),
        (None, None) => {}
    }

    let token_key = provided(request, "TokenKey")?;
    let mut token_ids = Vec::new();
    for name in ["TokenKeyId", "BundleId", "TeamId"] {
        if let Some(value) = provided(request, name)? {
            token_ids.push((name, value));
        }
    }
    if let Some(token_key) = token_key {
        validate_apns_token_key(token_key).map_err(|e| bad_request(e.to_string()))?;
        state.secrets.insert("TokenKey".into(), json!(token_key));
    }
    if !token_ids.is_empty() && state.secret("TokenKey").is_none() {
        return Err(bad_request(format!("TokenKey is required with {}", token_ids[0].0)));
    }
    for (name, value) in token_ids {
        state.attributes.insert(name.into(), json!(value));
    }
    if state.secret("TokenKey").is_some() {
        for name in ["TokenKeyId", "BundleId", "TeamId"] {
            if state.attribute(name).is_none() {
                return Err(bad_request(format!("{name} is required with TokenKey")));
            }
        }
    }

    let has_certificate = state.secret("Certificate").is_some();
    let has_token = state.secret("TokenKey").is_some();
    if !has_certificate && !has_token {
        return Err(bad_request(
            "An APNs channel needs a Certificate and PrivateKey, or a TokenKey with TokenKeyId, BundleId and TeamId",
        ));
    }
    let method = authentication_method(request, state, [("TOKEN", has_token), ("CERTIFICATE", has_certificate)])?;
    state.attributes.insert("DefaultAuthenticationMethod".into(), json!(method));
    state.attributes.insert("HasTokenKey".into(), json!(has_token));
    Ok(())
}

/// GCM/FCM: a service-account JSON key for FCM HTTP v1 (TOKEN), or a legacy server key (KEY).
fn apply_gcm(state: &mut ChannelState, request: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(api_key) = provided(request, "ApiKey")? {
        state.secrets.insert("ApiKey".into(), json!(api_key));
    }
    if let Some(service_json) = provided(request, "ServiceJson")? {
        let key = parse_fcm_service_account(service_json).map_err(|e| bad_request(e.to_string()))?;
        state.secrets.insert("ServiceJson".into(), json!(service_json));
        state.attributes.insert("ProjectId".into(), json!(key.project_id));
    }
    let has_key = state.secret("ApiKey").is_some();
    let has_service_json = state.secret("ServiceJson").is_some();
    if !has_key && !has_service_json {
        return Err(bad_request("A GCM channel needs ServiceJson (FCM HTTP v1) or ApiKey (legacy)"));
    }
    let method = authentication_method(request, state, [("TOKEN", has_service_json), ("KEY", has_key)])?;
    state.attributes.insert("DefaultAuthenticationMethod".into(), json!(method));
    state.attributes.insert("HasFcmServiceCredentials".into(), json!(has_service_json));
    Ok(())
}

/// Baidu (ApiKey, SecretKey) and ADM (ClientId, ClientSecret): both members, every time.
fn apply_pair(
    state: &mut ChannelState,
    request: &Map<String, Value>,
    first: &str,
    second: &str,
) -> Result<(), ApiError> {
    for name in [first, second] {
        let value = provided(request, name)?.ok_or_else(|| bad_request(format!("{name} is required")))?;
        state.secrets.insert(name.into(), json!(value));
    }
    Ok(())
}

/// DefaultAuthenticationMethod: the request's, else the stored one, else the first of `methods`
/// (name, whether its credentials are there) that has credentials. It must name one of
/// `methods` whose credentials are there.
fn authentication_method(
    request: &Map<String, Value>,
    state: &ChannelState,
    methods: [(&'static str, bool); 2],
) -> Result<&'static str, ApiError> {
    let chosen = match provided(request, "DefaultAuthenticationMethod")? {
        Some(method) => Some(method.to_ascii_uppercase()),
        None => state.attribute("DefaultAuthenticationMethod").map(str::to_owned),
    };
    let Some(chosen) = chosen else {
        return methods
            .iter()
            .find(|(_, usable)| *usable)
            .map(|(name, _)| *name)
            .ok_or_else(|| bad_request("No credentials were given"));
    };
    match methods.iter().find(|(name, _)| *name == chosen) {
        Some((name, true)) => Ok(name),
        Some((name, false)) => {
            Err(bad_request(format!("DefaultAuthenticationMethod is {name}, but no credentials for it were given")))
        }
        None => Err(bad_request(format!("DefaultAuthenticationMethod must be {} or {}", methods[0].0, methods[1].0))),
    }
}

/// The channel as Pinpoint answers it: never a secret.
fn channel_response(record: &ChannelRecord, channel: PushChannel) -> Value {
    let mut response = json!({
        "ApplicationId": record.app_id,
        "CreationDate": format_iso8601(record.created_at),
        "Enabled": record.enabled,
        "HasCredential": record.credentials.is_some(),
        "Id": channel.platform().to_ascii_lowercase(),
        "IsArchived": false,
        "LastModifiedDate": format_iso8601(record.updated_at),
        "Platform": channel.platform(),
        "Version": record.version,
    });
    if let (Value::Object(map), Value::Object(attributes)) = (&mut response, &record.attributes) {
        for member in ["DefaultAuthenticationMethod", "HasTokenKey", "HasFcmServiceCredentials", "Credential"] {
            if let Some(value) = attributes.get(member) {
                map.insert(member.into(), value.clone());
            }
        }
    }
    response
}
