//! What push sends count and time, through the `metrics` facade (the server installs the
//! Prometheus recorder; without one these cost next to nothing).

use std::time::Instant;

/// Results of SendMessages and SendUsersMessages, one per address or endpoint.
const SENDS: &str = "herald_push_sends_total";
/// One provider call (an attempt; retries are separate calls).
const PROVIDER_DURATION: &str = "herald_push_provider_duration_seconds";

/// Registers the help text of the push metrics.
pub fn describe() {
    metrics::describe_counter!(
        SENDS,
        "Push results of SendMessages and SendUsersMessages, by app, channel and Pinpoint DeliveryStatus"
    );
    metrics::describe_histogram!(
        PROVIDER_DURATION,
        metrics::Unit::Seconds,
        "Time of one call to a push provider (APNs, FCM, ADM, Baidu), retries counted separately"
    );
}

/// Counts one target's result. Targets decided before any provider was asked (no channel type,
/// endpoint not found) count under channel `NONE`.
pub(super) fn count_send(app_id: &str, channel: Option<&str>, delivery_status: &'static str) {
    let channel = channel.unwrap_or("NONE").to_string();
    metrics::counter!(SENDS, "app_id" => app_id.to_string(), "channel" => channel, "delivery_status" => delivery_status)
        .increment(1);
}

/// Runs one provider call and records how long it took.
pub(super) async fn timed<T>(channel: &'static str, call: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let output = call.await;
    metrics::histogram!(PROVIDER_DURATION, "channel" => channel).record(started.elapsed().as_secs_f64());
    output
}
