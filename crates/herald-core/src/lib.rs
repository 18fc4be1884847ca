//! Herald's behaviour: implements the generated API traits over the store and the providers.

mod accounts;
pub mod event_delivery;
mod ids;
pub mod pinpoint;
mod push_settings;
pub mod redact;
pub mod sms_delivery;
mod sms_voice_v2;

use herald_store::{SecretBox, Store};

pub use accounts::{RootCredentials, SigningKey};
pub use push_settings::PushSettings;
pub use sms_voice_v2::inventory;
pub use sms_voice_v2::quotas::SmsQuotas;
pub use sms_voice_v2::registration_review::ReviewDecision;

/// Everything an API call needs, shared by all requests.
pub struct Core {
    store: Store,
    secrets: SecretBox,
    keys: accounts::KeyCache,
    push: PushSettings,
    providers: pinpoint::ProviderCache,
    /// Places for provider sends in flight, across all requests (`PushSettings::max_in_flight`).
    push_permits: tokio::sync::Semaphore,
    sms_quotas: SmsQuotas,
    /// Where accepted SMS, voice and media messages are committed.
    sms_outbox: sms_delivery::Outbox,
}

impl Core {
    /// Must be called inside a Tokio runtime: the SMS message writer starts with the Core.
    pub fn new(store: Store, secrets: SecretBox, push: PushSettings) -> Self {
        let sms_outbox = sms_delivery::Outbox::start(store.clone());
        Core {
            store,
            secrets,
            keys: accounts::KeyCache::default(),
            push_permits: tokio::sync::Semaphore::new(push.max_in_flight.max(1)),
            push,
            providers: pinpoint::ProviderCache::default(),
            sms_quotas: SmsQuotas::default(),
            sms_outbox,
        }
    }

    /// Replaces the guide's default SMS and voice quotas.
    pub fn with_sms_quotas(mut self, quotas: SmsQuotas) -> Self {
        self.sms_quotas = quotas;
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// Errors outside an API call (start-up, administration).
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Store(#[from] herald_store::StoreError),
    #[error(transparent)]
    Secret(#[from] herald_store::SecretBoxError),
    #[error("{0}")]
    Invalid(String),
}
