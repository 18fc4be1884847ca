//! Message body encoding and parts (SMS guide part 1, §5).
//!
//! An SMS part carries 140 bytes of user data. A body goes as GSM 03.38 (GSM-7, 160 characters in
//! one part) when every character is in the GSM default alphabet or its extension table, and as UCS-2
//! (70 characters) as soon as a single character is not: the service picks the most efficient
//! encoding for the whole body, so one `’` or `®` more than halves what fits. A longer body is cut
//! into concatenated parts, each losing 6 bytes to the header: 153 GSM or 67 UCS-2 units a part.
//! A body may take at most ten parts' worth, 1530 GSM or 630 UCS-2 units; longer is rejected.
//!
//! Units are what the budgets count: GSM septets (an extension character such as `€` is ESC plus a
//! septet, so two) or UTF-16 code units (an emoji outside the Basic Multilingual Plane is a surrogate
//! pair, so two). Neither pair is ever split across parts, which is why a body of many two-unit
//! characters can need one part more than its unit count alone suggests: the part count reported by
//! [`analyse`] is always exactly the number of parts [`split`] produces.
//!
//! Public interface (the sending engine in herald-core relies on these names):
//! - `Encoding { Gsm7, Ucs2 }` with `event_name()` ("GSM" / "Unicode") and `data_coding()` (0x00 / 0x08)
//! - `analyse(body) -> BodyInfo { encoding, units, parts }`
//! - `check_length(&BodyInfo) -> Result<(), TooLong>`
//! - `split(body, reference: u8) -> Vec<Part>`
//! - `decode(data_coding, udhi, bytes) -> String` for inbound messages

mod gsm7;
mod parts;
mod ucs2;
mod udh;

#[cfg(test)]
mod tests;

/// What an undecodable inbound byte sequence turns into; an inbound message is never refused for
/// being malformed, since the sender cannot be asked to try again.
const REPLACEMENT: char = char::REPLACEMENT_CHARACTER;

/// SMPP 3.4 `data_coding` values (§5.2.19) this module reads or writes.
mod data_coding {
    pub(super) const SMSC_DEFAULT: u8 = 0x00;
    pub(super) const IA5: u8 = 0x01;
    pub(super) const UCS2: u8 = 0x08;
}

/// The alphabet a body is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// GSM 03.38 default alphabet with its extension table.
    Gsm7,
    /// UCS-2, in practice UTF-16BE.
    Ucs2,
}

impl Encoding {
    /// The event record's `messageEncoding` value: "GSM" or "Unicode".
    pub fn event_name(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM",
            Encoding::Ucs2 => "Unicode",
        }
    }

    /// SMPP data_coding: 0x00 (SMSC default alphabet, GSM 03.38) or 0x08 (UCS-2).
    pub fn data_coding(self) -> u8 {
        match self {
            Encoding::Gsm7 => data_coding::SMSC_DEFAULT,
            Encoding::Ucs2 => data_coding::UCS2,
        }
    }

    fn unit_name(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM characters",
            Encoding::Ucs2 => "UCS-2 code units",
        }
    }
}

/// How a body will be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyInfo {
    pub encoding: Encoding,
    /// Septets for GSM (extension characters count 2), UTF-16 code units for UCS-2 (emoji count 2).
    pub units: usize,
    /// Parts the body is sent as: 1 when it fits a single message, otherwise the number of
    /// concatenated parts, exactly as [`split`] cuts them.
    pub parts: usize,
}

/// Works out the encoding, length and part count of a body without encoding it for the wire.
pub fn analyse(body: &str) -> BodyInfo {
    parts::analyse(body)
}

/// A body longer than the service sends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("message body is {units} {} long; the maximum is {max}", .encoding.unit_name())]
pub struct TooLong {
    pub encoding: Encoding,
    pub units: usize,
    pub max: usize,
}

/// Rejects a body beyond 1530 GSM characters or 630 UCS-2 units.
pub fn check_length(info: &BodyInfo) -> Result<(), TooLong> {
    let max = parts::limits(info.encoding).max;
    if info.units > max { Err(TooLong { encoding: info.encoding, units: info.units, max }) } else { Ok(()) }
}

/// One SMPP `submit_sm` worth of a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// 1-based position among the parts.
    pub index: u8,
    pub total: u8,
    pub data_coding: u8,
    /// Set when `short_message` starts with a User Data Header (SMPP `esm_class` bit 0x40).
    pub udhi: bool,
    pub short_message: Vec<u8>,
}

/// Cuts a body into the SMPP short_message payloads: one part without UDH when it fits, else parts
/// each starting with the 6-byte concatenation UDH `05 00 03 <reference> <total> <index>`.
/// GSM-7 is sent unpacked (one septet value per byte, ESC = 0x1B before extension chars), UCS-2 as UTF-16BE.
///
/// The reference ties the parts together on the handset, so it should differ between consecutive
/// multi-part messages to one destination. Length is not checked here: call [`check_length`] first.
/// (A body needing more than 255 parts, which no header can number, is cut short at 255.)
pub fn split(body: &str, reference: u8) -> Vec<Part> {
    parts::split(body, reference)
}

/// Decodes an inbound deliver_sm short_message: data_coding 0x00 (GSM 03.38 unpacked, with extension table),
/// 0x01 (IA5/ASCII), 0x03 (Latin-1), 0x08 (UCS-2/UTF-16BE, surrogates joined; lone surrogates -> U+FFFD);
/// anything else: best effort as Latin-1. When `udhi` is true, strip the UDH (first byte = UDH length) first.
pub fn decode(data_coding: u8, udhi: bool, bytes: &[u8]) -> String {
    let text = if udhi { udh::strip(bytes) } else { bytes };
    match data_coding {
        data_coding::SMSC_DEFAULT => gsm7::decode(text),
        data_coding::IA5 => text.iter().map(|&b| if b.is_ascii() { char::from(b) } else { REPLACEMENT }).collect(),
        data_coding::UCS2 => ucs2::decode(text),
        // Latin-1 proper (0x03), and a guess for the rest: every byte is some character in
        // Latin-1, and ASCII text, the common case, comes through intact.
        _ => text.iter().map(|&b| char::from(b)).collect(),
    }
}
