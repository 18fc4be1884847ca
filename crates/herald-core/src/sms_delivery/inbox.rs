//! The inbox processor: receipts update their messages in batches; inbound messages go through
//! keyword handling and are published to their number's two-way channel.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use herald_store::InboxItem;
use time::OffsetDateTime;
use tokio::sync::watch;

use super::engine::Engine;
use super::receipts::{Matched, RoundUpdates, apply_receipt};

/// Items taken per round.
const BATCH: u32 = 256;
/// Receipts whose messages are looked up at once (the store's read connections).
const LOOKUPS_AT_ONCE: usize = 8;
/// Attempts after which an inbound message that keeps failing is given up (and logged).
const MAX_INBOUND_ATTEMPTS: i64 = 20;

pub(crate) async fn run(engine: Arc<Engine>, mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        let progressed = match engine.process_inbox().await {
            Ok(progressed) => progressed,
            Err(error) => {
                tracing::error!(%error, "could not process the inbox");
                false
            }
        };
        if !progressed {
            tokio::select! {
                _ = engine.inbox_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

impl Engine {
    /// One round; answers whether anything was settled.
    async fn process_inbox(&self) -> Result<bool, String> {
        let store = self.core.store();
        let items = store.peek_inbox(BATCH).await.map_err(|e| e.to_string())?;
        if items.is_empty() {
            return Ok(false);
        }
        let now = OffsetDateTime::now_utc();
        let mut done = Vec::new();
        let mut retry = Vec::new();
        // The receipts' messages are looked up concurrently; their updates are then worked out
        // in order, so that receipts of one message build on each other.
        let receipts: Vec<&InboxItem> = items.iter().filter(|item| item.kind == "receipt").collect();
        let mut found = HashMap::with_capacity(receipts.len());
        for chunk in receipts.chunks(LOOKUPS_AT_ONCE) {
            let lookups: Vec<_> = chunk.iter().map(|item| self.receipted_part(item)).collect();
            for (item, result) in chunk.iter().zip(join_all(lookups).await) {
                found.insert(item.seq, result);
            }
        }
        let mut round = RoundUpdates::default();
        for item in &items {
            match item.kind.as_str() {
                "receipt" => match found
                    .remove(&item.seq)
                    .unwrap_or(Ok(None))
                    .and_then(|found| apply_receipt(item, found, &round))
                {
                    Ok(Matched::Update(update)) => round.add(*update, item.seq),
                    Ok(Matched::Nothing) => done.push(item.seq),
                    Ok(Matched::Unknown) if self.too_old(item, now) => {
                        let text = |member: &str| item.document.get(member).and_then(|v| v.as_str()).unwrap_or("");
                        tracing::warn!(
                            carrier = text("Carrier"),
                            carrier_message_id = text("CarrierMessageId"),
                            "dropping a receipt that matches no message"
                        );
                        done.push(item.seq);
                    }
                    Ok(Matched::Unknown) => retry.push(item.seq),
                    Err(error) => {
                        tracing::warn!(%error, "could not match a receipt; will retry");
                        retry.push(item.seq);
                    }
                },
                "inbound" => match self.core.sms_receive(&item.document, item.seq).await {
                    Ok(()) => done.push(item.seq),
                    Err(error) if item.attempts >= MAX_INBOUND_ATTEMPTS => {
                        let text = |member: &str| item.document.get(member).and_then(|v| v.as_str()).unwrap_or("");
                        tracing::error!(
                            %error,
                            from = crate::redact::phone_number(text("OriginationNumber")),
                            to = crate::redact::phone_number(text("DestinationNumber")),
                            "giving up an inbound message"
                        );
                        done.push(item.seq);
                    }
                    Err(error) => {
                        tracing::warn!(%error, "could not handle an inbound message; will retry");
                        retry.push(item.seq);
                    }
                },
                other => {
                    tracing::warn!(kind = other, "dropping an inbox item of an unknown kind");
                    done.push(item.seq);
                }
            }
        }
        let (updates, update_items) = round.into_updates();
        if !updates.is_empty() {
            let applied = store.update_messages(&updates).await.map_err(|e| e.to_string())?;
            super::metrics::count_applied(&updates, &applied);
            for (seqs, applied) in update_items.into_iter().zip(applied) {
                // A message changed since it was read: match its receipts again next round.
                if applied { done.extend(seqs) } else { retry.extend(seqs) }
            }
        }
        store.settle_inbox(&done, &retry).await.map_err(|e| e.to_string())?;
        if done.is_empty() {
            // Only retries: give the submissions they wait for a moment to be recorded.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(!done.is_empty())
    }

    fn too_old(&self, item: &InboxItem, now: OffsetDateTime) -> bool {
        (now - item.created_at).unsigned_abs() > self.settings.receipt_match_window
    }
}
