//! Push providers: credential validation, payload building and delivery clients.

pub mod credentials;
