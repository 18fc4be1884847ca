//! Delivery receipts: reading the receipt text and TLVs, and matching the id they quote to the
//! id a submit_sm_resp returned.
//!
//! The receipt text format is only an appendix of SMPP 3.4 (B), and carriers vary it: fields
//! missing or reordered, keys in lower case, `submit_date` for `submit date`, hexadecimal ids in
//! the submit_sm_resp but decimal ones in the receipt. Parsing is therefore by key, not by
//! position, and the TLVs (receipted_message_id, message_state, network_error_code), being
//! typed, win over the text whenever they are present.

use super::events::{DeliveryReceipt, ReceiptState};

/// The fields of a receipt text, each as written (trimmed); any may be absent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ReceiptText {
    pub id: Option<String>,
    pub sub: Option<String>,
    pub dlvrd: Option<String>,
    pub submit_date: Option<String>,
    pub done_date: Option<String>,
    pub stat: Option<String>,
    pub err: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Id,
    Sub,
    Dlvrd,
    SubmitDate,
    DoneDate,
    Stat,
    Err,
    Text,
}

/// Key spellings seen in the wild, longest first where one is a prefix of another.
const KEYS: &[(&str, Key)] = &[
    ("submit date", Key::SubmitDate),
    ("submit_date", Key::SubmitDate),
    ("submitdate", Key::SubmitDate),
    ("done date", Key::DoneDate),
    ("done_date", Key::DoneDate),
    ("donedate", Key::DoneDate),
    ("status", Key::Stat),
    ("stat", Key::Stat),
    ("dlvrd", Key::Dlvrd),
    ("error", Key::Err),
    ("err", Key::Err),
    ("text", Key::Text),
    ("sub", Key::Sub),
    ("id", Key::Id),
];

/// Reads `id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…` in any order and
/// case. `text:` is taken to run to the end, since it quotes the start of the message, which may
/// itself contain anything.
pub(crate) fn parse_receipt_text(receipt: &str) -> ReceiptText {
    // ASCII lower-casing keeps byte offsets, so positions found in `lower` index `receipt` too.
    let lower = receipt.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut found: Vec<(Key, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\r' | b'\n' | b',' | b';');
        let matched = if at_word_start { match_key(&lower, i) } else { None };
        match matched {
            Some((key, value_start)) => {
                found.push((key, i, value_start));
                if key == Key::Text {
                    break;
                }
                i = value_start;
            }
            None => i += 1,
        }
    }

    let mut fields = ReceiptText::default();
    for (n, &(key, _, value_start)) in found.iter().enumerate() {
        let value_end = found.get(n + 1).map_or(receipt.len(), |&(_, next_key_start, _)| next_key_start);
        let value = receipt.get(value_start..value_end).unwrap_or("").trim();
        let token = || value.split_whitespace().next().unwrap_or("").to_owned();
        let slot = match key {
            Key::Id => &mut fields.id,
            Key::Sub => &mut fields.sub,
            Key::Dlvrd => &mut fields.dlvrd,
            Key::SubmitDate => &mut fields.submit_date,
            Key::DoneDate => &mut fields.done_date,
            Key::Stat => &mut fields.stat,
            Key::Err => &mut fields.err,
            Key::Text => &mut fields.text,
        };
        if slot.is_none() {
            *slot = Some(match key {
                Key::Id | Key::Sub | Key::Dlvrd | Key::Stat | Key::Err => token(),
                Key::SubmitDate | Key::DoneDate | Key::Text => value.to_owned(),
            });
        }
    }
    fields
}

/// A key at `at`, followed by optional blanks and a colon: the key and where its value starts.
fn match_key(lower: &str, at: usize) -> Option<(Key, usize)> {
    let rest = lower.get(at..)?;
    KEYS.iter().find_map(|&(spelling, key)| {
        let after = rest.strip_prefix(spelling)?;
        let trimmed = after.trim_start_matches([' ', '\t']);
        let value = trimmed.strip_prefix(':')?;
        Some((key, lower.len() - value.len()))
    })
}

/// A receipt `stat:` value (abbreviated or spelled out, any case, or the numeric message_state).
pub(crate) fn state_from_stat(stat: &str) -> Option<ReceiptState> {
    let stat = stat.trim().to_ascii_uppercase();
    if let Ok(number) = stat.parse::<u8>() {
        return state_from_message_state(number);
    }
    Some(match stat.as_str() {
        "DELIVRD" | "DELIVERED" => ReceiptState::Delivered,
        "EXPIRED" => ReceiptState::Expired,
        "DELETED" => ReceiptState::Deleted,
        "UNDELIV" | "UNDELIVERABLE" | "UNDELIVERED" => ReceiptState::Undeliverable,
        "ACCEPTD" | "ACCEPTED" => ReceiptState::Accepted,
        "UNKNOWN" => ReceiptState::Unknown,
        "REJECTD" | "REJECTED" => ReceiptState::Rejected,
        "ENROUTE" => ReceiptState::Enroute,
        "SKIPPED" => ReceiptState::Skipped,
        _ => return None,
    })
}

