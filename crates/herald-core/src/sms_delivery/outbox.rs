//! Accepted messages are group-committed: every MessageId is returned only after its message is
//! durable, and under load one commit carries hundreds of them.

use std::sync::Arc;

use herald_store::{EnqueueOutcome, NewMessage, Store};
use tokio::sync::Notify;

use super::group_commit::GroupCommit;

/// Most messages one commit carries.
const BATCH: usize = 512;

pub(crate) struct Outbox {
    writer: GroupCommit<NewMessage, EnqueueOutcome>,
    /// Woken after each commit, so the delivery worker starts at once instead of polling.
    pub wake: Arc<Notify>,
}

impl Outbox {
    /// Starts the writer on the current Tokio runtime.
    pub fn start(store: Store) -> Self {
        let wake = Arc::new(Notify::new());
        let woken = wake.clone();
        let writer = GroupCommit::start("accepted messages", BATCH, move |messages: Vec<NewMessage>| {
            let (store, woken) = (store.clone(), woken.clone());
            async move {
                let outcomes = store.enqueue_messages(&messages).await.map_err(|e| e.to_string())?;
                let stored = messages.iter().zip(&outcomes).filter(|(_, outcome)| **outcome == EnqueueOutcome::Stored);
                super::metrics::count_events(stored.flat_map(|(message, _)| &message.events));
                woken.notify_one();
                Ok(outcomes)
            }
        });
        Outbox { writer, wake }
    }

    /// Stores the message; returns once it is committed (or refused for its spend limit).
    pub async fn enqueue(&self, message: NewMessage) -> Result<EnqueueOutcome, String> {
        self.writer.submit(message).await
    }
}
