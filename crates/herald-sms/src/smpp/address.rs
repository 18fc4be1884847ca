//! How Herald's addresses map onto SMPP's TON/NPI pairs, both ways.
//!
//! | address                                   | TON                 | NPI         | sent as           |
//! |-------------------------------------------|---------------------|-------------|-------------------|
//! | E.164: `+` then 1–20 digits               | 1 international     | 1 ISDN/E.164| digits, no `+`    |
//! | short code: 1–8 digits                    | 3 network-specific  | 0 unknown   | digits            |
//! | longer digits without `+`                 | 0 unknown           | 1 ISDN/E.164| digits            |
//! | anything else (alphanumeric sender ID)    | 5 alphanumeric      | 0 unknown   | as given (≤ 20)   |
//!
//! A `+` followed by anything but digits is refused rather than sent as a sender ID: it was
//! meant to be a number and the SMSC would only mangle it.
//!
//! Short codes go as network-specific because a short code only means something inside the
//! carrier's own network; 3/0 is what carriers most often document for them, and an SMSC that
//! wanted 2/1 (national/ISDN) instead usually accepts 3/0 too. A number without `+` that is too
//! long to be a short code is ambiguous (national? international without the prefix?), so it goes
//! as TON unknown and the SMSC applies its own numbering rules. Destinations are always phone
//! numbers: TON 1 / NPI 1, digits without the `+`.

/// SMPP address fields: TON, NPI and the address itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SmppAddress {
    pub ton: u8,
    pub npi: u8,
    pub address: String,
}

pub(crate) const TON_UNKNOWN: u8 = 0;
pub(crate) const TON_INTERNATIONAL: u8 = 1;
pub(crate) const TON_NETWORK_SPECIFIC: u8 = 3;
pub(crate) const TON_ALPHANUMERIC: u8 = 5;
pub(crate) const NPI_UNKNOWN: u8 = 0;
pub(crate) const NPI_ISDN: u8 = 1;

/// source_addr and destination_addr are C-octet strings of at most 21 octets with the NUL.
const MAX_ADDRESS: usize = 20;
const MAX_SHORT_CODE: usize = 8;

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The TON/NPI and form of a sender (a phone number, short code or alphanumeric sender ID), or
/// None when SMPP cannot carry it (empty, too long, not ASCII).
pub(crate) fn source_address(source: &str) -> Option<SmppAddress> {
    let source = source.trim();
    if let Some(digits) = source.strip_prefix('+') {
        return (all_digits(digits) && digits.len() <= MAX_ADDRESS).then(|| SmppAddress {
            ton: TON_INTERNATIONAL,
            npi: NPI_ISDN,
            address: digits.to_owned(),
        });
    }
    if all_digits(source) {
        let (ton, npi) =
            if source.len() <= MAX_SHORT_CODE { (TON_NETWORK_SPECIFIC, NPI_UNKNOWN) } else { (TON_UNKNOWN, NPI_ISDN) };
        return (source.len() <= MAX_ADDRESS).then(|| SmppAddress { ton, npi, address: source.to_owned() });
    }
    let acceptable = !source.is_empty()
        && source.len() <= MAX_ADDRESS
        && source.bytes().all(|b| b.is_ascii() && !b.is_ascii_control());
    acceptable.then(|| SmppAddress { ton: TON_ALPHANUMERIC, npi: NPI_UNKNOWN, address: source.to_owned() })
}

/// The TON/NPI and form of a destination phone number (E.164, with or without the `+`), or None
/// when it is not one.
pub(crate) fn destination_address(destination: &str) -> Option<SmppAddress> {
    let destination = destination.trim();
    let digits = destination.strip_prefix('+').unwrap_or(destination);
    (all_digits(digits) && digits.len() <= MAX_ADDRESS).then(|| SmppAddress {
        ton: TON_INTERNATIONAL,
        npi: NPI_ISDN,
        address: digits.to_owned(),
    })
}

/// An address from a deliver_sm as Herald writes it: an international number gets its `+` back,
/// anything else (short codes, national numbers, alphanumeric IDs) stays as the SMSC sent it.
pub(crate) fn inbound_address(ton: u8, address: &str) -> String {
    let address = address.trim();
    if ton == TON_INTERNATIONAL && all_digits(address) { format!("+{address}") } else { address.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(ton: u8, npi: u8, address: &str) -> Option<SmppAddress> {
        Some(SmppAddress { ton, npi, address: address.to_owned() })
    }

    #[test]
    fn e164_source_is_international_isdn_without_plus() {
        assert_eq!(source_address("+14155550100"), addr(1, 1, "14155550100"));
        assert_eq!(source_address(" +447700900123 "), addr(1, 1, "447700900123"));
    }

    #[test]
    fn short_code_source_is_network_specific() {
        assert_eq!(source_address("12345"), addr(3, 0, "12345"));
        assert_eq!(source_address("12345678"), addr(3, 0, "12345678"));
    }

    #[test]
    fn long_digits_without_plus_are_unknown_ton() {
        assert_eq!(source_address("4155550100"), addr(0, 1, "4155550100"));
    }

    #[test]
    fn sender_id_is_alphanumeric() {
        assert_eq!(source_address("Herald"), addr(5, 0, "Herald"));
        assert_eq!(source_address("My Shop"), addr(5, 0, "My Shop"));
    }

    #[test]
    fn unusable_sources_are_refused() {
        assert_eq!(source_address(""), None);
        assert_eq!(source_address("+"), None);
        assert_eq!(source_address("+1 415 555"), None, "a + promises a number");
        assert_eq!(source_address("+123456789012345678901"), None);
        assert_eq!(source_address("ThisSenderIdIsWayTooLong"), None);
        assert_eq!(source_address("Héraldo"), None);
    }

    #[test]
    fn destinations_are_international_numbers() {
        assert_eq!(destination_address("+14155550100"), addr(1, 1, "14155550100"));
        assert_eq!(destination_address("14155550100"), addr(1, 1, "14155550100"));
        assert_eq!(destination_address("+1 415 555"), None);
        assert_eq!(destination_address("Herald"), None);
        assert_eq!(destination_address(""), None);
    }

    #[test]
    fn inbound_international_numbers_get_a_plus() {
        assert_eq!(inbound_address(1, "14155550100"), "+14155550100");
        assert_eq!(inbound_address(1, "+14155550100"), "+14155550100");
        assert_eq!(inbound_address(0, "14155550100"), "14155550100");
        assert_eq!(inbound_address(3, "12345"), "12345");
        assert_eq!(inbound_address(5, "Bank"), "Bank");
    }
}
