//! Provider clients per app and channel, built from the channel's credentials and kept while
//! the channel's version stays the same (an update rebuilds them). Never one global client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use herald_push::adm::{AdmClient, AdmClientConfig};
use herald_push::apns::{ApnsAuth, ApnsClient, ApnsClientConfig};
use herald_push::baidu::{BaiduClient, BaiduClientConfig};
use herald_push::credentials::parse_fcm_service_account;
use herald_push::fcm::{FcmClient, FcmClientConfig};
use herald_store::ChannelRecord;
use serde_json::{Map, Value};

use crate::Core;
use crate::pinpoint::PushChannel;

/// A ready client for one channel of one app.
pub(crate) enum Provider {
    Apns {
        client: ApnsClient,
        topic: String,
    },
    Fcm(FcmClient),
    /// A GCM channel with only a legacy server key: Google no longer accepts those.
    FcmLegacy,
    Adm(Box<AdmClient>),
    Baidu(BaiduClient),
}

/// (account, app, platform, authentication method): a channel with both a certificate and a
/// token key has a client for each.
type Key = (String, String, &'static str, String);

#[derive(Default)]
pub(crate) struct ProviderCache {
    clients: Mutex<HashMap<Key, (i64, Arc<Provider>)>>,
}

fn text<'a>(map: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    map.get(name).and_then(Value::as_str).ok_or_else(|| format!("the channel has no {name}"))
}

impl Core {
    /// The client for a channel, built on first use and whenever the channel changed. `preferred`
    /// is the message's PreferredAuthenticationMethod; without it the channel's default is used.
    pub(crate) fn provider(
        &self,
        record: &ChannelRecord,
        channel: PushChannel,
        preferred: Option<&str>,
    ) -> Result<Arc<Provider>, String> {
        let method = authentication_method(record, channel, preferred)?;
        let key = (record.account_id.clone(), record.app_id.clone(), channel.platform(), method.clone());
        if let Ok(clients) = self.providers.clients.lock()
            && let Some((version, provider)) = clients.get(&key)
            && *version == record.version
        {
            return Ok(provider.clone());
        }
        let provider = Arc::new(self.build_provider(record, channel, &method)?);
        if let Ok(mut clients) = self.providers.clients.lock() {
            clients.insert(key, (record.version, provider.clone()));
        }
        Ok(provider)
    }

    fn build_provider(&self, record: &ChannelRecord, channel: PushChannel, method: &str) -> Result<Provider, String> {
        let secrets = self.channel_secrets(record, channel).map_err(|e| e.message().to_string())?;
        let attributes = match &record.attributes {
            Value::Object(map) => map.clone(),
            _ => Map::new(),
        };
        let settings = &self.push;
        let roots = Some(settings.root_store.clone());
        match channel {
            PushChannel::Gcm if method == "KEY" => Ok(Provider::FcmLegacy),
            PushChannel::Gcm => {
                let key = parse_fcm_service_account(text(&secrets, "ServiceJson")?).map_err(|e| e.to_string())?;
                let mut config = FcmClientConfig::new(&settings.fcm_base_url, key);
                config.root_store = roots;
                config.request_timeout = settings.request_timeout;
                FcmClient::new(config).map(Provider::Fcm).map_err(|e| e.to_string())
            }
            PushChannel::Adm => {
                let mut config = AdmClientConfig::new(text(&secrets, "ClientId")?, text(&secrets, "ClientSecret")?);
                config.token_url = settings.adm_token_url.clone();
                config.base_url = settings.adm_base_url.clone();
                config.root_store = roots;
                config.request_timeout = settings.request_timeout;
                AdmClient::new(config).map(|client| Provider::Adm(Box::new(client))).map_err(|e| e.to_string())
            }
            PushChannel::Baidu => {
                let mut config = BaiduClientConfig::new(text(&secrets, "ApiKey")?, text(&secrets, "SecretKey")?);
                config.base_url = settings.baidu_base_url.clone();
                config.root_store = roots;
                config.request_timeout = settings.request_timeout;
                BaiduClient::new(config).map(Provider::Baidu).map_err(|e| e.to_string())
            }
            _ => {
                let (auth, topic) = if method == "CERTIFICATE" {
                    let auth = ApnsAuth::Certificate {
                        certificate_pem: text(&secrets, "Certificate")?.to_string(),
                        private_key_pem: text(&secrets, "PrivateKey")?.to_string(),
                    };
                    let topic = text(&attributes, "CertificateBundleId").or_else(|_| text(&attributes, "BundleId"))?;
                    (auth, topic.to_string())
                } else {
                    let auth = ApnsAuth::Token {
                        key_pem: text(&secrets, "TokenKey")?.to_string(),
                        key_id: text(&attributes, "TokenKeyId")?.to_string(),
                        team_id: text(&attributes, "TeamId")?.to_string(),
                    };
                    (auth, text(&attributes, "BundleId")?.to_string())
                };
                let sandbox = matches!(channel, PushChannel::ApnsSandbox | PushChannel::ApnsVoipSandbox);
                let url = if sandbox { &settings.apns_sandbox_url } else { &settings.apns_production_url };
                let mut config = ApnsClientConfig::new(url, auth, settings.root_store.clone());
                config.request_timeout = settings.request_timeout;
                let client = ApnsClient::new(config).map_err(|e| e.to_string())?;
                Ok(Provider::Apns { client, topic })
            }
        }
    }
}

/// The method a send uses: the message's preference, else the channel's default. A preference
/// the channel type does not know is refused; one whose credentials are missing fails when the
/// client is built.
fn authentication_method(
    record: &ChannelRecord,
    channel: PushChannel,
    preferred: Option<&str>,
) -> Result<String, String> {
    let default = record.attributes.get("DefaultAuthenticationMethod").and_then(Value::as_str).unwrap_or_default();
    let Some(preferred) = preferred.map(str::trim).filter(|p| !p.is_empty()) else { return Ok(default.to_string()) };
    let preferred = preferred.to_ascii_uppercase();
    let known: &[&str] = match channel {
        PushChannel::Gcm => &["KEY", "TOKEN"],
        c if c.is_apns() => &["CERTIFICATE", "TOKEN"],
        // ADM and Baidu have one kind of credential.
        _ => return Ok(default.to_string()),
    };
    if known.contains(&preferred.as_str()) {
        Ok(preferred)
    } else {
        Err(format!("PreferredAuthenticationMethod must be {} or {}, not {preferred}", known[0], known[1]))
    }
}
