//! The GSM 03.38 default alphabet and its extension table (3GPP TS 23.038 §6.2.1), in the unpacked
//! form SMPP carries: one septet value per byte. Packing septets into octets is the SMSC's job.

use super::REPLACEMENT;

/// Shifts the next septet into the extension table. It is not a character: a body never contains it
/// and a decoder never emits it.
pub(crate) const ESC: u8 = 0x1B;

/// The default alphabet, indexed by septet value. Position 0x1B is the escape; the placeholder there
/// is skipped when building the reverse table so that U+001B in a body is not taken for GSM.
#[rustfmt::skip]
const BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1B}', 'Æ', 'æ', 'ß', 'É',
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/// The extension table as (septet after ESC, character). 0x0A is a form feed (page break).
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// Marks a code point that the default alphabet lacks in [`REVERSE`].
const ABSENT: u8 = 0xFF;

/// Every default-alphabet character lies below U+03AA (Ω is the highest), so a direct-indexed
/// table answers "which septet?" without searching; it is sized from [`BASIC`] so an edit to the
/// alphabet cannot outgrow it.
const REVERSE_LEN: usize = {
    let mut max = 0;
    let mut septet = 0;
    while septet < BASIC.len() {
        let code = BASIC[septet] as usize;
        if code > max {
            max = code;
        }
        septet += 1;
    }
    max + 1
};

const REVERSE: [u8; REVERSE_LEN] = {
    let mut table = [ABSENT; REVERSE_LEN];
    let mut septet = 0;
    while septet < BASIC.len() {
        if septet != ESC as usize {
            table[BASIC[septet] as usize] = septet as u8;
        }
        septet += 1;
    }
    table
};

/// How one character is written in GSM-7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Septets {
    /// One septet from the default alphabet.
    Basic(u8),
    /// ESC followed by this septet from the extension table: two septets of the budget.
    Extended(u8),
}

impl Septets {
    /// The unpacked bytes, with how many of the two are used: also the septets of the budget taken.
    pub(crate) fn bytes(self) -> ([u8; 2], usize) {
        match self {
            Septets::Basic(septet) => ([septet, 0], 1),
            Septets::Extended(septet) => ([ESC, septet], 2),
        }
    }
}

/// The septet(s) for `c`, or `None` when GSM-7 cannot carry it (the body must then go as UCS-2).
pub(crate) fn encode_char(c: char) -> Option<Septets> {
    if let Some(&septet) = REVERSE.get(c as usize)
        && septet != ABSENT
    {
        return Some(Septets::Basic(septet));
    }
    EXTENSION.iter().find(|&&(_, ext)| ext == c).map(|&(septet, _)| Septets::Extended(septet))
}

pub(crate) fn is_gsm(c: char) -> bool {
    encode_char(c).is_some()
}

/// The whole of `text` as unpacked septets, or `None` if any character is outside GSM-7. Sending
/// goes character by character through the part packer instead; this is the round trip's yardstick.
#[cfg(test)]
pub(crate) fn encode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let (bytes, len) = encode_char(c)?.bytes();
        out.extend_from_slice(&bytes[..len]);
    }
    Some(out)
}

/// Unpacked septets back to text. Follows TS 23.038's advice for what a phone cannot render: an
/// unknown extension septet shows as its default-alphabet character, ESC ESC (reserved for a further
/// table) as a space. A trailing ESC has nothing to shift and is dropped; bytes with the high bit
/// set are not septets and become U+FFFD.
pub(crate) fn decode(septets: &[u8]) -> String {
    let mut out = String::with_capacity(septets.len());
    let mut bytes = septets.iter().copied();
    while let Some(byte) = bytes.next() {
        if byte != ESC {
            out.push(basic_char(byte));
            continue;
        }
        match bytes.next() {
            None => {}
            Some(ESC) => out.push(' '),
            Some(next) => out.push(extension_char(next).unwrap_or_else(|| basic_char(next))),
        }
    }
    out
}

fn basic_char(septet: u8) -> char {
    match BASIC.get(usize::from(septet)) {
        Some(&c) if septet != ESC => c,
        _ => REPLACEMENT,
    }
}

fn extension_char(septet: u8) -> Option<char> {
    EXTENSION.iter().find(|&&(ext, _)| ext == septet).map(|&(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alphabet_has_127_distinct_characters_and_the_escape() {
        let mut seen: Vec<char> =
            BASIC.iter().enumerate().filter(|&(i, _)| i != usize::from(ESC)).map(|(_, &c)| c).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 127);
        assert!(!is_gsm('\u{1B}'));
    }

    #[test]
    fn every_septet_but_the_escape_maps_back_to_itself() {
        for septet in 0..128u8 {
            if septet == ESC {
                continue;
            }
            assert_eq!(encode_char(basic_char(septet)), Some(Septets::Basic(septet)), "septet {septet:#04x}");
        }
        for &(septet, c) in &EXTENSION {
            assert_eq!(encode_char(c), Some(Septets::Extended(septet)));
            assert!(!BASIC.contains(&c), "{c:?} is in both tables");
        }
    }

    #[test]
    fn the_guide_s_character_lists_are_gsm() {
        let basic = "ABCXYZabcxyz0189àÅåÄäÇÉéèìÑñòØøÖöùÜüÆæß&*@:,¤$=!>#-¡¿(<%.+£?\")§;'/_¥ΔΦΓΛΩΠΨΣΘΞ \n\r";
        for c in basic.chars() {
            assert_eq!(encode_char(c).map(|septets| septets.bytes().1), Some(1), "{c:?}");
        }
        for c in "^{}\\[]~|€\u{0C}".chars() {
            assert_eq!(encode_char(c).map(|septets| septets.bytes().1), Some(2), "{c:?}");
        }
        for c in "™®’ç`\t\u{0}".chars() {
            assert!(!is_gsm(c), "{c:?}");
        }
    }

    #[test]
    fn decoding_is_forgiving() {
        assert_eq!(decode(&[0x00, 0x02, ESC, 0x65]), "@$€");
        assert_eq!(decode(&[ESC, 0x41]), "A", "unknown extension septet falls back to the default table");
        assert_eq!(decode(&[ESC, ESC, 0x41]), " A");
        assert_eq!(decode(&[0x41, ESC]), "A");
        assert_eq!(decode(&[0x80, 0x41]), "\u{FFFD}A");
    }
}
