//! What the fake answers: the submit_sm_resp status and the delivery outcome per destination,
//! and throttling.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// SMPP command_status values the fake uses itself.
pub mod status {
    pub const OK: u32 = 0x00;
    pub const INVALID_COMMAND_LENGTH: u32 = 0x02;
    pub const INVALID_COMMAND_ID: u32 = 0x03;
    pub const INVALID_BIND_STATUS: u32 = 0x04;
    pub const ALREADY_BOUND: u32 = 0x05;
    pub const INVALID_DESTINATION: u32 = 0x0B;
    pub const BIND_FAILED: u32 = 0x0D;
    pub const INVALID_PASSWORD: u32 = 0x0E;
    pub const INVALID_SYSTEM_ID: u32 = 0x0F;
    pub const THROTTLED: u32 = 0x58;
}

/// What happens to an accepted message, as its delivery receipt tells.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Outcome {
    /// stat:DELIVRD, message_state 2.
    #[default]
    Delivered,
    /// stat:UNDELIV, message_state 5, with the carrier's error code (three digits, e.g. "001").
    Undeliverable { err: String },
    /// stat:EXPIRED, message_state 3.
    Expired,
    /// stat:REJECTD, message_state 8, with the carrier's error code.
    Rejected { err: String },
    /// stat:UNKNOWN, message_state 7.
    Unknown,
    /// Accepted, but no receipt ever comes (as with carriers that drop them).
    NoReceipt,
}

impl Outcome {
    pub fn undeliverable(err: &str) -> Outcome {
        Outcome::Undeliverable { err: err.to_owned() }
    }

    pub fn rejected(err: &str) -> Outcome {
        Outcome::Rejected { err: err.to_owned() }
    }

    /// The receipt's `stat:` word; `None` for `NoReceipt`.
    pub fn stat(&self) -> Option<&'static str> {
        match self {
            Outcome::Delivered => Some("DELIVRD"),
            Outcome::Undeliverable { .. } => Some("UNDELIV"),
            Outcome::Expired => Some("EXPIRED"),
            Outcome::Rejected { .. } => Some("REJECTD"),
            Outcome::Unknown => Some("UNKNOWN"),
            Outcome::NoReceipt => None,
        }
    }

    /// The message_state TLV value (SMPP 3.4 section 5.2.28).
    pub fn message_state(&self) -> Option<u8> {
        match self {
            Outcome::Delivered => Some(2),
            Outcome::Expired => Some(3),
            Outcome::Undeliverable { .. } => Some(5),
            Outcome::Unknown => Some(7),
            Outcome::Rejected { .. } => Some(8),
            Outcome::NoReceipt => None,
        }
    }

    /// The receipt's `err:` field.
    pub fn err(&self) -> &str {
        match self {
            Outcome::Undeliverable { err } | Outcome::Rejected { err } => err,
            _ => "000",
        }
    }

    pub fn is_failure(&self) -> bool {
        !matches!(self, Outcome::Delivered | Outcome::NoReceipt)
    }
}

/// The scripted behaviour, kept under the server's lock.
#[derive(Debug, Default)]
pub struct Scripts {
    default_outcome: Outcome,
    outcomes: HashMap<String, Outcome>,
    statuses: HashMap<String, u32>,
    throttle_next: usize,
    max_per_second: Option<u32>,
    /// When the submits accepted within the last second arrived, for `max_per_second`.
    recent: VecDeque<Instant>,
}

/// What to do with one submit_sm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub status: u32,
    pub outcome: Outcome,
}

impl Scripts {
    pub fn set_default_outcome(&mut self, outcome: Outcome) {
        self.default_outcome = outcome;
    }

    pub fn set_outcome(&mut self, destination: &str, outcome: Outcome) {
        self.outcomes.insert(normalize(destination).to_owned(), outcome);
    }

    pub fn set_status(&mut self, destination: &str, status: u32) {
        let destination = normalize(destination).to_owned();
        if status == status::OK {
            self.statuses.remove(&destination);
        } else {
            self.statuses.insert(destination, status);
        }
    }

    pub fn throttle_next(&mut self, submits: usize) {
        self.throttle_next = submits;
    }

    pub fn set_max_per_second(&mut self, max: Option<u32>) {
        self.max_per_second = max;
        self.recent.clear();
    }

    /// Forgets every script and throttle.
    pub fn clear(&mut self) {
        *self = Scripts::default();
    }

    /// Throttling first, as an SMSC's admission control answers before it looks at the
    /// message; then the destination's scripted status; then the outcome.
    pub fn decide(&mut self, destination: &str, now: Instant) -> Decision {
        let destination = normalize(destination);
        let outcome = self.outcomes.get(destination).unwrap_or(&self.default_outcome).clone();
        if self.throttle_next > 0 {
            self.throttle_next -= 1;
            return Decision { status: status::THROTTLED, outcome };
        }
        if let Some(max) = self.max_per_second {
            while self.recent.front().is_some_and(|&at| now.duration_since(at) >= Duration::from_secs(1)) {
                self.recent.pop_front();
            }
            if self.recent.len() >= max as usize {
                return Decision { status: status::THROTTLED, outcome };
            }
        }
        let status = self.statuses.get(destination).copied().unwrap_or(status::OK);
        if status == status::OK && self.max_per_second.is_some() {
            self.recent.push_back(now);
        }
        Decision { status, outcome }
    }
}

/// Scripts match a number with or without its leading '+', since clients differ in whether they
/// send one with TON international.
fn normalize(destination: &str) -> &str {
    destination.strip_prefix('+').unwrap_or(destination)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_per_destination_with_a_default() {
        let mut scripts = Scripts::default();
        let now = Instant::now();
        scripts.set_outcome("+15550001", Outcome::undeliverable("001"));
        scripts.set_status("15550002", status::INVALID_DESTINATION);
        assert_eq!(scripts.decide("15550001", now), Decision { status: 0, outcome: Outcome::undeliverable("001") });
        assert_eq!(scripts.decide("15550002", now).status, status::INVALID_DESTINATION);
        assert_eq!(scripts.decide("15550003", now), Decision { status: 0, outcome: Outcome::Delivered });
        scripts.set_default_outcome(Outcome::Expired);
        assert_eq!(scripts.decide("15550003", now).outcome, Outcome::Expired);
        scripts.set_status("+15550002", status::OK);
        assert_eq!(scripts.decide("15550002", now).status, status::OK);
    }

    #[test]
    fn throttling() {
        let mut scripts = Scripts::default();
        let start = Instant::now();
        scripts.throttle_next(2);
        let statuses: Vec<u32> = (0..3).map(|_| scripts.decide("1", start).status).collect();
        assert_eq!(statuses, [status::THROTTLED, status::THROTTLED, status::OK]);

        scripts.set_max_per_second(Some(2));
        let statuses: Vec<u32> = (0..3).map(|_| scripts.decide("1", start).status).collect();
        assert_eq!(statuses, [status::OK, status::OK, status::THROTTLED]);
        assert_eq!(scripts.decide("1", start + Duration::from_millis(999)).status, status::THROTTLED);
        assert_eq!(scripts.decide("1", start + Duration::from_secs(1)).status, status::OK);
    }

    #[test]
    fn receipt_fields() {
        assert_eq!(Outcome::rejected("012").stat(), Some("REJECTD"));
        assert_eq!(Outcome::rejected("012").err(), "012");
        assert_eq!(Outcome::Delivered.err(), "000");
        assert_eq!(Outcome::NoReceipt.message_state(), None);
        assert_eq!(Outcome::Unknown.message_state(), Some(7));
    }
}
