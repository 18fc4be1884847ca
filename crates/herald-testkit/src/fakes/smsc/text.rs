//! Just enough of the SMS text encodings for the fake to show tests what a handset would read:
//! GSM 03.38 unpacked (one septet per octet, as SMPP carries it with data_coding 0), UCS-2 /
//! UTF-16BE (data_coding 8), and the concatenation header of multipart messages.

/// GSM 03.38 default alphabet; 0x1B is the escape to the extension table.
const BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1b}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

const ESCAPE: u8 = 0x1B;

/// The extension table reached through ESC: (septet, character).
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{c}'),
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

/// The concatenation information element of a multipart message's user data header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Udh {
    /// The message reference shared by all parts (8- or 16-bit in the header).
    pub reference: u16,
    pub total: u8,
    /// 1-based.
    pub index: u8,
}

/// Splits user data that starts with a user data header into the concatenation element (when
/// there is one) and the remaining payload; `None` when the header's length runs past the data.
pub fn split_udh(user_data: &[u8]) -> Option<(Option<Udh>, &[u8])> {
    let (&header_length, rest) = user_data.split_first()?;
    let header_length = usize::from(header_length);
    if rest.len() < header_length {
        return None;
    }
    let (mut header, payload) = rest.split_at(header_length);
    let mut concatenation = None;
    while let [id, length, more @ ..] = header {
        let length = usize::from(*length);
        if more.len() < length {
            break;
        }
        let (data, next) = more.split_at(length);
        concatenation = match (id, data) {
            (0x00, [reference, total, index]) => {
                Some(Udh { reference: u16::from(*reference), total: *total, index: *index })
            }
            (0x08, [high, low, total, index]) => {
                Some(Udh { reference: u16::from_be_bytes([*high, *low]), total: *total, index: *index })
            }
            _ => concatenation,
        };
        header = next;
    }
    Some((concatenation, payload))
}

/// The text of `payload` for the SMPP data_coding values the fake understands: 0 (GSM 03.38
/// unpacked, the usual SMSC default), 1 (IA5/ASCII), 3 (Latin-1) and 8 (UCS-2, read as UTF-16BE
/// so that surrogate pairs work as handsets show them).
pub fn decode(data_coding: u8, payload: &[u8]) -> Option<String> {
    match data_coding {
        0 => Some(decode_gsm(payload)),
        1 => Some(payload.iter().map(|&byte| char::from(byte & 0x7F)).collect()),
        3 => Some(payload.iter().map(|&byte| char::from(byte)).collect()),
        8 => {
            let units: Vec<u16> = payload
                .chunks(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

/// Unpacked GSM 03.38. An escape before a septet the extension table lacks reads as that
/// septet's basic character, as GSM 03.38 asks of receivers.
pub fn decode_gsm(septets: &[u8]) -> String {
    let mut text = String::with_capacity(septets.len());
    let mut bytes = septets.iter().map(|byte| byte & 0x7F);
    while let Some(septet) = bytes.next() {
        if septet == ESCAPE {
            let Some(extended) = bytes.next() else { break };
            let character = EXTENSION
                .iter()
                .find(|(code, _)| *code == extended)
                .map_or(BASIC[usize::from(extended)], |(_, character)| *character);
            text.push(character);
        } else {
            text.push(BASIC[usize::from(septet)]);
        }
    }
    text
}

/// Unpacked GSM 03.38 septets for `text`, or `None` when a character is not in the default
/// alphabet or its extension.
pub fn encode_gsm(text: &str) -> Option<Vec<u8>> {
    let mut septets = Vec::with_capacity(text.len());
    for character in text.chars() {
        if let Some(code) = BASIC.iter().position(|&basic| basic == character && basic != '\u{1b}') {
            // The table has 128 entries, so the position fits a septet.
            septets.push(code as u8);
        } else if let Some((code, _)) = EXTENSION.iter().find(|(_, extended)| *extended == character) {
            septets.extend([ESCAPE, *code]);
        } else {
            return None;
        }
    }
    Some(septets)
}

/// UTF-16BE, which is what SMSCs and handsets accept as UCS-2 for characters outside the BMP.
pub fn encode_ucs2(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm_round_trip_with_extension_characters() {
        let text = "Hello @home: 5€ {ok} [a|b] ~^\\ Ünïcode?";
        assert_eq!(encode_gsm(text), None, "ï is not GSM");
        let text = "Hello @home: 5€ {ok} [a|b] ~^\\ Ü£";
        let septets = encode_gsm(text).expect("GSM");
        assert_eq!(septets[0], b'H');
        assert_eq!(septets[6], 0x00, "@ is septet 0");
        assert_eq!(decode_gsm(&septets), text);
        assert_eq!(decode(0, &septets).as_deref(), Some(text));
    }

    #[test]
    fn ucs2_round_trip_with_surrogates() {
        let text = "Привет 👋";
        assert_eq!(decode(8, &encode_ucs2(text)).as_deref(), Some(text));
    }

    #[test]
    fn concatenation_headers() {
        let eight_bit = [0x05, 0x00, 0x03, 0x2A, 0x03, 0x02, b'h', b'i'];
        assert_eq!(split_udh(&eight_bit), Some((Some(Udh { reference: 0x2A, total: 3, index: 2 }), &b"hi"[..])));
        let sixteen_bit = [0x06, 0x08, 0x04, 0x01, 0x02, 0x02, 0x01, b'x'];
        assert_eq!(split_udh(&sixteen_bit), Some((Some(Udh { reference: 0x0102, total: 2, index: 1 }), &b"x"[..])));
        assert_eq!(split_udh(&[0x09, 0x00]), None, "header longer than the data");
        assert_eq!(split_udh(&[]), None);
    }
}
