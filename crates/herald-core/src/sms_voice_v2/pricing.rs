//! What a message costs, for MaxPrice, spend limits and the event records' totalMessagePrice.
//!
//! AWS prices by country, route and carrier, and the guide prints none of it beyond its
//! examples; a self-hosted operator pays its own carriers. Herald charges one price per unit
//! on each channel, taken from the guide's examples: $0.00645 an SMS part (its "645
//! thousandths of a cent"), $0.0195 an MMS message and $0.013 a voice minute. Messages to
//! simulator numbers cost the same, so spend limits behave in tests as they will in production.

use crate::sms_delivery::Channel;

/// Millionths of a US dollar per unit (SMS part, MMS message, voice minute).
pub(crate) fn price_micros(channel: Channel, _iso_country: &str) -> i64 {
    match channel {
        Channel::Text => 6_450,
        Channel::Media => 19_500,
        Channel::Voice => 13_000,
    }
}

/// What one unit of the channel is called in messages.
pub(crate) fn unit_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Text => "one message part",
        Channel::Media => "one media message",
        Channel::Voice => "one minute",
    }
}

/// Millionths of a dollar as dollars with the digits they need: 6450 → "0.00645".
pub(crate) fn format_dollars(micros: i64) -> String {
    let text = format!("{}.{:06}", micros / 1_000_000, (micros % 1_000_000).abs());
    let trimmed = text.trim_end_matches('0');
    if trimmed.ends_with('.') { format!("{trimmed}00") } else { trimmed.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_are_written_with_the_digits_they_need() {
        assert_eq!(format_dollars(6_450), "0.00645");
        assert_eq!(format_dollars(2_000_000), "2.00");
        assert_eq!(format_dollars(19_500), "0.0195");
    }
}
