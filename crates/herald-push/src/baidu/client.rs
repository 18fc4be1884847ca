//! The Baidu client: one signed `push/single_device` call per message.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{ACCEPT, CONTENT_TYPE};

use super::classify::{BaiduAnswer, classify};
use super::sign::sign;
use super::{BaiduClientConfig, BaiduError, BaiduRequest};
use crate::delivery::{DeliveryResult, DeliveryStatus};

const METHOD: &str = "POST";

/// Sends Baidu pushes with one app's keys. Cheap to share: wrap it in an `Arc`.
pub struct BaiduClient {
    http: reqwest::Client,
    /// `{base_url}/push/single_device`, exactly as signed.
    push_url: String,
    api_key: String,
    secret_key: String,
    request_timeout: Duration,
}

impl std::fmt::Debug for BaiduClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret key.
        f.debug_struct("BaiduClient")
            .field("push_url", &self.push_url)
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl BaiduClient {
    pub fn new(config: BaiduClientConfig) -> Result<Self, BaiduError> {
        let base = config.base_url.trim_end_matches('/');
        let push_url = format!("{base}/push/single_device");
        // The URL is signed as written, so it must already be what reqwest will send.
        let parsed = reqwest::Url::parse(&push_url)
            .map_err(|error| BaiduError::InvalidConfig(format!("base_url {:?}: {error}", config.base_url)))?;
        if parsed.as_str() != push_url || parsed.query().is_some() {
            return Err(BaiduError::InvalidConfig(format!(
                "base_url {:?} is not in canonical form (expected something like {:?})",
                config.base_url,
                super::DEFAULT_BASE_URL
            )));
        }
        if config.api_key.is_empty() || config.secret_key.is_empty() {
            return Err(BaiduError::InvalidConfig("api_key and secret_key must not be empty".to_string()));
        }
        // Baidu refuses requests whose User-Agent is not shaped like its SDKs'.
        let user_agent = format!(
            "BCCS_SDK/3.0 ({}; {}) herald-push/{} (Baidu Push Server REST API 3.0)",
            std::env::consts::OS,
            std::env::consts::ARCH,
            env!("CARGO_PKG_VERSION")
        );
        let mut builder = reqwest::Client::builder().timeout(config.request_timeout).user_agent(user_agent);
        if let Some(roots) = config.root_store {
            let tls = crate::tls::client_config(roots, None, &[b"h2", b"http/1.1"]).map_err(BaiduError::Tls)?;
            builder = builder.tls_backend_preconfigured(tls);
        }
        Ok(BaiduClient {
            http: builder.build().map_err(BaiduError::HttpClient)?,
            push_url,
            api_key: config.api_key,
            secret_key: config.secret_key,
            request_timeout: config.request_timeout,
        })
    }

    pub async fn send(&self, request: &BaiduRequest) -> DeliveryResult {
        let mut params = BTreeMap::from([
            ("apikey", self.api_key.clone()),
            ("timestamp", unix_time().to_string()),
            ("channel_id", request.channel_id.clone()),
            ("device_type", request.device_type.to_string()),
            ("msg_type", request.msg_type.to_string()),
            ("msg", request.msg.clone()),
        ]);
        if let Some(expires) = request.msg_expires {
            params.insert("msg_expires", expires.to_string());
        }
        let signature = sign(METHOD, &self.push_url, &params, &self.secret_key);
        params.insert("sign", signature);

        let response = match self
            .http
            .post(&self.push_url)
            // Baidu drops requests that do not declare UTF-8.
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded;charset=utf-8")
            .header(ACCEPT, "application/json")
            .form(&params)
            .send()
            .await
        {
            Ok(response) => response,
            Err(error) => return self.transport_failure("the Baidu push", &error),
        };
        let status = response.status().as_u16();
        match response.text().await {
            Ok(body) => classify(&BaiduAnswer { status, body }),
            Err(error) => self.transport_failure("the Baidu push answer", &error),
        }
    }

    fn transport_failure(&self, what: &str, error: &reqwest::Error) -> DeliveryResult {
        if error.is_timeout() {
            let message = format!("Baidu did not answer {what} within {:?}", self.request_timeout);
            return DeliveryResult::failed(DeliveryStatus::Timeout, 0, message);
        }
        DeliveryResult::failed(DeliveryStatus::TemporaryFailure, 0, format!("{what} failed: {}", error_chain(error)))
    }
}

/// Seconds since the epoch; Baidu accepts a signature for ten minutes from this.
fn unix_time() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs()).unwrap_or(0)
}

/// The error and its causes: reqwest's own message alone rarely says what went wrong.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
