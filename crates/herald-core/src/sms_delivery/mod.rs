//! The SMS, voice and media delivery engine: accepted messages wait in the store's queue until
//! a worker sends them (through the simulator or an SMPP carrier) at each origination
//! identity's rate; receipts and inbound messages come back through the store's inbox; every
//! step writes the guide's event records.

mod accept;
mod deliver;
mod engine;
mod events;
mod group_commit;
mod inbox;
mod intake;
mod lanes;
mod message;
mod metrics;
mod outbox;
mod receipts;
mod routes;
mod status;

pub use engine::{Delivery, DeliverySettings, start};
pub(crate) use message::{Channel, DestinationRef, OutboundMessage, Sender};
pub use metrics::describe_metrics;
pub(crate) use outbox::Outbox;
pub use routes::CarrierRoute;
