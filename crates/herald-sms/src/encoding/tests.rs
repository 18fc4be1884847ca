//! The SMS guide's worked examples, the budget boundaries, and properties tying `analyse`, `split`
//! and `decode` together.

use proptest::prelude::*;

use super::*;

fn info(encoding: Encoding, units: usize, parts: usize) -> BodyInfo {
    BodyInfo { encoding, units, parts }
}

/// What a handset would show after reassembling the parts.
fn reassembled(parts: &[Part]) -> String {
    parts.iter().map(|part| decode(part.data_coding, part.udhi, &part.short_message)).collect()
}

/// The text bytes of a part, without its header.
fn text_of(part: &Part) -> &[u8] {
    if part.udhi { &part.short_message[6..] } else { &part.short_message }
}

const CARLOS: &str = "Hello Carlos. Your Example Corp. bill of $100 is now available. Autopay is scheduled for next \
                      Thursday, April 9. To view the details of your bill, go to https://example.com/bill1.";

#[test]
fn guide_example_1_a_long_gsm_message_takes_two_parts() {
    // The guide rounds this to 180 characters; counted, it is 179. Either way, two parts.
    assert_eq!(CARLOS.chars().count(), 179);
    assert_eq!(analyse(CARLOS), info(Encoding::Gsm7, 179, 2));
    let parts = split(CARLOS, 7);
    assert_eq!(parts.len(), 2);
    assert_eq!(text_of(&parts[0]).len(), 153);
    assert_eq!(text_of(&parts[1]).len(), 26);
    assert_eq!(reassembled(&parts), CARLOS);
}

#[test]
fn guide_example_2_seventy_one_chinese_characters_take_two_parts() {
    let body = "您好！您在Example Corp的账单金额为100元，现已可以查看。自动付款定于下周四（4月9日）进行。详情请访问我们的网站，谢谢您的惠顾。";
    assert_eq!(body.chars().count(), 71);
    assert_eq!(analyse(body), info(Encoding::Ucs2, 71, 2));
    let parts = split(body, 1);
    assert_eq!(parts.iter().map(|part| text_of(part).len()).collect::<Vec<_>>(), [134, 8]);
    assert_eq!(reassembled(&parts), body);
}

#[test]
fn guide_example_3_one_typographic_apostrophe_forces_unicode() {
    let ascii = "John: Your appointment with Dr. Salazar's office is scheduled for next Thursday at 4:30pm. Reply YES \
                 to confirm, NO to reschedule.";
    let curly = ascii.replace('\'', "’");
    assert_eq!(analyse(ascii), info(Encoding::Gsm7, 130, 1));
    assert_eq!(analyse(&curly), info(Encoding::Ucs2, 130, 2));
    assert_eq!(split(ascii, 0).len(), 1);
    assert_eq!(reassembled(&split(&curly, 0)), curly);
}

#[test]
fn guide_example_4_a_registered_sign_forces_unicode() {
    let plain =
        "Thank you for ordering the Example Corp. Widget(R) Pro. Your order #12345 ships tomorrow; track it online.";
    let fancy = plain.replace("Widget(R)", "Widget®");
    assert_eq!(analyse(plain), info(Encoding::Gsm7, 106, 1));
    assert_eq!(analyse(&fancy), info(Encoding::Ucs2, 104, 2));
}

#[test]
fn guide_example_5_481_gsm_characters_take_four_parts() {
    let body = "x".repeat(481);
    assert_eq!(analyse(&body), info(Encoding::Gsm7, 481, 4));
    let parts = split(&body, 9);
    assert_eq!(parts.iter().map(|part| text_of(part).len()).collect::<Vec<_>>(), [153, 153, 153, 22]);
}

#[test]
fn single_part_boundaries() {
    assert_eq!(analyse(&"a".repeat(160)), info(Encoding::Gsm7, 160, 1));
    assert_eq!(analyse(&"a".repeat(161)), info(Encoding::Gsm7, 161, 2));
    assert_eq!(analyse(&"中".repeat(70)), info(Encoding::Ucs2, 70, 1));
    assert_eq!(analyse(&"中".repeat(71)), info(Encoding::Ucs2, 71, 2));
    assert_eq!(analyse(""), info(Encoding::Gsm7, 0, 1));
}

#[test]
fn extension_characters_count_two() {
    assert_eq!(analyse(&"€".repeat(80)), info(Encoding::Gsm7, 160, 1));
    assert_eq!(analyse(&"€".repeat(81)), info(Encoding::Gsm7, 162, 2));
    assert_eq!(analyse("[a]{b}^~|\\\u{0C}"), info(Encoding::Gsm7, 20, 1));
    let parts = split(&"€".repeat(80), 0);
    assert_eq!(parts.len(), 1);
    assert_eq!(&parts[0].short_message[..4], [0x1B, 0x65, 0x1B, 0x65]);
}

#[test]
fn emoji_count_two() {
    assert_eq!(analyse("😀"), info(Encoding::Ucs2, 2, 1));
    assert_eq!(analyse(&"😀".repeat(35)), info(Encoding::Ucs2, 70, 1));
    assert_eq!(analyse(&"😀".repeat(36)), info(Encoding::Ucs2, 72, 2));
}

