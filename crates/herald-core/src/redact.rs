//! What logs may show of a phone number: enough to tell numbers apart, not enough to dial.

/// Masks every digit but the last four ("+447700900555" -> "+********0555"); numbers of eight
/// characters or fewer (short codes) keep only their last two.
pub fn phone_number(number: &str) -> String {
    let count = number.chars().count();
    let shown = if count > 8 { 4 } else { 2 };
    number
        .chars()
        .enumerate()
        .map(|(index, c)| if index + shown < count && c.is_ascii_alphanumeric() { '*' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_digits_show() {
        assert_eq!(phone_number("+447700900555"), "+********0555");
        assert_eq!(phone_number("+12065550100"), "+*******0100");
        assert_eq!(phone_number("12345"), "***45");
        assert_eq!(phone_number("1"), "1");
        assert_eq!(phone_number(""), "");
    }
}
