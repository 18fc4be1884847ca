//! Retrying transient provider failures inside a send's deadline: capped exponential backoff
//! with full jitter. The policy is data, so tests and operators can shorten it.

use std::time::Duration;

use herald_push::{DeliveryResult, DeliveryStatus};
use rand::Rng;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per address, the first included.
    pub max_attempts: u32,
    /// The first backoff; it doubles per attempt up to `cap`.
    pub base: Duration,
    pub cap: Duration,
    /// No retry starts after this long from the beginning of the send.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
            deadline: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (attempt counts from 1): a random time up to the
    /// capped exponential bound, or the provider's Retry-After when it asked for longer.
    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let bound = self.base.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(self.cap);
        let jittered = rand::rng().random_range(Duration::ZERO..=bound);
        retry_after.map_or(jittered, |asked| asked.max(jittered))
    }
}

/// Runs `attempt` until it succeeds, fails for good, runs out of attempts, or the next wait
/// would pass the deadline.
pub(crate) async fn with_retries<F, Fut>(policy: &RetryPolicy, started: Instant, mut attempt: F) -> DeliveryResult
where
    F: FnMut() -> Fut,
    Fut: Future<Output = DeliveryResult>,
{
    let deadline = started + policy.deadline;
    let mut tries = 0;
    loop {
        tries += 1;
        let result = attempt().await;
        if !result.status.is_retryable() || tries >= policy.max_attempts {
            return result;
        }
        let wait = policy.backoff(tries, result.retry_after);
        if Instant::now() + wait >= deadline {
            return result;
        }
        tokio::time::sleep(wait).await;
    }
}

/// Pinpoint's model has no TIMEOUT status; a timeout is a temporary failure that says so.
pub(crate) fn wire_status(result: &DeliveryResult) -> (&'static str, String) {
    match result.status {
        DeliveryStatus::Timeout => ("TEMPORARY_FAILURE", format!("TIMEOUT: {}", result.status_message)),
        status => (status.as_str(), result.status_message.clone()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(4),
            deadline: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn transient_failures_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let result = with_retries(&policy(), Instant::now(), || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                DeliveryResult::failed(DeliveryStatus::TemporaryFailure, 503, "Unavailable")
            } else {
                DeliveryResult::delivered(200, Some("id".into()))
            }
        })
        .await;
        assert_eq!(result.status, DeliveryStatus::Successful);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn permanent_failures_and_the_attempt_limit_stop_retries() {
        let calls = AtomicU32::new(0);
        let result = with_retries(&policy(), Instant::now(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            DeliveryResult::failed(DeliveryStatus::PermanentFailure, 400, "BadDeviceToken")
        })
        .await;
        assert_eq!((result.status, calls.load(Ordering::SeqCst)), (DeliveryStatus::PermanentFailure, 1));

        let calls = AtomicU32::new(0);
        let result = with_retries(&policy(), Instant::now(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            DeliveryResult::failed(DeliveryStatus::Throttled, 429, "TooManyRequests")
        })
        .await;
        assert_eq!((result.status, calls.load(Ordering::SeqCst)), (DeliveryStatus::Throttled, 4));
    }

    #[tokio::test]
    async fn no_retry_starts_past_the_deadline() {
        let calls = AtomicU32::new(0);
        let mut slow = policy();
        slow.deadline = Duration::from_millis(50);
        let result = with_retries(&slow, Instant::now(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            let mut result = DeliveryResult::failed(DeliveryStatus::Throttled, 429, "slow down");
            result.retry_after = Some(Duration::from_secs(60));
            result
        })
        .await;
        assert_eq!((result.status, calls.load(Ordering::SeqCst)), (DeliveryStatus::Throttled, 1));
    }

    #[test]
    fn backoff_is_capped() {
        let policy = policy();
        for attempt in 1..20 {
            assert!(policy.backoff(attempt, None) <= policy.cap);
        }
        assert_eq!(policy.backoff(1, Some(Duration::from_secs(3))), Duration::from_secs(3));
    }
}