#[test]
fn an_escape_pair_is_not_split() {
    // 1 + 76 × 2 = 153 fills the first part exactly; with one more 'a' the 76th € no longer fits.
    let exact = format!("a{}", "€".repeat(80));
    assert_eq!(split(&exact, 0).iter().map(|part| text_of(part).len()).collect::<Vec<_>>(), [153, 8]);
    let shifted = format!("aa{}", "€".repeat(80));
    let parts = split(&shifted, 0);
    assert_eq!(parts.iter().map(|part| text_of(part).len()).collect::<Vec<_>>(), [152, 10]);
    assert_eq!(text_of(&parts[1])[0], 0x1B);
    assert_eq!(reassembled(&parts), shifted);
}

#[test]
fn a_surrogate_pair_is_not_split() {
    // 67 is odd: 33 emoji fill 66 units and the 34th goes whole to the next part.
    let body = "😀".repeat(36);
    let parts = split(&body, 0);
    assert_eq!(parts.iter().map(|part| text_of(part).len()).collect::<Vec<_>>(), [132, 12]);
    assert_eq!(reassembled(&parts), body);
    let with_prefix = format!("a{}", "😀".repeat(35));
    assert_eq!(analyse(&with_prefix), info(Encoding::Ucs2, 71, 2));
    assert_eq!(split(&with_prefix, 0).iter().map(|part| text_of(part).len()).collect::<Vec<_>>(), [134, 8]);
}

#[test]
fn maximum_lengths() {
    assert_eq!(check_length(&analyse(&"a".repeat(1530))), Ok(()));
    assert_eq!(analyse(&"a".repeat(1530)).parts, 10);
    assert_eq!(
        check_length(&analyse(&"a".repeat(1531))),
        Err(TooLong { encoding: Encoding::Gsm7, units: 1531, max: 1530 })
    );
    assert_eq!(check_length(&analyse(&"中".repeat(630))), Ok(()));
    assert_eq!(analyse(&"中".repeat(630)).parts, 10);
    assert_eq!(
        check_length(&analyse(&"中".repeat(631))),
        Err(TooLong { encoding: Encoding::Ucs2, units: 631, max: 630 })
    );
    // The limit is on units. Escape pairs that cannot straddle a boundary leave a septet unused in
    // each part, so a body of nothing but extension characters at the limit needs an eleventh part.
    let euros = analyse(&"€".repeat(765));
    assert_eq!(euros, info(Encoding::Gsm7, 1530, 11));
    assert_eq!(check_length(&euros), Ok(()));
}

#[test]
fn too_long_explains_itself() {
    let error = TooLong { encoding: Encoding::Ucs2, units: 631, max: 630 };
    assert_eq!(error.to_string(), "message body is 631 UCS-2 code units long; the maximum is 630");
}

#[test]
fn encoding_names_and_data_codings() {
    assert_eq!(Encoding::Gsm7.event_name(), "GSM");
    assert_eq!(Encoding::Ucs2.event_name(), "Unicode");
    assert_eq!(Encoding::Gsm7.data_coding(), 0x00);
    assert_eq!(Encoding::Ucs2.data_coding(), 0x08);
}

#[test]
fn parts_carry_the_concatenation_header() {
    let parts = split(&"b".repeat(200), 0xAB);
    assert_eq!(parts.len(), 2);
    for (part, index) in parts.iter().zip(1u8..) {
        assert_eq!((part.index, part.total, part.data_coding, part.udhi), (index, 2, 0x00, true));
        assert_eq!(part.short_message[..6], [0x05, 0x00, 0x03, 0xAB, 0x02, index]);
    }
    let single = split("Hi €", 0xAB);
    assert_eq!(
        single,
        [Part { index: 1, total: 1, data_coding: 0, udhi: false, short_message: vec![0x48, 0x69, 0x20, 0x1B, 0x65] }]
    );
    let unicode = split("Hi ®", 0);
    assert_eq!(unicode[0].data_coding, 0x08);
    assert_eq!(unicode[0].short_message, [0x00, 0x48, 0x00, 0x69, 0x00, 0x20, 0x00, 0xAE]);
}

#[test]
fn split_never_numbers_beyond_255_parts() {
    let parts = split(&"a".repeat(153 * 300), 0);
    assert_eq!(parts.len(), 255);
    assert_eq!(parts[254].index, 255);
    assert!(parts.iter().all(|part| part.total == 255));
}

