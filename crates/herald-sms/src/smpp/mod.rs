//! The SMPP 3.4 ESME (client) that carries SMS parts to a carrier's SMSC and brings back
//! delivery receipts and inbound messages.
//!
//! A [`Carrier`] is started from [`CarrierSettings`] and an event channel. It keeps `binds`
//! connections (each a tokio task; two per bind in [`BindMode::TransmitterReceiver`]) bound on
//! its own: bind, keep alive with enquire_link, and on any failure reconnect with capped
//! exponential backoff and jitter. The engine calls [`Carrier::submit`] per part and receives
//! [`CarrierEvent`]s: receipts, inbound messages, binds going up and down.
//!
//! Flow control, from the outside in:
//! - **Rate**: `max_parts_per_second` is a carrier-wide token bucket; a submit waits for its
//!   token rather than failing.
//! - **Window**: each bind has at most `window` submit_sm awaiting a response. A submit takes a
//!   slot on the bound bind with the most room, waiting up to `response_timeout` for one, and
//!   the slot is freed when the response comes, the response times out (`Unavailable`) or the
//!   connection drops (`Unavailable`).
//! - **Throttling**: an ESME_RTHROTTLED or ESME_RMSGQFUL answer returns
//!   [`SubmitOutcome::Throttled`] and pauses that bind's sending (250 ms, doubling per consecutive
//!   throttle up to 16 s, reset by the next accepted submit); the other binds go on.
//!
//! Inbound deliver_sm (and data_sm) become an event first and are acknowledged after the event
//! is in the channel, so a receipt the SMSC considers delivered is never only in memory; a full
//! channel delays the acknowledgement instead of dropping anything.
//!
//! The password never reaches a log or an event: [`CarrierSettings`]' `Debug` redacts it, and
//! bind PDUs are never logged (rusmpp's own `tracing` feature, which would log them, stays off).
//!
//! The PDU codec is rusmpp's; the session logic is here. Status codes are classified in
//! [`status`], addresses mapped to TON/NPI in [`address`], receipts parsed and matched by [`receipt_id_candidates`].

pub mod address;
mod carrier;
mod codec;
mod events;
mod pdu;
mod rate;
mod receipt;
mod session;
mod settings;
pub mod status;
mod tls;
mod window;

pub use carrier::Carrier;
pub use events::{CarrierEvent, DeliveryReceipt, InboundMessage, ReceiptState, SubmitOutcome, SubmitPart};
pub use receipt::{IdNotation, message_ids_match, normalize_message_id, receipt_id_candidates};
pub use settings::{BindMode, CarrierSettings};
