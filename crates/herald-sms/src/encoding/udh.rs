//! The User Data Header at the front of a concatenated part (3GPP TS 23.040 §9.2.3.24).

/// The 8-bit-reference concatenation header: UDH length 5, then information element 0x00 of
/// length 3 carrying reference, total and 1-based index. Six bytes, which is what turns 160 GSM
/// septets into 153 and 70 UCS-2 units into 67 per part.
pub(crate) fn concatenation(reference: u8, total: u8, index: u8) -> [u8; 6] {
    [0x05, 0x00, 0x03, reference, total, index]
}

/// The user data after the header. The first byte says how many header bytes follow it; a header
/// claiming more bytes than arrived leaves no text rather than a panic.
pub(crate) fn strip(bytes: &[u8]) -> &[u8] {
    match bytes.split_first() {
        Some((&length, rest)) => rest.get(usize::from(length)..).unwrap_or_default(),
        None => bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_the_declared_length() {
        assert_eq!(strip(&[0x05, 0x00, 0x03, 0x2A, 0x02, 0x01, b'h', b'i']), b"hi");
        assert_eq!(strip(&[0x00, b'x']), b"x");
        assert_eq!(strip(&[0x07, 0x00]), b"");
        assert_eq!(strip(&[]), b"");
    }
}
