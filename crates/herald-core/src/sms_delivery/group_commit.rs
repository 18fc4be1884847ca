//! Group commit: many tasks hand their write to one writer, which commits everything waiting
//! in one transaction and answers each task once it is committed. Under load a commit carries
//! hundreds of writes, which is what lets SQLite take thousands a second while every caller
//! still learns the outcome of its own write only after it is durable.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

type Job<T, R> = (T, oneshot::Sender<Result<R, String>>);

pub(crate) struct GroupCommit<T, R> {
    jobs: mpsc::Sender<Job<T, R>>,
    what: &'static str,
}

impl<T: Send + 'static, R: Send + 'static> GroupCommit<T, R> {
    /// Starts the writer on the current Tokio runtime. `commit` writes a batch of at most
    /// `batch` items in one transaction and answers one result per item, in order; an error
    /// fails the whole batch. `what` names the items in errors and logs.
    pub fn start<F, Fut>(what: &'static str, batch: usize, commit: F) -> Self
    where
        F: Fn(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<R>, String>> + Send + 'static,
    {
        let (jobs, receiver) = mpsc::channel(batch * 8);
        tokio::spawn(write(what, batch, receiver, commit));
        GroupCommit { jobs, what }
    }

    /// Writes `item`; returns once its batch is committed.
    pub async fn submit(&self, item: T) -> Result<R, String> {
        let (answer, outcome) = oneshot::channel();
        self.jobs.send((item, answer)).await.map_err(|_| format!("the writer of {} has stopped", self.what))?;
        outcome.await.map_err(|_| format!("the writer of {} stopped before committing", self.what))?
    }
}

async fn write<T, R, F, Fut>(what: &'static str, batch: usize, mut receiver: mpsc::Receiver<Job<T, R>>, commit: F)
where
    F: Fn(Vec<T>) -> Fut,
    Fut: Future<Output = Result<Vec<R>, String>>,
{
    let mut jobs = Vec::with_capacity(batch);
    while receiver.recv_many(&mut jobs, batch).await > 0 {
        let (items, answers): (Vec<T>, Vec<_>) = jobs.drain(..).unzip();
        let count = items.len();
        match commit(items).await {
            Ok(outcomes) if outcomes.len() == count => {
                for (answer, outcome) in answers.into_iter().zip(outcomes) {
                    let _ = answer.send(Ok(outcome));
                }
            }
            Ok(outcomes) => {
                let error = format!("storing {count} {what} answered {} outcomes", outcomes.len());
                tracing::error!(%error, "group commit");
                for answer in answers {
                    let _ = answer.send(Err(error.clone()));
                }
            }
            Err(error) => {
                tracing::error!(%error, count, what, "could not store a batch");
                let error = format!("could not store the {what}: {error}");
                for answer in answers {
                    let _ = answer.send(Err(error.clone()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_writes_share_commits_and_each_gets_its_own_answer() {
        let commits = Arc::new(AtomicUsize::new(0));
        let counted = commits.clone();
        let writer = Arc::new(GroupCommit::start("numbers", 64, move |items: Vec<u32>| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                Ok(items.into_iter().map(|n| n * 2).collect())
            }
        }));
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..200u32 {
            let writer = writer.clone();
            tasks.spawn(async move { (n, writer.submit(n).await) });
        }
        while let Some(joined) = tasks.join_next().await {
            let (n, answer) = joined.expect("task");
            assert_eq!(answer, Ok(n * 2));
        }
        assert!(commits.load(Ordering::SeqCst) < 200, "some commits carried several writes");
    }

    #[tokio::test]
    async fn a_failed_commit_fails_every_write_in_it() {
        let writer =
            GroupCommit::start("numbers", 8, |_items: Vec<u32>| async { Err::<Vec<u32>, _>("disk full".into()) });
        let error = writer.submit(1).await.expect_err("failed");
        assert!(error.contains("disk full") && error.contains("numbers"), "{error}");
    }
}