/// The message_state TLV (SMPP 3.4 §5.3.2.35; 9 is SMPP 5.0's SKIPPED). 0 (SCHEDULED in 5.0)
/// and unassigned values say nothing usable, so the text gets its say.
pub(crate) fn state_from_message_state(value: u8) -> Option<ReceiptState> {
    Some(match value {
        1 => ReceiptState::Enroute,
        2 => ReceiptState::Delivered,
        3 => ReceiptState::Expired,
        4 => ReceiptState::Deleted,
        5 => ReceiptState::Undeliverable,
        6 => ReceiptState::Accepted,
        7 => ReceiptState::Unknown,
        8 => ReceiptState::Rejected,
        9 => ReceiptState::Skipped,
        _ => return None,
    })
}

/// The receipt-relevant TLVs of a deliver_sm.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ReceiptTlvs {
    pub receipted_message_id: Option<String>,
    pub message_state: Option<u8>,
    /// (network type, error code).
    pub network_error_code: Option<(u8, u16)>,
}

/// A receipt from its text and TLVs, or None when neither says which message it is about.
pub(crate) fn build_receipt(carrier: &str, text: String, tlvs: &ReceiptTlvs) -> Option<DeliveryReceipt> {
    let fields = parse_receipt_text(&text);
    let message_id = tlvs
        .receipted_message_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .or_else(|| fields.id.as_deref().filter(|id| !id.is_empty()))?
        .to_owned();
    let state = tlvs
        .message_state
        .and_then(state_from_message_state)
        .or_else(|| fields.stat.as_deref().and_then(state_from_stat))
        .unwrap_or(ReceiptState::Unknown);
    let error_code = match tlvs.network_error_code {
        Some((_, 0)) => None,
        Some((network_type, code)) => Some(format!("{network_type}:{code}")),
        None => fields.err.filter(|err| !err.is_empty() && !err.bytes().all(|b| b == b'0')),
    };
    Some(DeliveryReceipt { carrier: carrier.to_owned(), message_id, state, error_code, handset: String::new(), text })
}

/// A message id in the one form both sides of a match are reduced to: trimmed, lower case,
/// without leading zeros (but "0" stays "0").
pub fn normalize_message_id(id: &str) -> String {
    let lower = id.trim().to_lowercase();
    let stripped = lower.trim_start_matches('0');
    if stripped.is_empty() && !lower.is_empty() { "0".to_owned() } else { stripped.to_owned() }
}

/// Every form an id may take on the other side: the normalized id first, then, when it reads as
/// a decimal number, that number in hexadecimal, and when it reads as hexadecimal, that number in
/// decimal; all normalized, without duplicates. Some SMSCs answer submit_sm with a hexadecimal id
/// and quote it in decimal in the receipt (or the reverse), so two ids match when their candidate
/// lists share an element. An empty id has no candidates.
///
/// `receipt_id_candidates("000A1F")` is `["a1f", "2591"]`, and `"2591"` gives
/// `["2591", "a1f", "9617"]`.
pub fn receipt_id_candidates(id: &str) -> Vec<String> {
    let normalized = normalize_message_id(id);
    if normalized.is_empty() {
        return Vec::new();
    }
    let mut candidates = vec![normalized.clone()];
    if normalized.bytes().all(|b| b.is_ascii_digit())
        && let Ok(value) = normalized.parse::<u128>()
    {
        candidates.push(format!("{value:x}"));
    }
    if normalized.bytes().all(|b| b.is_ascii_hexdigit())
        && let Ok(value) = u128::from_str_radix(&normalized, 16)
    {
        candidates.push(value.to_string());
    }
    let mut unique: Vec<String> = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let candidate = normalize_message_id(&candidate);
        if !unique.contains(&candidate) {
            unique.push(candidate);
        }
    }
    unique
}

/// How a carrier's receipts write the id its submit_sm_resp gave. Most carriers quote it as
/// given; some answer in hexadecimal and quote the same number in decimal, or the reverse. A
/// purely numeric id reads both ways, so a receipt can only be matched without ambiguity once the
/// carrier's notation is known (configured, or learned from receipts that match one way only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdNotation {
    /// The receipt quotes the id as the submit_sm_resp gave it (up to case and leading zeros).
    AsSubmitted,
    /// The submit_sm_resp id is hexadecimal; the receipt quotes its value in decimal.
    DecimalForHex,
    /// The submit_sm_resp id is decimal; the receipt quotes its value in hexadecimal.
    HexForDecimal,
}