#[test]
fn decodes_inbound_codings() {
    assert_eq!(decode(0x00, false, &[0x48, 0x69, 0x00, 0x1B, 0x65, 0x11]), "Hi@€_");
    assert_eq!(decode(0x01, false, b"plain \xE9"), "plain \u{FFFD}");
    assert_eq!(decode(0x03, false, b"caf\xE9"), "café");
    assert_eq!(decode(0x04, false, b"caf\xE9"), "café", "unknown codings read as Latin-1");
    assert_eq!(decode(0x08, false, &[0x00, 0x41, 0xD8, 0x3D, 0xDE, 0x00, 0xD8, 0x00]), "A😀\u{FFFD}");
    assert_eq!(decode(0x08, true, &[0x05, 0x00, 0x03, 0x01, 0x02, 0x01, 0x4E, 0x2D]), "中");
    assert_eq!(decode(0x00, true, &[0x05, 0x00, 0x03, 0x01, 0x02, 0x02, 0x1B, 0x14]), "^");
    assert_eq!(decode(0x00, true, &[0x09, 0x41]), "");
    assert_eq!(decode(0x00, true, &[]), "");
}

/// Every character the GSM tables hold.
fn gsm_alphabet() -> Vec<char> {
    (0..0x400).chain([0x20AC]).filter_map(char::from_u32).filter(|&c| gsm7::is_gsm(c)).collect()
}

fn gsm_char() -> impl Strategy<Value = char> {
    prop::sample::select(gsm_alphabet())
}

/// Mostly GSM with the odd character that is not, emoji included, so both encodings and both kinds
/// of two-unit character land on part boundaries.
fn mixed_char() -> impl Strategy<Value = char> {
    prop_oneof![
        8 => gsm_char(),
        1 => any::<char>(),
        1 => prop::sample::select(vec!['😀', '🎉', '𝄞', '’', '®', '中']),
    ]
}

fn string_of(chars: impl Strategy<Value = char>, max_len: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(chars, 0..=max_len).prop_map(|chars| chars.into_iter().collect())
}

/// Checks everything `split` promises about one body.
fn check_split(body: &str, reference: u8) -> Result<(), TestCaseError> {
    let info = analyse(body);
    let limits = parts::limits(info.encoding);
    let unit_bytes = match info.encoding {
        Encoding::Gsm7 => 1,
        Encoding::Ucs2 => 2,
    };
    let parts = split(body, reference);
    prop_assert_eq!(parts.len(), info.parts);
    prop_assert_eq!(reassembled(&parts), body);
    let total_bytes: usize = parts.iter().map(|part| text_of(part).len()).sum();
    prop_assert_eq!(total_bytes, info.units * unit_bytes);

    for (i, part) in parts.iter().enumerate() {
        prop_assert_eq!(usize::from(part.index), i + 1);
        prop_assert_eq!(usize::from(part.total), parts.len());
        prop_assert_eq!(part.data_coding, info.encoding.data_coding());
        prop_assert_eq!(part.udhi, parts.len() > 1);
        let text = text_of(part);
        let units = text.len() / unit_bytes;
        if part.udhi {
            prop_assert_eq!(&part.short_message[..6], &[0x05, 0x00, 0x03, reference, part.total, part.index]);
            prop_assert!(units <= limits.per_part);
            if i + 1 < parts.len() {
                // Greedy: only a two-unit character that did not fit may leave a unit unused.
                prop_assert!(units + 1 >= limits.per_part);
            }
        } else {
            prop_assert!(units <= limits.single);
        }
        match info.encoding {
            Encoding::Gsm7 => prop_assert_ne!(text.last(), Some(&gsm7::ESC)),
            Encoding::Ucs2 => {
                prop_assert_eq!(text.len() % 2, 0);
                prop_assert!(!text.first().is_some_and(|b| (0xDC..=0xDF).contains(b)), "starts with a low surrogate");
                let last_high = text.len().checked_sub(2).map(|at| text[at]);
                prop_assert!(!last_high.is_some_and(|b| (0xD8..=0xDB).contains(&b)), "ends with a high surrogate");
            }
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn gsm_text_round_trips(body in string_of(gsm_char(), 765)) {
        let septets = gsm7::encode(&body);
        prop_assert!(septets.is_some());
        let septets = septets.unwrap_or_default();
        prop_assert_eq!(gsm7::decode(&septets), body.clone());
        let info = analyse(&body);
        prop_assert_eq!(info.encoding, Encoding::Gsm7);
        prop_assert_eq!(info.units, septets.len());
        prop_assert_eq!(check_length(&info), Ok(()));
    }

    #[test]
    fn gsm_bodies_split_as_analysed(body in string_of(gsm_char(), 765), reference in any::<u8>()) {
        prop_assert_eq!(check_length(&analyse(&body)), Ok(()));
        check_split(&body, reference)?;
    }

    #[test]
    fn any_bodies_split_as_analysed(body in string_of(any::<char>(), 315), reference in any::<u8>()) {
        prop_assert_eq!(check_length(&analyse(&body)), Ok(()));
        check_split(&body, reference)?;
    }

    #[test]
    fn mixed_bodies_split_as_analysed(body in string_of(mixed_char(), 315), reference in any::<u8>()) {
        prop_assert_eq!(check_length(&analyse(&body)), Ok(()));
        check_split(&body, reference)?;
    }

    #[test]
    fn ucs2_text_round_trips(body in string_of(any::<char>(), 315)) {
        let bytes: Vec<u8> = body.encode_utf16().flat_map(u16::to_be_bytes).collect();
        prop_assert_eq!(decode(0x08, false, &bytes), body);
    }
}
