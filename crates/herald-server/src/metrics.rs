//! Prometheus metrics on the API listener: the recorder every crate records into through the
//! `metrics` facade, the `/metrics` answer (behind a bearer token when one is configured), and
//! the gauges read from the store when scraped.

use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Result, anyhow};
use axum::response::{IntoResponse, Response};
use herald_api::sms_voice_v2::types::SpendLimitName;
use herald_store::{MessageState, Store};
use http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, StatusCode};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

/// API calls by API, operation and outcome (the HTTP status of a success, else the AWS error code).
const API_REQUESTS: &str = "herald_api_requests_total";
const API_DURATION: &str = "herald_api_request_duration_seconds";
const AUDIT_DROPPED: &str = "herald_audit_dropped_total";
const MONTHLY_SPEND: &str = "herald_sms_monthly_spend_dollars";
const SMS_QUEUE: &str = "herald_sms_queue_messages";
const SMS_QUEUE_LAG: &str = "herald_sms_queue_lag_seconds";
const OUTBOX_RECORDS: &str = "herald_event_outbox_records";
const OUTBOX_OLDEST: &str = "herald_event_outbox_oldest_age_seconds";

/// Every `*_duration_seconds` histogram: 1 ms to 10 s, roughly 2.5x apart.
const DURATION_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// How often histograms are folded in between scrapes, so that they don't grow unbounded when
/// nobody scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The spend limits whose month's spend is a gauge, and the `kind` label each gets (the names the
/// SMS guide's CloudWatch metrics use).
const SPEND_KINDS: [(SpendLimitName, &str); 3] = [
    (SpendLimitName::TextMessageMonthlySpendLimit, "TextMessageMonthlySpend"),
    (SpendLimitName::VoiceMessageMonthlySpendLimit, "VoiceMessageMonthlySpend"),
    (SpendLimitName::MediaMessageMonthlySpendLimit, "MediaMessageMonthlySpend"),
];

/// Installs the Prometheus recorder for the process (once; later calls answer the same handle).
/// Install it before anything records, or those first values are lost.
pub fn install() -> Result<PrometheusHandle> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    let installed = HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_duration_seconds".into()), DURATION_BUCKETS)
            .and_then(PrometheusBuilder::install_recorder)
            .map_err(|e| e.to_string())?;
        describe();
        Ok(handle)
    });
    installed.clone().map_err(|e| anyhow!("installing the metrics recorder: {e}"))
}

fn describe() {
    metrics::describe_counter!(API_REQUESTS, "API calls by API, operation and code (HTTP status or AWS error code)");
    metrics::describe_histogram!(API_DURATION, metrics::Unit::Seconds, "Time to answer an API call");
    metrics::describe_counter!(AUDIT_DROPPED, "Audit records dropped because the audit writer fell behind or failed");
    metrics::describe_gauge!(MONTHLY_SPEND, "What each account spent this calendar month (UTC), in US dollars");
    metrics::describe_gauge!(SMS_QUEUE, "SMS, voice and media messages waiting to be sent or for their receipts");
    metrics::describe_gauge!(
        SMS_QUEUE_LAG,
        metrics::Unit::Seconds,
        "How long the most overdue queued message has been due (0 when none is overdue)"
    );
    metrics::describe_gauge!(OUTBOX_RECORDS, "Event records in the outbox per sink ARN: pending, or dead (given up)");
    metrics::describe_gauge!(OUTBOX_OLDEST, metrics::Unit::Seconds, "Age of the oldest pending record per sink ARN");
    herald_core::event_delivery::describe_metrics();
    herald_core::sms_delivery::describe_metrics();
    herald_core::pinpoint::describe_metrics();
    // Exposed at 0 from the start, so that alerts on its rate work before the first drop.
    metrics::counter!(AUDIT_DROPPED).increment(0);
}

/// Counts and times one API call.
pub fn count_api_call(api: &'static str, operation: &'static str, code: String, elapsed: Duration) {
    metrics::counter!(API_REQUESTS, "api" => api, "operation" => operation, "code" => code).increment(1);
    metrics::histogram!(API_DURATION, "api" => api, "operation" => operation).record(elapsed.as_secs_f64());
}

pub fn count_audit_dropped(records: u64) {
    metrics::counter!(AUDIT_DROPPED).increment(records);
}

/// What `/metrics` answers with.
#[derive(Clone)]
pub struct MetricsEndpoint {
    handle: PrometheusHandle,
    token: Option<String>,
}

