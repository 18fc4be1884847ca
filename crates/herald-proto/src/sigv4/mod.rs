//! Server-side verification of AWS Signature Version 4 (`Authorization`
//! header form).
//!
//! Two steps, because the secret depends on what the header says:
//! [`parse`] reads the header without any secret, the caller looks up the
//! secret for [`ParsedSignature::access_key_id`], then [`verify`] checks
//! scope, clock skew, payload hash and the signature itself.
//!
//! The canonicalisation rules follow the aws-sigv4 crate's defaults, which
//! is what every non-S3 SDK client signs with.

mod authorization;
mod canonical;
mod date;
mod error;
mod signing;

#[cfg(test)]
mod tests;

use std::fmt;

use http::HeaderMap;
use http::header::{AUTHORIZATION, DATE};
use time::{Duration, OffsetDateTime};

pub use error::AuthError;

const X_AMZ_DATE: &str = "x-amz-date";
const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";
const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
const TERMINATOR: &str = "aws4_request";

/// How far the client clock may be from ours, either way.
const MAX_CLOCK_SKEW: Duration = Duration::minutes(15);

/// A request as it arrived on the wire.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// "GET", "POST", ...
    pub method: &'a str,
    /// Path exactly as sent, still percent-encoded.
    pub raw_path: &'a str,
    /// Query string exactly as sent, without '?'.
    pub raw_query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// What the `Authorization` header and its companion headers claim.
#[derive(Clone, PartialEq, Eq)]
pub struct ParsedSignature {
    pub access_key_id: String,
    /// `yyyymmdd` from the credential scope.
    pub date: String,
    pub region: String,
    pub service: String,
    /// Last part of the credential scope; must be `aws4_request`.
    pub terminator: String,
    /// Lowercased, in the order listed in the header.
    pub signed_headers: Vec<String>,
    /// Hex, as sent.
    pub signature: String,
    /// The request time, from `x-amz-date` or else `Date`.
    pub amz_date: OffsetDateTime,
    /// Which header `amz_date` came from (`x-amz-date` or `date`); it has to
    /// be signed, or the time could be replayed with a new value.
    pub date_header: &'static str,
    /// `x-amz-security-token`, for the caller to check against the key.
    pub session_token: Option<String>,
}

// Hand-written so that logging a parsed signature never prints the session
// token, which is half of a temporary credential.
impl fmt::Debug for ParsedSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedSignature")
            .field("access_key_id", &self.access_key_id)
            .field("date", &self.date)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("terminator", &self.terminator)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field("amz_date", &self.amz_date)
            .field("date_header", &self.date_header)
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .finish()
    }
}

/// Step 1: reads the `Authorization` header and the request time. Needs no
/// secret, and only fails on a missing or unreadable signature.
pub fn parse(req: &SignedRequest<'_>) -> Result<ParsedSignature, AuthError> {
    // Presigned (query-string) auth is not supported, so a request without
    // the header is simply unauthenticated.
    let Some(header) = req.headers.get(AUTHORIZATION) else {
        return Err(AuthError::missing_authentication_token());
    };
    let Ok(header) = header.to_str() else {
        return Err(AuthError::incomplete_signature(
            "Authorization header contains characters that are not visible ASCII.",
        ));
    };
    let auth = authorization::parse_authorization(header)?;
    let (amz_date, date_header) = request_time(req.headers, header)?;
    let session_token =
        req.headers.get(X_AMZ_SECURITY_TOKEN).map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());

    Ok(ParsedSignature {
        access_key_id: auth.access_key_id,
        date: auth.date,
        region: auth.region,
        service: auth.service,
        terminator: auth.terminator,
        signed_headers: auth.signed_headers,
        signature: auth.signature,
        amz_date,
        date_header,
        session_token,
    })
}

/// Step 2: checks everything the signature promises, given the secret the
/// caller found for `parsed.access_key_id`. Any region is accepted, since
/// clients sign with whatever region they are configured for.
pub fn verify(
    req: &SignedRequest<'_>,
    parsed: &ParsedSignature,
    secret_access_key: &str,
    expected_service: &str,
    now: OffsetDateTime,
) -> Result<(), AuthError> {
    check_scope(parsed, expected_service)?;
    check_signed_headers(parsed)?;
    check_clock_skew(parsed.amz_date, now)?;
    let payload_hash = payload_hash(req)?;

    let canonical_request = canonical::canonical_request(&canonical::CanonicalInput {
        method: req.method,
        raw_path: req.raw_path,
        raw_query: req.raw_query,
        headers: req.headers,
        signed_headers: &parsed.signed_headers,
        payload_hash: &payload_hash,
    })?;
    // The scope is rebuilt from the parsed parts rather than copied from the
    // header, so it is exactly the scope the key is derived from.
    let scope = format!("{}/{}/{}/{}", parsed.date, parsed.region, parsed.service, parsed.terminator);
    let string_to_sign = signing::string_to_sign(&date::format_amz_date(parsed.amz_date), &scope, &canonical_request);
    let key = signing::signing_key(secret_access_key, &parsed.date, &parsed.region, &parsed.service);
    if signing::signature_matches(&key, &string_to_sign, &parsed.signature) {
        Ok(())
    } else {
        Err(AuthError::signature_mismatch())
    }
}

