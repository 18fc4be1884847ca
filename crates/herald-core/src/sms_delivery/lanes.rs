//! Throughput per origination identity (a "lane"), in message parts per second: each lane keeps
//! the time its next part may start, and a message reserves its parts from there. Messages
//! further out than the horizon are not held in memory: they go back to the queue, due when
//! their lane frees up, so a slow number with a long backlog never blocks the others.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// How far ahead a lane may be booked before its messages wait in the queue instead.
pub(crate) const HORIZON: Duration = Duration::from_secs(2);

#[derive(Default)]
pub(crate) struct Lanes {
    next_free: Mutex<HashMap<String, Instant>>,
}

/// When each part of a reserved message may be submitted.
#[derive(Debug, Clone)]
pub(crate) struct Reservation {
    pub start: Instant,
    pub spacing: Duration,
}

impl Reservation {
    pub fn part_at(&self, index: u32) -> Instant {
        self.start + self.spacing * index
    }
}

impl Lanes {
    /// Books `parts` on `lane` at `rate` parts per second, or answers how long until the lane
    /// can take them when that is beyond the horizon.
    pub fn reserve(&self, lane: &str, rate: f64, parts: u32, now: Instant) -> Result<Reservation, Duration> {
        let spacing = Duration::from_secs_f64(1.0 / rate.max(0.001));
        let mut lanes = self.next_free.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let next = lanes.get(lane).copied().unwrap_or(now).max(now);
        if next > now + HORIZON {
            return Err(next - now);
        }
        lanes.insert(lane.to_string(), next + spacing * parts.max(1));
        Ok(Reservation { start: next, spacing })
    }

    /// Lanes booked beyond the horizon: the queue need not hand out their messages now.
    pub fn busy(&self, now: Instant) -> Vec<String> {
        let mut lanes = self.next_free.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        lanes.retain(|_, next| *next > now);
        lanes.iter().filter(|(_, next)| **next > now + HORIZON).map(|(lane, _)| lane.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lane_spaces_parts_at_its_rate_and_refuses_past_the_horizon() {
        let lanes = Lanes::default();
        let now = Instant::now();
        let first = lanes.reserve("a", 1.0, 2, now).expect("free lane");
        assert_eq!(first.start, now);
        assert_eq!(first.part_at(1), now + Duration::from_secs(1));
        let second = lanes.reserve("a", 1.0, 1, now).expect("within the horizon");
        assert_eq!(second.start, now + Duration::from_secs(2));
        let wait = lanes.reserve("a", 1.0, 1, now).expect_err("three seconds out");
        assert_eq!(wait, Duration::from_secs(3));
        assert_eq!(lanes.busy(now), ["a"]);
        assert!(lanes.reserve("b", 10.0, 5, now).is_ok(), "lanes are independent");
        assert!(lanes.busy(now + Duration::from_secs(2)).is_empty());
    }
}
