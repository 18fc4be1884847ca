//! The SMS engine's protocol pieces, free of storage and API types: how a message body is
//! encoded and cut into parts (GSM 03.38 or UCS-2, with concatenation headers), and the SMPP 3.4
//! client that carries those parts to a carrier and brings back receipts and inbound messages.

pub mod encoding;
pub mod smpp;
