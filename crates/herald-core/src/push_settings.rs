//! Where and how push providers are reached: configured once per node.

use std::sync::Arc;
use std::time::Duration;

use crate::pinpoint::RetryPolicy;

#[derive(Clone)]
pub struct PushSettings {
    pub apns_production_url: String,
    pub apns_sandbox_url: String,
    pub fcm_base_url: String,
    pub adm_token_url: String,
    pub adm_base_url: String,
    pub baidu_base_url: String,
    /// System roots plus the operator's extra CA bundle.
    pub root_store: Arc<rustls::RootCertStore>,
    /// How long one provider request may take.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    /// How many addresses of one SendMessages call are in flight at once.
    pub send_concurrency: usize,
    /// How many provider sends are in flight at once across all calls. Past it, sends wait for a
    /// place before building their payload, so an overload queues cheaply instead of piling up
    /// half-built work (which made latency and memory grow without bound in the benchmark).
    pub max_in_flight: usize,
}

impl PushSettings {
    /// The providers' public endpoints.
    pub fn public(root_store: Arc<rustls::RootCertStore>) -> Self {
        PushSettings {
            apns_production_url: herald_push::apns::PRODUCTION_URL.to_string(),
            apns_sandbox_url: herald_push::apns::SANDBOX_URL.to_string(),
            fcm_base_url: herald_push::fcm::FCM_BASE_URL.to_string(),
            adm_token_url: herald_push::adm::DEFAULT_TOKEN_URL.to_string(),
            adm_base_url: herald_push::adm::DEFAULT_BASE_URL.to_string(),
            baidu_base_url: herald_push::baidu::DEFAULT_BASE_URL.to_string(),
            root_store,
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            send_concurrency: 256,
            max_in_flight: 1024,
        }
    }
}
