//! Scalar types whose JSON form the AWS protocols fix: timestamps and blobs.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A timestamp sent as epoch seconds (a JSON number, with a fraction when it has milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EpochSeconds(pub OffsetDateTime);

/// A timestamp sent as an ISO-8601 / RFC 3339 string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Iso8601(pub OffsetDateTime);

/// Binary data sent as base64.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blob(pub Vec<u8>);

impl Serialize for EpochSeconds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let millis = self.0.unix_timestamp_nanos() / 1_000_000;
        if millis % 1000 == 0 {
            serializer.serialize_i64(self.0.unix_timestamp())
        } else {
            serializer.serialize_f64(millis as f64 / 1000.0)
        }
    }
}

impl<'de> Deserialize<'de> for EpochSeconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EpochVisitor;
        impl Visitor<'_> for EpochVisitor {
            type Value = EpochSeconds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp in epoch seconds")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                OffsetDateTime::from_unix_timestamp(v).map(EpochSeconds).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                let v = i64::try_from(v).map_err(E::custom)?;
                self.visit_i64(v)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                if !v.is_finite() {
                    return Err(E::custom("timestamp is not a finite number"));
                }
                let nanos = (v * 1e9).round() as i128;
                OffsetDateTime::from_unix_timestamp_nanos(nanos).map(EpochSeconds).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                match v.parse::<f64>() {
                    Ok(n) => self.visit_f64(n),
                    Err(_) => OffsetDateTime::parse(v, &Rfc3339).map(EpochSeconds).map_err(E::custom),
                }
            }
        }
        deserializer.deserialize_any(EpochVisitor)
    }
}

impl Serialize for Iso8601 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_iso8601(self.0))
    }
}

impl<'de> Deserialize<'de> for Iso8601 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339)
            .map(Iso8601)
            .map_err(|e| de::Error::custom(format!("{text:?} is not an ISO-8601 timestamp: {e}")))
    }
}

/// `2026-11-22T01:25:39.123Z`: the form AWS writes dates in Pinpoint bodies.
pub fn format_iso8601(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text.as_bytes()).map(Blob).map_err(|e| de::Error::custom(format!("not valid base64: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_round_trip_with_and_without_fraction() {
        let whole: EpochSeconds = serde_json::from_str("1732233600").expect("integer");
        assert_eq!(serde_json::to_string(&whole).expect("ser"), "1732233600");
        let fraction: EpochSeconds = serde_json::from_str("1732233600.5").expect("float");
        assert_eq!(serde_json::to_string(&fraction).expect("ser"), "1732233600.5");
        assert!(serde_json::from_str::<EpochSeconds>("\"soon\"").is_err());
    }

    #[test]
    fn iso8601_has_milliseconds_and_z() {
        let at: Iso8601 = serde_json::from_str("\"2026-11-22T01:25:39.1+01:00\"").expect("rfc3339");
        assert_eq!(serde_json::to_string(&at).expect("ser"), "\"2026-11-22T00:25:39.100Z\"");
    }

    #[test]
    fn blob_is_base64() {
        let blob: Blob = serde_json::from_str("\"aGVyYWxk\"").expect("base64");
        assert_eq!(blob.0, b"herald");
        assert!(serde_json::from_str::<Blob>("\"!!\"").is_err());
    }
}
