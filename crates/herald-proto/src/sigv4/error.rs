//! The error a failed signature check turns into.
//!
//! Codes, statuses and messages copy what AWS services answer, because SDKs
//! classify errors by code (for example, `InvalidSignatureException` with
//! "Signature expired" makes some SDKs correct their clock and retry).

use std::fmt;

/// Why a request was refused, ready to be rendered as an AWS error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    /// The AWS error code, e.g. `InvalidSignatureException`.
    pub code: &'static str,
    /// The HTTP status to answer with.
    pub status: u16,
    /// A human-readable message in AWS wording.
    pub message: String,
}

pub(crate) const MISSING_AUTHENTICATION_TOKEN: &str = "MissingAuthenticationTokenException";
pub(crate) const INCOMPLETE_SIGNATURE: &str = "IncompleteSignatureException";
pub(crate) const INVALID_SIGNATURE: &str = "InvalidSignatureException";
pub(crate) const UNRECOGNIZED_CLIENT: &str = "UnrecognizedClientException";
pub(crate) const CONTENT_SHA256_MISMATCH: &str = "XAmzContentSHA256Mismatch";

impl AuthError {
    /// The request carries no signature at all.
    pub fn missing_authentication_token() -> Self {
        Self { code: MISSING_AUTHENTICATION_TOKEN, status: 403, message: "Missing Authentication Token".to_owned() }
    }

    /// The signature is present but cannot be understood.
    pub fn incomplete_signature(message: impl Into<String>) -> Self {
        Self { code: INCOMPLETE_SIGNATURE, status: 400, message: message.into() }
    }

    /// The signature was understood but does not hold.
    pub fn invalid_signature(message: impl Into<String>) -> Self {
        Self { code: INVALID_SIGNATURE, status: 403, message: message.into() }
    }

    /// The recomputed signature differs from the one sent.
    pub fn signature_mismatch() -> Self {
        Self::invalid_signature(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. \
             Consult the service documentation for details.",
        )
    }

    /// `x-amz-content-sha256` does not describe the body that arrived.
    pub fn content_sha256_mismatch() -> Self {
        Self {
            code: CONTENT_SHA256_MISMATCH,
            status: 400,
            message: "The provided 'x-amz-content-sha256' header does not match what was computed.".to_owned(),
        }
    }

    /// The caller found no secret for the access key id.
    pub fn unknown_access_key() -> Self {
        Self {
            code: UNRECOGNIZED_CLIENT,
            status: 403,
            message: "The security token included in the request is invalid.".to_owned(),
        }
    }

    /// The caller refused the session token (missing, unknown or expired).
    /// AWS answers this exactly like an unknown key, so clients cannot tell
    /// which half of a temporary credential was wrong.
    pub fn invalid_session_token() -> Self {
        Self::unknown_access_key()
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for AuthError {}
