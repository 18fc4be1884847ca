//! Push providers, one module per provider: credential validation, payload building from
//! Pinpoint's message fields, and the delivery clients. Outcomes are values (`DeliveryResult`),
//! never errors: every provider answer, timeout or broken connection maps onto one.

pub mod adm;
pub mod apns;
pub mod baidu;
pub mod credentials;
mod delivery;
pub mod fcm;
pub mod payload;
pub mod tls;

pub use delivery::{DeliveryResult, DeliveryStatus, PayloadError};
