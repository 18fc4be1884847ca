//! The sliding window: how many submit_sm a bind may have awaiting their submit_sm_resp, and the
//! book-keeping of those that are.
//!
//! Capacity is a semaphore per bind. [`Carrier::submit`](super::Carrier::submit) takes a permit
//! ([`Slot`]) before handing a part to the bind, and the slot travels with the part into the
//! session's [`Pending`] table, so it is released exactly when the part stops being outstanding:
//! answered, timed out, or failed with the connection. Releasing wakes submitters waiting for
//! room on any bind.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The window of one bind.
#[derive(Debug)]
pub(crate) struct WindowSlots {
    semaphore: Arc<Semaphore>,
    /// Shared by the carrier's binds: notified whenever any slot frees up.
    freed: Arc<Notify>,
}

impl WindowSlots {
    pub(crate) fn new(size: usize, freed: Arc<Notify>) -> Self {
        WindowSlots { semaphore: Arc::new(Semaphore::new(size)), freed }
    }

    pub(crate) fn try_acquire(&self) -> Option<Slot> {
        let permit = self.semaphore.clone().try_acquire_owned().ok()?;
        Some(Slot { permit: Some(permit), freed: self.freed.clone() })
    }

    pub(crate) fn available(&self) -> usize {
        self.semaphore.available_permits()
    }
}

/// Room for one outstanding submit_sm; freed on drop.
#[derive(Debug)]
pub(crate) struct Slot {
    permit: Option<OwnedSemaphorePermit>,
    freed: Arc<Notify>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        // Release before notifying, so a woken submitter finds the permit available.
        drop(self.permit.take());
        self.freed.notify_waiters();
    }
}

/// Requests sent on one connection and awaiting their response, by sequence number.
#[derive(Debug)]
pub(crate) struct Pending<T> {
    entries: HashMap<u32, (Instant, T)>,
    /// Sequence numbers in sending order. Every entry has the same timeout, so this is also
    /// deadline order; answered entries are skipped lazily.
    order: VecDeque<(Instant, u32)>,
}

impl<T> Default for Pending<T> {
    fn default() -> Self {
        Pending { entries: HashMap::new(), order: VecDeque::new() }
    }
}

impl<T> Pending<T> {
    pub(crate) fn insert(&mut self, sequence_number: u32, deadline: Instant, value: T) {
        self.entries.insert(sequence_number, (deadline, value));
        self.order.push_back((deadline, sequence_number));
    }

    /// Takes out the request a response answers.
    pub(crate) fn complete(&mut self, sequence_number: u32) -> Option<T> {
        self.entries.remove(&sequence_number).map(|(_, value)| value)
    }

    /// When the oldest outstanding request times out.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(&(deadline, sequence_number)) = self.order.front() {
            match self.entries.get(&sequence_number) {
                Some((current, _)) if *current == deadline => return Some(deadline),
                _ => {
                    self.order.pop_front();
                }
            }
        }
        None
    }

    /// Takes out every request whose deadline has passed.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<T> {
        let mut expired = Vec::new();
        while let Some(deadline) = self.next_deadline() {
            if deadline > now {
                break;
            }
            if let Some((_, sequence_number)) = self.order.pop_front()
                && let Some((_, value)) = self.entries.remove(&sequence_number)
            {
                expired.push(value);
            }
        }
        expired
    }

    /// Takes out everything (the connection is gone).
    pub(crate) fn drain(&mut self) -> Vec<T> {
        self.order.clear();
        self.entries.drain().map(|(_, (_, value))| value).collect()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn slots_are_bounded_and_released_on_drop() {
        let freed = Arc::new(Notify::new());
        let window = WindowSlots::new(2, freed.clone());
        let a = window.try_acquire().expect("first");
        let _b = window.try_acquire().expect("second");
        assert!(window.try_acquire().is_none());
        assert_eq!(window.available(), 0);
        let woken = freed.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        drop(a);
        assert_eq!(window.available(), 1);
        assert!(futures::FutureExt::now_or_never(woken).is_some(), "dropping a slot notifies");
        assert!(window.try_acquire().is_some());
    }

    #[test]
    fn pending_matches_expires_and_drains() {
        let start = Instant::now();
        let mut pending = Pending::default();
        for seq in 1..=4u32 {
            pending.insert(seq, start + Duration::from_secs(u64::from(seq)), seq * 10);
        }
        assert_eq!(pending.len(), 4);
        assert_eq!(pending.complete(1), Some(10));
        assert_eq!(pending.complete(1), None);
        assert_eq!(pending.next_deadline(), Some(start + Duration::from_secs(2)));
        assert_eq!(pending.expire(start + Duration::from_secs(3)), vec![20, 30]);
        assert_eq!(pending.next_deadline(), Some(start + Duration::from_secs(4)));
        let mut rest = pending.drain();
        rest.sort();
        assert_eq!(rest, vec![40]);
        assert!(pending.is_empty());
        assert_eq!(pending.next_deadline(), None);
    }
}
