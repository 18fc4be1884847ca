//! What carriers hand back (delivery receipts, inbound messages) is stored in the inbox before
//! anything else happens to it; the inbox processor takes it from there.

use std::sync::Arc;

use herald_sms::encoding;
use herald_sms::smpp::{CarrierEvent, ReceiptState};
use herald_store::InboxItem;
use serde_json::json;
use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};

use super::engine::Engine;

/// Most items stored in one commit.
const BATCH: usize = 256;

pub(crate) fn receipt_state_name(state: ReceiptState) -> &'static str {
    match state {
        ReceiptState::Enroute => "ENROUTE",
        ReceiptState::Delivered => "DELIVERED",
        ReceiptState::Expired => "EXPIRED",
        ReceiptState::Deleted => "DELETED",
        ReceiptState::Undeliverable => "UNDELIVERABLE",
        ReceiptState::Accepted => "ACCEPTED",
        ReceiptState::Unknown => "UNKNOWN",
        ReceiptState::Rejected => "REJECTED",
        ReceiptState::Skipped => "SKIPPED",
    }
}

fn item(event: CarrierEvent, now: OffsetDateTime) -> Option<InboxItem> {
    let (kind, document) = match event {
        CarrierEvent::Receipt(receipt) => (
            "receipt",
            json!({
                "Carrier": receipt.carrier,
                "CarrierMessageId": receipt.message_id,
                "State": receipt_state_name(receipt.state),
                "ErrorCode": receipt.error_code,
                "Handset": receipt.handset,
            }),
        ),
        CarrierEvent::Inbound(inbound) => (
            "inbound",
            json!({
                "Carrier": inbound.carrier,
                "OriginationNumber": inbound.source,
                "DestinationNumber": inbound.destination,
                "MessageBody": encoding::decode(inbound.data_coding, inbound.udhi, &inbound.short_message),
            }),
        ),
        CarrierEvent::BindUp { carrier, bind } => {
            tracing::info!(%carrier, bind, "carrier bind is up");
            return None;
        }
        CarrierEvent::BindDown { carrier, bind, reason } => {
            tracing::warn!(%carrier, bind, %reason, "carrier bind is down");
            return None;
        }
    };
    Some(InboxItem { seq: 0, kind: kind.to_string(), document, attempts: 0, created_at: now })
}

pub(crate) async fn run(
    engine: Arc<Engine>,
    mut events: mpsc::Receiver<CarrierEvent>,
    mut stop: watch::Receiver<bool>,
) {
    let mut received = Vec::with_capacity(BATCH);
    loop {
        tokio::select! {
            count = events.recv_many(&mut received, BATCH) => {
                if count == 0 {
                    return;
                }
            }
            _ = stop.changed() => return,
        }
        let now = OffsetDateTime::now_utc();
        for event in &received {
            if let CarrierEvent::BindUp { carrier, .. } | CarrierEvent::BindDown { carrier, .. } = event
                && let Some(route) = engine.carriers.iter().find(|route| route.carrier.name() == carrier)
            {
                super::metrics::set_binds_up(carrier, route.carrier.bound());
            }
        }
        let items: Vec<InboxItem> = received.drain(..).filter_map(|event| item(event, now)).collect();
        if items.is_empty() {
            continue;
        }
        // Retried until stored: what a carrier handed over must not be dropped.
        while let Err(error) = engine.core.store().push_inbox(&items).await {
            tracing::error!(%error, "could not store receipts and inbound messages; retrying");
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
        engine.inbox_wake.notify_one();
    }
}