impl MetricsEndpoint {
    /// Starts the periodic upkeep, so must be called inside a Tokio runtime.
    pub fn new(handle: PrometheusHandle, token: Option<String>) -> Self {
        let upkeep = handle.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(UPKEEP_INTERVAL);
            loop {
                ticks.tick().await;
                upkeep.run_upkeep();
            }
        });
        MetricsEndpoint { handle, token }
    }

    pub async fn answer(&self, store: &Store, headers: &HeaderMap) -> Response {
        if !authorized(self.token.as_deref(), headers) {
            return (StatusCode::UNAUTHORIZED, [(WWW_AUTHENTICATE, "Bearer")], "a bearer token is required\n")
                .into_response();
        }
        if let Err(error) = refresh_store_gauges(store).await {
            // The other metrics are still worth answering; the gauges keep their last values.
            tracing::warn!(error = %error, "could not read the spend and queue gauges from the store");
        }
        self.handle.run_upkeep();
        ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], self.handle.render()).into_response()
    }
}

/// Whether the request may read the metrics: always without a token, else only with
/// `Authorization: Bearer <token>`. The comparison takes the same time wherever the tokens
/// differ, and hashing first hides the length too.
fn authorized(expected: Option<&str>, headers: &HeaderMap) -> bool {
    let Some(expected) = expected else { return true };
    let Some(given) = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
    else {
        return false;
    };
    let given = Sha256::digest(given.trim().as_bytes());
    let expected = Sha256::digest(expected.as_bytes());
    bool::from(given.ct_eq(&expected))
}

/// The sink ARNs whose outbox gauges are exposed: the configured ones, and any that had records.
static SEEN_SINKS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Exposes the outbox gauges of the configured sinks from the start (at 0 until a scrape
/// reads otherwise).
pub fn expose_sinks<'a>(arns: impl IntoIterator<Item = &'a str>) {
    let mut seen = SEEN_SINKS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for arn in arns {
        if !seen.iter().any(|known| known == arn) {
            seen.push(arn.to_owned());
        }
    }
}

/// Sets the gauges that live in the store: each account's spend this month, and the queue.
async fn refresh_store_gauges(store: &Store) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    // The month a charge counts against, as herald-core's `month_of` writes it.
    let month = format!("{:04}-{:02}", now.year(), u8::from(now.month()));
    for account_id in store.list_account_ids().await? {
        for (limit, kind) in SPEND_KINDS {
            let micros = store.spend_in_month(&account_id, limit.as_str(), &month).await?;
            metrics::gauge!(MONTHLY_SPEND, "account_id" => account_id.clone(), "kind" => kind)
                .set(micros as f64 / 1_000_000.0);
        }
    }
    for state in [MessageState::Queued, MessageState::Submitted] {
        let count = store.count_messages(state).await?;
        metrics::gauge!(SMS_QUEUE, "state" => state.as_str()).set(count as f64);
    }
    let most_overdue = store.list_messages(MessageState::Queued, 1).await?;
    let lag = most_overdue.first().map(|message| (now - message.due_at).as_seconds_f64().max(0.0)).unwrap_or(0.0);
    metrics::gauge!(SMS_QUEUE_LAG).set(lag);
    // A sink whose records were all delivered has no row any more: it goes back to 0.
    let depths = store.outbox_depth().await?;
    let mut seen = SEEN_SINKS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for sink in seen.iter().filter(|sink| !depths.iter().any(|d| &d.sink == *sink)) {
        for state in ["pending", "dead"] {
            metrics::gauge!(OUTBOX_RECORDS, "sink" => sink.clone(), "state" => state).set(0.0);
        }
        metrics::gauge!(OUTBOX_OLDEST, "sink" => sink.clone()).set(0.0);
    }
    for depth in depths {
        metrics::gauge!(OUTBOX_RECORDS, "sink" => depth.sink.clone(), "state" => "pending").set(depth.pending as f64);
        metrics::gauge!(OUTBOX_RECORDS, "sink" => depth.sink.clone(), "state" => "dead").set(depth.dead as f64);
        let age = depth.oldest_pending.map(|oldest| (now - oldest).as_seconds_f64().max(0.0)).unwrap_or(0.0);
        metrics::gauge!(OUTBOX_OLDEST, "sink" => depth.sink.clone()).set(age);
        if !seen.contains(&depth.sink) {
            seen.push(depth.sink);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(authorization: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = authorization {
            headers.insert(AUTHORIZATION, value.parse().expect("header value"));
        }
        headers
    }

    #[test]
    fn without_a_token_anyone_may_scrape() {
        assert!(authorized(None, &headers(None)));
        assert!(authorized(None, &headers(Some("Bearer whatever"))));
    }

    #[test]
    fn with_a_token_only_the_same_bearer_token_may_scrape() {
        let token = Some("s3cret-token");
        assert!(authorized(token, &headers(Some("Bearer s3cret-token"))));
        assert!(!authorized(token, &headers(None)));
        assert!(!authorized(token, &headers(Some("Bearer s3cret-toke"))));
        assert!(!authorized(token, &headers(Some("Bearer s3cret-token2"))));
        assert!(!authorized(token, &headers(Some("Bearer "))));
        assert!(!authorized(token, &headers(Some("Basic czNjcmV0LXRva2Vu"))));
        assert!(!authorized(token, &headers(Some("s3cret-token"))), "the scheme is required");
    }
}