impl IdNotation {
    pub const ALL: [IdNotation; 3] = [IdNotation::AsSubmitted, IdNotation::DecimalForHex, IdNotation::HexForDecimal];

    /// The submit_sm_resp id (normalized) that a receipt quoting `receipted` refers to under this
    /// notation; None when `receipted` cannot be written this way (letters in a decimal id) or is
    /// empty.
    pub fn submitted_id(self, receipted: &str) -> Option<String> {
        let normalized = normalize_message_id(receipted);
        if normalized.is_empty() {
            return None;
        }
        let converted = match self {
            IdNotation::AsSubmitted => return Some(normalized),
            IdNotation::DecimalForHex => normalized
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| normalized.parse::<u128>().ok())
                .flatten()
                .map(|value| format!("{value:x}")),
            IdNotation::HexForDecimal => normalized
                .bytes()
                .all(|b| b.is_ascii_hexdigit())
                .then(|| u128::from_str_radix(&normalized, 16).ok())
                .flatten()
                .map(|value| value.to_string()),
        };
        converted.map(|id| normalize_message_id(&id))
    }

    /// The configuration name: `as_submitted`, `decimal_for_hex`, `hex_for_decimal`.
    pub fn name(self) -> &'static str {
        match self {
            IdNotation::AsSubmitted => "as_submitted",
            IdNotation::DecimalForHex => "decimal_for_hex",
            IdNotation::HexForDecimal => "hex_for_decimal",
        }
    }

    pub fn from_name(name: &str) -> Option<IdNotation> {
        IdNotation::ALL.into_iter().find(|notation| notation.name() == name)
    }
}

