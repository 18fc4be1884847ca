//! Group commit for accepted messages: requests hand their message to one writer, which stores
//! everything waiting in one transaction and answers each request once it is committed. Under
//! load a commit carries hundreds of messages, which is what lets SQLite accept thousands a
//! second while every MessageId is still returned only after its message is durable.

use std::sync::Arc;

use herald_store::{EnqueueOutcome, NewMessage, Store};
use tokio::sync::{Notify, mpsc, oneshot};

/// Most messages one commit carries.
const BATCH: usize = 512;

type Job = (NewMessage, oneshot::Sender<Result<EnqueueOutcome, String>>);

pub(crate) struct Outbox {
    jobs: mpsc::Sender<Job>,
    /// Woken after each commit, so the delivery worker starts at once instead of polling.
    pub wake: Arc<Notify>,
}

impl Outbox {
    /// Starts the writer on the current Tokio runtime.
    pub fn start(store: Store) -> Self {
        let (jobs, receiver) = mpsc::channel(BATCH * 8);
        let wake = Arc::new(Notify::new());
        tokio::spawn(write(store, receiver, wake.clone()));
        Outbox { jobs, wake }
    }

    /// Stores the message; returns once it is committed (or refused for its spend limit).
    pub async fn enqueue(&self, message: NewMessage) -> Result<EnqueueOutcome, String> {
        let (answer, outcome) = oneshot::channel();
        self.jobs.send((message, answer)).await.map_err(|_| "the message writer has stopped".to_string())?;
        outcome.await.map_err(|_| "the message writer stopped before committing".to_string())?
    }
}

async fn write(store: Store, mut receiver: mpsc::Receiver<Job>, wake: Arc<Notify>) {
    let mut jobs = Vec::with_capacity(BATCH);
    while receiver.recv_many(&mut jobs, BATCH).await > 0 {
        let (messages, answers): (Vec<NewMessage>, Vec<_>) = jobs.drain(..).unzip();
        match store.enqueue_messages(&messages).await {
            Ok(outcomes) => {
                for (answer, outcome) in answers.into_iter().zip(outcomes) {
                    let _ = answer.send(Ok(outcome));
                }
                wake.notify_one();
            }
            Err(error) => {
                tracing::error!(%error, count = messages.len(), "could not store accepted messages");
                let error = format!("could not store the message: {error}");
                for answer in answers {
                    let _ = answer.send(Err(error.clone()));
                }
            }
        }
    }
}