/// Finds the request time: `x-amz-date` if present, else `Date`.
fn request_time(headers: &HeaderMap, authorization: &str) -> Result<(OffsetDateTime, &'static str), AuthError> {
    if let Some(value) = headers.get(X_AMZ_DATE) {
        let text = String::from_utf8_lossy(value.as_bytes());
        return match date::parse_amz_date(&text) {
            Some(time) => Ok((time, X_AMZ_DATE)),
            None => Err(AuthError::incomplete_signature(format!(
                "Date must be in ISO-8601 'basic format'. Got '{text}'. \
                 See http://en.wikipedia.org/wiki/ISO_8601"
            ))),
        };
    }
    if let Some(value) = headers.get(DATE) {
        let text = String::from_utf8_lossy(value.as_bytes());
        return match date::parse_http_date(&text) {
            Some(time) => Ok((time, DATE.as_str())),
            None => Err(AuthError::incomplete_signature(format!(
                "Date must be in RFC 1123 format (e.g. 'Tue, 02 Jan 2024 03:04:05 GMT'). Got '{text}'."
            ))),
        };
    }
    Err(AuthError::incomplete_signature(format!(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. \
         Authorization={authorization}"
    )))
}

fn check_scope(parsed: &ParsedSignature, expected_service: &str) -> Result<(), AuthError> {
    if parsed.terminator != TERMINATOR {
        return Err(AuthError::invalid_signature(format!(
            "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{}'.",
            parsed.terminator
        )));
    }
    if parsed.service != expected_service {
        return Err(AuthError::invalid_signature(format!(
            "Credential should be scoped to correct service: '{expected_service}'."
        )));
    }
    let request_day = date::format_scope_date(parsed.amz_date);
    if parsed.date != request_day {
        return Err(AuthError::invalid_signature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
             '{}' != '{request_day}', from '{}'.",
            parsed.date,
            date::format_amz_date(parsed.amz_date)
        )));
    }
    Ok(())
}

/// Host and the request time must be covered by the signature; otherwise a
/// captured request could be replayed to another host or at another time.
fn check_signed_headers(parsed: &ParsedSignature) -> Result<(), AuthError> {
    let is_signed = |name: &str| parsed.signed_headers.iter().any(|signed| signed == name);
    if !is_signed("host") {
        return Err(AuthError::invalid_signature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    if !is_signed(parsed.date_header) {
        let shown = if parsed.date_header == X_AMZ_DATE { "X-Amz-Date" } else { "Date" };
        return Err(AuthError::invalid_signature(format!(
            "'{shown}' must be a 'SignedHeader' in the AWS Authorization."
        )));
    }
    Ok(())
}

fn check_clock_skew(amz_date: OffsetDateTime, now: OffsetDateTime) -> Result<(), AuthError> {
    let earliest = now.saturating_sub(MAX_CLOCK_SKEW);
    let latest = now.saturating_add(MAX_CLOCK_SKEW);
    let amz = date::format_amz_date(amz_date);
    let now_text = date::format_amz_date(now);
    if amz_date < earliest {
        return Err(AuthError::invalid_signature(format!(
            "Signature expired: {amz} is now earlier than {} ({now_text} - 15 min.)",
            date::format_amz_date(earliest)
        )));
    }
    if amz_date > latest {
        return Err(AuthError::invalid_signature(format!(
            "Signature not yet current: {amz} is still later than {} ({now_text} + 15 min.)",
            date::format_amz_date(latest)
        )));
    }
    Ok(())
}

/// The payload hash that goes into the canonical request. A client may
/// declare it in `x-amz-content-sha256`; a declared hash must match the body
/// we actually received, unless the client opted out with UNSIGNED-PAYLOAD.
fn payload_hash(req: &SignedRequest<'_>) -> Result<String, AuthError> {
    let computed = signing::sha256_hex(req.body);
    let Some(declared) = req.headers.get(X_AMZ_CONTENT_SHA256) else {
        return Ok(computed);
    };
    let declared = declared.as_bytes();
    if declared == UNSIGNED_PAYLOAD.as_bytes() {
        return Ok(UNSIGNED_PAYLOAD.to_owned());
    }
    if declared == computed.as_bytes() { Ok(computed) } else { Err(AuthError::content_sha256_mismatch()) }
}
