//! The carrier-wide parts-per-second cap.
//!
//! A token bucket of capacity one, kept as the time the next token is due (the "generic cell
//! rate algorithm" form of a bucket): each caller reserves the next due time and sleeps until
//! it. Capacity one spaces parts evenly (1/rate apart), so no one-second window ever sees more
//! than `rate + 1` parts, whatever window a carrier measures with, and reservation makes the
//! waiters go in arrival order without waking each other.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct TokenBucket {
    interval: Duration,
    next_due: Mutex<Option<Instant>>,
}

impl TokenBucket {
    pub(crate) fn new(per_second: u32) -> Self {
        let per_second = per_second.max(1);
        TokenBucket { interval: Duration::from_secs(1) / per_second, next_due: Mutex::new(None) }
    }

    /// Reserves the next token and returns when it may be used (`now` or later).
    pub(crate) fn reserve(&self, now: Instant) -> Instant {
        let mut next_due = self.next_due.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // An idle bucket does not bank tokens: a burst after a pause is still spaced.
        let at = next_due.map_or(now, |due| due.max(now));
        *next_due = Some(at + self.interval);
        at
    }

    /// Waits for a token. Cancelling the wait forfeits the reserved token, which only slows the
    /// carrier down a little.
    pub(crate) async fn acquire(&self) {
        let at = self.reserve(Instant::now());
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_tokens_evenly() {
        let bucket = TokenBucket::new(4);
        let start = Instant::now();
        let times: Vec<Duration> = (0..5).map(|_| bucket.reserve(start) - start).collect();
        let ms = |n| Duration::from_millis(n);
        assert_eq!(times, vec![ms(0), ms(250), ms(500), ms(750), ms(1000)]);
    }

    #[test]
    fn idle_time_is_not_banked() {
        let bucket = TokenBucket::new(10);
        let start = Instant::now();
        assert_eq!(bucket.reserve(start), start);
        let later = start + Duration::from_secs(5);
        assert_eq!(bucket.reserve(later), later);
        assert_eq!(bucket.reserve(later), later + Duration::from_millis(100));
    }

    #[test]
    fn never_more_than_rate_plus_one_in_a_second() {
        let bucket = TokenBucket::new(50);
        let start = Instant::now();
        let times: Vec<Instant> = (0..200).map(|i| bucket.reserve(start + Duration::from_millis(i))).collect();
        for (i, &t) in times.iter().enumerate() {
            let in_window = times[i..].iter().take_while(|&&u| u < t + Duration::from_secs(1)).count();
            assert!(in_window <= 51, "{in_window} tokens within a second of token {i}");
        }
    }

    #[test]
    fn zero_rate_is_treated_as_one() {
        let bucket = TokenBucket::new(0);
        let start = Instant::now();
        bucket.reserve(start);
        assert_eq!(bucket.reserve(start), start + Duration::from_secs(1));
    }

    #[tokio::test]
    async fn acquire_waits_for_the_reserved_time() {
        let bucket = TokenBucket::new(20);
        let start = std::time::Instant::now();
        for _ in 0..5 {
            bucket.acquire().await;
        }
        assert!(start.elapsed() >= Duration::from_millis(195), "{:?}", start.elapsed());
    }
}
