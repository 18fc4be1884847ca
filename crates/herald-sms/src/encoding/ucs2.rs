//! UCS-2 as carriers actually treat it: UTF-16BE, so characters beyond the Basic Multilingual Plane
//! travel as surrogate pairs and cost two units.

use super::REPLACEMENT;

/// `c` as UTF-16BE: two or four bytes, returned with its length.
pub(crate) fn encode_char(c: char) -> ([u8; 4], usize) {
    let mut units = [0u16; 2];
    let units = c.encode_utf16(&mut units);
    let mut bytes = [0u8; 4];
    for (slot, unit) in bytes.chunks_exact_mut(2).zip(units.iter()) {
        slot.copy_from_slice(&unit.to_be_bytes());
    }
    (bytes, units.len() * 2)
}

/// UTF-16BE back to text. Inbound messages are only as well formed as the sender's phone made them,
/// so a lone surrogate, or an odd byte left at the end, becomes U+FFFD rather than an error.
pub(crate) fn decode(bytes: &[u8]) -> String {
    let pairs = bytes.chunks_exact(2);
    let odd_tail = !pairs.remainder().is_empty();
    let units = pairs.map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
    let mut out: String = char::decode_utf16(units).map(|c| c.unwrap_or(REPLACEMENT)).collect();
    if odd_tail {
        out.push(REPLACEMENT);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmp_characters_take_two_bytes_and_emoji_four() {
        assert_eq!(encode_char('中'), ([0x4E, 0x2D, 0, 0], 2));
        assert_eq!(encode_char('😀'), ([0xD8, 0x3D, 0xDE, 0x00], 4));
    }

    #[test]
    fn surrogates_are_joined_and_broken_ones_replaced() {
        assert_eq!(decode(&[0xD8, 0x3D, 0xDE, 0x00, 0x00, 0x41]), "😀A");
        assert_eq!(decode(&[0xD8, 0x3D, 0x00, 0x41]), "\u{FFFD}A");
        assert_eq!(decode(&[0xDE, 0x00]), "\u{FFFD}");
        assert_eq!(decode(&[0x00, 0x41, 0x42]), "A\u{FFFD}");
    }
}
