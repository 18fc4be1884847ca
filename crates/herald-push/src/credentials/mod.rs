//! Validation of the push channel credentials users upload with
//! UpdateApnsChannel and UpdateGcmChannel.
//!
//! Pinpoint rejects broken credentials when they are uploaded rather than at
//! the first send, so these checks run on the request path and their error
//! messages go back to the caller verbatim inside a BadRequestException.

mod apns_certificate;
mod apns_token_key;
mod fcm_service_account;
mod pem;

#[cfg(any(test, feature = "test-material"))]
pub mod test_material;

pub use apns_certificate::{ApnsCertificateInfo, validate_apns_certificate};
pub use apns_token_key::validate_apns_token_key;
pub use fcm_service_account::{ServiceAccountKey, parse_fcm_service_account};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Why an uploaded credential was refused.
///
/// The `Display` text is shown to API users as is, so every message names the
/// request field it is about and never quotes secret material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    /// UpdateApnsChannel `TokenKey` is not an Apple .p8 signing key.
    #[error("TokenKey is not a valid PKCS#8 EC P-256 private key (.p8): {0}")]
    InvalidTokenKey(String),

    /// UpdateApnsChannel `Certificate` could not be read.
    #[error("Certificate is not a valid PEM X.509 certificate: {0}")]
    InvalidCertificate(String),

    /// UpdateApnsChannel `PrivateKey` could not be read.
    #[error("PrivateKey is not a valid PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC): {0}")]
    InvalidPrivateKey(String),

    /// `PrivateKey` belongs to another certificate than `Certificate`.
    #[error("PrivateKey does not match the public key in Certificate")]
    KeyMismatch,

    /// The leaf certificate's notAfter lies before the validation time.
    #[error("Certificate expired on {}", rfc3339(.not_after))]
    CertificateExpired { not_after: OffsetDateTime },

    /// The leaf certificate's notBefore lies after the validation time.
    #[error("Certificate is not valid before {}", rfc3339(.not_before))]
    CertificateNotYetValid { not_before: OffsetDateTime },

    /// UpdateGcmChannel `ServiceJson` is not a JSON object of the expected shape.
    #[error("ServiceJson is not a valid service-account JSON object: {0}")]
    MalformedServiceJson(String),

    /// A required `ServiceJson` field is absent, null or an empty string.
    #[error("ServiceJson is missing the field {0}")]
    MissingServiceJsonField(&'static str),

    /// A `ServiceJson` field is present but its value is unusable.
    #[error("ServiceJson field {field} is invalid: {reason}")]
    InvalidServiceJsonField { field: &'static str, reason: String },
}

/// Dates in messages use RFC 3339 because that is how the API reports
/// timestamps everywhere else.
fn rfc3339(at: &OffsetDateTime) -> String {
    // Formatting only fails for years outside 0..=9999, which an X.509
    // GeneralizedTime can still carry; the debug form keeps the message useful.
    at.format(&Rfc3339).unwrap_or_else(|_| format!("{at:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn expiry_message_uses_rfc3339_in_utc() {
        let err = CredentialError::CertificateExpired { not_after: datetime!(2024-01-01 00:00:00 UTC) };
        assert_eq!(err.to_string(), "Certificate expired on 2024-01-01T00:00:00Z");
    }

    #[test]
    fn messages_name_the_request_field() {
        assert_eq!(
            CredentialError::MissingServiceJsonField("private_key").to_string(),
            "ServiceJson is missing the field private_key"
        );
        assert_eq!(CredentialError::KeyMismatch.to_string(), "PrivateKey does not match the public key in Certificate");
    }
}
