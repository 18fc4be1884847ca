//! Fake push providers, one module each.

pub mod adm;
pub mod apns;
pub mod baidu;
pub mod fcm;
pub mod smsc;
pub mod tls;
