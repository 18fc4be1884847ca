//! The two timestamp forms a signed request can carry: `x-amz-date`
//! (`20240102T030405Z`) and, as a fallback, an RFC 1123 `Date` header
//! (`Tue, 02 Jan 2024 03:04:05 GMT`). Both are always UTC.
//!
//! Parsed by hand because both layouts are fixed-width and tiny, and a
//! hand parser makes it obvious that no input can panic.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Parses `yyyymmddThhmmssZ`.
pub(crate) fn parse_amz_date(value: &str) -> Option<OffsetDateTime> {
    let bytes = value.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let year = digits(&bytes[0..4])?;
    let month = digits(&bytes[4..6])?;
    let day = digits(&bytes[6..8])?;
    let hour = digits(&bytes[9..11])?;
    let minute = digits(&bytes[11..13])?;
    let second = digits(&bytes[13..15])?;
    utc(year, month, day, hour, minute, second)
}

/// Parses the RFC 1123 form of an HTTP `Date` header.
pub(crate) fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    let mut fields = value.split_whitespace();
    let weekday = fields.next()?;
    let day = fields.next()?;
    let month = fields.next()?;
    let year = fields.next()?;
    let clock = fields.next()?;
    let zone = fields.next()?;
    if fields.next().is_some() || !weekday.ends_with(',') || !matches!(zone, "GMT" | "UTC") {
        return None;
    }
    let month = month_number(month)?;
    let clock: Vec<&str> = clock.split(':').collect();
    let [hour, minute, second] = clock.as_slice() else {
        return None;
    };
    let field = |text: &str, width: usize| {
        if text.len() == width { digits(text.as_bytes()) } else { None }
    };
    utc(field(year, 4)?, month, field(day, 2)?, field(hour, 2)?, field(minute, 2)?, field(second, 2)?)
}

/// Formats as `yyyymmddThhmmssZ`, the form used in the string to sign and
/// in AWS error messages.
pub(crate) fn format_amz_date(value: OffsetDateTime) -> String {
    let value = in_utc(value);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        value.year(),
        u8::from(value.month()),
        value.day(),
        value.hour(),
        value.minute(),
        value.second()
    )
}

/// Formats as `yyyymmdd`, the date in the credential scope.
pub(crate) fn format_scope_date(value: OffsetDateTime) -> String {
    let value = in_utc(value);
    format!("{:04}{:02}{:02}", value.year(), u8::from(value.month()), value.day())
}

fn in_utc(value: OffsetDateTime) -> OffsetDateTime {
    // Only fails at the very edge of the representable range; the original
    // offset is then the best we can print.
    value.checked_to_offset(UtcOffset::UTC).unwrap_or(value)
}

fn utc(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<OffsetDateTime> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()?;
    let time = Time::from_hms(u8::try_from(hour).ok()?, u8::try_from(minute).ok()?, u8::try_from(second).ok()?).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

fn digits(bytes: &[u8]) -> Option<u32> {
    let mut value: u32 = 0;
    for byte in bytes {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u32::from(byte - b'0'))?;
    }
    Some(value)
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let index = MONTHS.iter().position(|month| *month == name)?;
    u32::try_from(index + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn amz_date_round_trips() {
        let parsed = parse_amz_date("20240229T235960Z");
        assert_eq!(parsed, None, "second 60 is not accepted");
        let parsed = parse_amz_date("20240229T235959Z").expect("valid");
        assert_eq!(parsed, datetime!(2024-02-29 23:59:59 UTC));
        assert_eq!(format_amz_date(parsed), "20240229T235959Z");
        assert_eq!(format_scope_date(parsed), "20240229");
    }

    #[test]
    fn amz_date_rejects_garbage() {
        for value in [
            "",
            "20240102T030405",
            "20240102 030405Z",
            "2024010T0304055Z",
            "20241302T030405Z",
            "20230229T030405Z",
            "+0240102T030405Z",
            "20240102T030405Zx",
            "２０240102T03040Z",
        ] {
            assert_eq!(parse_amz_date(value), None, "{value}");
        }
    }

    #[test]
    fn http_date_is_accepted() {
        assert_eq!(parse_http_date("Tue, 02 Jan 2024 03:04:05 GMT"), Some(datetime!(2024-01-02 03:04:05 UTC)));
        for value in [
            "",
            "Tue, 02 Jan 2024 03:04:05",
            "Tue, 02 Foo 2024 03:04:05 GMT",
            "Tue 02 Jan 2024 03:04:05 GMT",
            "Tue, 2 Jan 2024 03:04:05 GMT",
            "Tue, 02 Jan 2024 03:04 GMT",
            "Tue, 02 Jan 2024 03:04:05 GMT extra",
        ] {
            assert_eq!(parse_http_date(value), None, "{value}");
        }
    }

    #[test]
    fn formats_in_utc() {
        let value = datetime!(2024-01-02 01:00:00 +02:00);
        assert_eq!(format_amz_date(value), "20240101T230000Z");
        assert_eq!(format_scope_date(value), "20240101");
    }
}
