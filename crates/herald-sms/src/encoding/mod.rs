//! Message body encoding and parts (SMS guide part 1, §5).
//!
//! Public interface (the sending engine in herald-core relies on these names):
//! - `Encoding { Gsm7, Ucs2 }` with `event_name()` ("GSM" / "Unicode") and `data_coding()` (0x00 / 0x08)
//! - `analyse(body) -> BodyInfo { encoding, units, parts }`
//! - `check_length(&BodyInfo) -> Result<(), TooLong>`
//! - `split(body, reference: u8) -> Vec<Part>`
//! - `decode(data_coding, udhi, bytes) -> String` for inbound messages
