//! SendMessages and SendUsersMessages for the push channels: resolve each address's message,
//! build its provider payload, deliver it through that app's client with retries inside the
//! request's deadline, and answer with a result per address. Tokens a provider declares dead
//! make their endpoints INACTIVE.

mod message;
mod providers;
mod retry;
mod send;
mod send_metrics;
mod variables;

pub(crate) use providers::ProviderCache;
pub use retry::RetryPolicy;
pub use send_metrics::describe as describe_metrics;
