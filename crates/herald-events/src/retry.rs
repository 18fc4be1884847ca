use std::time::Duration;

/// When a sink is tried again after a failed delivery, and when the outbox gives up.
///
/// The backoff is capped exponential with *equal jitter*: retry `n` (1 = the first retry)
/// waits between half and all of `min · 2^n` capped at `max`, that is between `min` and
/// `2·min` first, and between `max/2` and `max` once the cap is reached. Half of the wait is
/// fixed so that a sink that is down is not hammered by unlucky draws (full jitter may draw
/// zero); the other half is random so that the events queued for one sink at the same moment
/// do not come back at the same moment. The result never goes below `min` or above `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub min: Duration,
    pub max: Duration,
    /// Events still failing this long after their first failure are dead (kept, not retried).
    pub dead_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            min: Duration::from_secs(1),
            max: Duration::from_secs(5 * 60),
            dead_after: Duration::from_secs(24 * 60 * 60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry `attempt` (1 = the first retry; 0 is taken as 1). `jitter` is a
    /// random number in 0..=1 the caller draws, so that the policy stays a pure function;
    /// values outside that range are clamped (NaN counts as 0).
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let jitter = if jitter.is_nan() { 0.0 } else { jitter.clamp(0.0, 1.0) };
        let attempt = attempt.max(1);
        // Past 2^31 the product is beyond any sensible cap, so overflow means "the cap".
        let cap = 1u32.checked_shl(attempt).and_then(|factor| self.min.checked_mul(factor)).unwrap_or(self.max);
        let cap = cap.min(self.max);
        let half = cap / 2;
        let delay = half + half.mul_f64(jitter);
        // `max` first, so that a policy whose min exceeds its max still waits at least `min`.
        delay.min(self.max).max(self.min)
    }

    /// Whether an event that first failed `first_failure_age` ago should no longer be retried.
    pub fn is_dead(&self, first_failure_age: Duration) -> bool {
        first_failure_age >= self.dead_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(value: f64) -> Duration {
        Duration::from_secs_f64(value)
    }

    #[test]
    fn defaults() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.min, Duration::from_secs(1));
        assert_eq!(policy.max, Duration::from_secs(300));
        assert_eq!(policy.dead_after, Duration::from_secs(86_400));
    }

    #[test]
    fn doubles_with_equal_jitter_until_the_cap() {
        let policy = RetryPolicy::default();
        // attempt n waits between 2^(n-1) and 2^n seconds.
        for (attempt, low, high) in [(1, 1.0, 2.0), (2, 2.0, 4.0), (3, 4.0, 8.0), (8, 128.0, 256.0)] {
            assert_eq!(policy.delay(attempt, 0.0), secs(low), "attempt {attempt}, jitter 0");
            assert_eq!(policy.delay(attempt, 1.0), secs(high), "attempt {attempt}, jitter 1");
            assert_eq!(policy.delay(attempt, 0.5), secs((low + high) / 2.0), "attempt {attempt}, jitter 0.5");
        }
        // 2^9 = 512 s is past the 300 s cap: between 150 and 300 s from then on.
        for attempt in [9, 10, 31, 32, 33, 1000, u32::MAX] {
            assert_eq!(policy.delay(attempt, 0.0), secs(150.0), "attempt {attempt}");
            assert_eq!(policy.delay(attempt, 1.0), secs(300.0), "attempt {attempt}");
        }
    }

    #[test]
    fn stays_within_min_and_max() {
        let policy = RetryPolicy { min: secs(0.5), max: secs(20.0), dead_after: secs(60.0) };
        for attempt in 0..40 {
            for jitter in [0.0, 0.1, 0.5, 0.99, 1.0] {
                let delay = policy.delay(attempt, jitter);
                assert!(delay >= policy.min && delay <= policy.max, "attempt {attempt} jitter {jitter}: {delay:?}");
            }
        }
        assert_eq!(policy.delay(0, 0.0), policy.delay(1, 0.0), "attempt 0 is the first retry");
        // A max below 2·min: the cap's lower half would undercut min.
        let tight = RetryPolicy { min: secs(10.0), max: secs(12.0), dead_after: secs(60.0) };
        assert_eq!(tight.delay(5, 0.0), secs(10.0));
        assert_eq!(tight.delay(5, 1.0), secs(12.0));
    }

    #[test]
    fn clamps_odd_jitter() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(3, -1.0), policy.delay(3, 0.0));
        assert_eq!(policy.delay(3, 7.0), policy.delay(3, 1.0));
        assert_eq!(policy.delay(3, f64::NAN), policy.delay(3, 0.0));
        assert_eq!(policy.delay(3, f64::INFINITY), policy.delay(3, 1.0));
    }

    #[test]
    fn dead_after_the_window() {
        let policy = RetryPolicy::default();
        assert!(!policy.is_dead(Duration::ZERO));
        assert!(!policy.is_dead(secs(86_399.0)));
        assert!(policy.is_dead(secs(86_400.0)));
        assert!(policy.is_dead(secs(1e9)));
    }
}