/// Whether a receipt's id and a submit_sm_resp's id name the same message.
pub fn message_ids_match(submitted: &str, receipted: &str) -> bool {
    let submitted = receipt_id_candidates(submitted);
    receipt_id_candidates(receipted).iter().any(|candidate| submitted.contains(candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STANDARD: &str = "id:0123456789 sub:001 dlvrd:001 submit date:2401021530 done date:2401021531 \
                            stat:DELIVRD err:000 text:Hello there";

    #[test]
    fn parses_the_standard_format() {
        let fields = parse_receipt_text(STANDARD);
        assert_eq!(fields.id.as_deref(), Some("0123456789"));
        assert_eq!(fields.sub.as_deref(), Some("001"));
        assert_eq!(fields.dlvrd.as_deref(), Some("001"));
        assert_eq!(fields.submit_date.as_deref(), Some("2401021530"));
        assert_eq!(fields.done_date.as_deref(), Some("2401021531"));
        assert_eq!(fields.stat.as_deref(), Some("DELIVRD"));
        assert_eq!(fields.err.as_deref(), Some("000"));
        assert_eq!(fields.text.as_deref(), Some("Hello there"));
    }

    #[test]
    fn tolerates_case_order_missing_fields_and_underscores() {
        let fields = parse_receipt_text("STAT:undeliv ERR:034 Id:ABCDEF submit_date:2401021530 text:id:not-this");
        assert_eq!(fields.id.as_deref(), Some("ABCDEF"));
        assert_eq!(fields.stat.as_deref(), Some("undeliv"));
        assert_eq!(fields.err.as_deref(), Some("034"));
        assert_eq!(fields.submit_date.as_deref(), Some("2401021530"));
        assert_eq!(fields.done_date, None);
        assert_eq!(fields.sub, None);
        assert_eq!(fields.text.as_deref(), Some("id:not-this"));
    }

    #[test]
    fn keys_need_a_word_start_and_a_colon() {
        let fields = parse_receipt_text("msgid:999 id :42 stat:EXPIRED");
        assert_eq!(fields.id.as_deref(), Some("42"));
        assert_eq!(fields.stat.as_deref(), Some("EXPIRED"));
        assert_eq!(parse_receipt_text("no receipt here"), ReceiptText::default());
        assert_eq!(parse_receipt_text(""), ReceiptText::default());
    }

    #[test]
    fn stat_values() {
        let expected = [
            ("DELIVRD", ReceiptState::Delivered),
            ("EXPIRED", ReceiptState::Expired),
            ("DELETED", ReceiptState::Deleted),
            ("UNDELIV", ReceiptState::Undeliverable),
            ("ACCEPTD", ReceiptState::Accepted),
            ("UNKNOWN", ReceiptState::Unknown),
            ("REJECTD", ReceiptState::Rejected),
            ("ENROUTE", ReceiptState::Enroute),
            ("delivered", ReceiptState::Delivered),
            ("2", ReceiptState::Delivered),
            ("8", ReceiptState::Rejected),
        ];
        for (stat, state) in expected {
            assert_eq!(state_from_stat(stat), Some(state), "{stat}");
        }
        assert_eq!(state_from_stat("BOGUS"), None);
        assert_eq!(state_from_stat("0"), None);
        for value in 1..=9 {
            assert!(state_from_message_state(value).is_some());
        }
        assert_eq!(state_from_message_state(10), None);
    }

    #[test]
    fn receipt_from_text_only() {
        let receipt = build_receipt("acme", STANDARD.to_owned(), &ReceiptTlvs::default()).expect("receipt");
        assert_eq!(receipt.carrier, "acme");
        assert_eq!(receipt.message_id, "0123456789");
        assert_eq!(receipt.state, ReceiptState::Delivered);
        assert_eq!(receipt.error_code, None, "err:000 is no error");
        assert_eq!(receipt.text, STANDARD);

        let undelivered = build_receipt("acme", "id:7 stat:UNDELIV err:034".to_owned(), &ReceiptTlvs::default());
        let undelivered = undelivered.expect("receipt");
        assert_eq!(undelivered.state, ReceiptState::Undeliverable);
        assert_eq!(undelivered.error_code.as_deref(), Some("034"));
    }

    #[test]
    fn tlvs_win_over_the_text() {
        let tlvs = ReceiptTlvs {
            receipted_message_id: Some("a1f".to_owned()),
            message_state: Some(5),
            network_error_code: Some((3, 11)),
        };
        let receipt = build_receipt("acme", STANDARD.to_owned(), &tlvs).expect("receipt");
        assert_eq!(receipt.message_id, "a1f");
        assert_eq!(receipt.state, ReceiptState::Undeliverable);
        assert_eq!(receipt.error_code.as_deref(), Some("3:11"));

        let only_tlvs = ReceiptTlvs { receipted_message_id: Some("x".into()), message_state: None, ..tlvs };
        let receipt = build_receipt("acme", String::new(), &only_tlvs).expect("receipt");
        assert_eq!(receipt.state, ReceiptState::Unknown);
    }

    #[test]
    fn a_receipt_without_any_id_is_none() {
        assert_eq!(build_receipt("acme", "stat:DELIVRD".to_owned(), &ReceiptTlvs::default()), None);
    }

    #[test]
    fn normalizes_ids() {
        assert_eq!(normalize_message_id(" 000A1F "), "a1f");
        assert_eq!(normalize_message_id("0000"), "0");
        assert_eq!(normalize_message_id("0"), "0");
        assert_eq!(normalize_message_id(""), "");
        assert_eq!(normalize_message_id("AbC-01"), "abc-01");
    }

    #[test]
    fn candidates_cover_decimal_and_hex() {
        assert_eq!(receipt_id_candidates("000A1F"), vec!["a1f", "2591"]);
        assert_eq!(receipt_id_candidates("2591"), vec!["2591", "a1f", "9617"]);
        assert_eq!(receipt_id_candidates("12345"), vec!["12345", "3039", "74565"]);
        assert_eq!(receipt_id_candidates("3039"), vec!["3039", "bdf", "12345"]);
        assert_eq!(receipt_id_candidates("0"), vec!["0"]);
        assert_eq!(receipt_id_candidates("msg-1"), vec!["msg-1"]);
        assert!(receipt_id_candidates("  ").is_empty());
        // Too large for u128 in either base: only the exact form.
        let long = "9".repeat(60);
        assert_eq!(receipt_id_candidates(&long), vec![long.clone()]);
    }

    #[test]
    fn ids_match_across_formats() {
        assert!(message_ids_match("000A1F", "2591"));
        assert!(message_ids_match("2591", "000a1f"));
        assert!(message_ids_match("12345", "3039"));
        assert!(message_ids_match("3039", "12345"));
        assert!(message_ids_match("ABCDEF", "abcdef"));
        assert!(message_ids_match("007", "7"));
        assert!(!message_ids_match("12345", "12346"));
        assert!(!message_ids_match("", ""));
    }

    #[test]
    fn each_notation_names_the_id_it_stands_for() {
        assert_eq!(IdNotation::AsSubmitted.submitted_id("000A1F").as_deref(), Some("a1f"));
        assert_eq!(IdNotation::DecimalForHex.submitted_id("2591").as_deref(), Some("a1f"));
        assert_eq!(IdNotation::DecimalForHex.submitted_id("a1f"), None);
        assert_eq!(IdNotation::HexForDecimal.submitted_id("a1f").as_deref(), Some("2591"));
        // A numeric id reads both ways: which one is meant depends on the carrier.
        assert_eq!(IdNotation::HexForDecimal.submitted_id("2591").as_deref(), Some("9617"));
        assert_eq!(IdNotation::AsSubmitted.submitted_id("  "), None);
        for notation in IdNotation::ALL {
            assert_eq!(IdNotation::from_name(notation.name()), Some(notation));
        }
        assert_eq!(IdNotation::from_name("auto"), None);
    }
}
