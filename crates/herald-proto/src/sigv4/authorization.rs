//! Parsing of the `Authorization` header:
//! `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sms-voice/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex`.
//!
//! Only syntax is checked here; whether the scope, date and signature hold
//! is decided by `verify`, once the secret is known.

use super::error::AuthError;

pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The three parameters of the header, split into their parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthorizationHeader {
    pub(crate) access_key_id: String,
    pub(crate) date: String,
    pub(crate) region: String,
    pub(crate) service: String,
    pub(crate) terminator: String,
    /// Lowercased, in the order the client listed them.
    pub(crate) signed_headers: Vec<String>,
    pub(crate) signature: String,
}

pub(crate) fn parse_authorization(value: &str) -> Result<AuthorizationHeader, AuthError> {
    let value = value.trim();
    let (algorithm, parameters) = match value.split_once([' ', '\t']) {
        Some((algorithm, parameters)) => (algorithm, parameters),
        None => (value, ""),
    };
    if algorithm != ALGORITHM {
        return Err(AuthError::incomplete_signature(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Authorization={value}"
        )));
    }

    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for pair in parameters.split(',') {
        let pair = pair.trim();
        // A trailing comma or doubled comma is harmless, so skip the empty piece.
        if pair.is_empty() {
            continue;
        }
        let Some((key, val)) = pair.split_once('=') else {
            return Err(AuthError::incomplete_signature(format!(
                "'{pair}' not a valid key=value pair (missing equal-sign) in Authorization header: '{value}'"
            )));
        };
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            // Unknown parameters carry nothing we sign over, so ignore them.
            _ => continue,
        };
        if slot.is_some() {
            return Err(AuthError::incomplete_signature(format!(
                "Authorization header has a duplicate '{}' parameter. Authorization={value}",
                key.trim()
            )));
        }
        *slot = Some(val.trim());
    }

    // Report every missing parameter at once, as AWS does.
    let mut missing = String::new();
    for (name, found) in [
        ("Credential", credential.is_some()),
        ("Signature", signature.is_some()),
        ("SignedHeaders", signed_headers.is_some()),
    ] {
        if !found {
            missing.push_str(&format!("Authorization header requires '{name}' parameter. "));
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) = (credential, signed_headers, signature) else {
        return Err(AuthError::incomplete_signature(format!("{missing}Authorization={value}")));
    };

    let scope = parse_credential(credential)?;
    let signed_headers = parse_signed_headers(signed_headers, value)?;
    if signature.is_empty() {
        return Err(AuthError::incomplete_signature(format!(
            "Authorization header requires a non-empty 'Signature' parameter. Authorization={value}"
        )));
    }

    Ok(AuthorizationHeader {
        access_key_id: scope.access_key_id,
        date: scope.date,
        region: scope.region,
        service: scope.service,
        terminator: scope.terminator,
        signed_headers,
        signature: signature.to_owned(),
    })
}

struct CredentialScope {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
    terminator: String,
}

fn parse_credential(credential: &str) -> Result<CredentialScope, AuthError> {
    let malformed = || {
        AuthError::incomplete_signature(format!(
            "Error parsing the Credential parameter; the Credential is mal-formed; \
             expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\": '{credential}'."
        ))
    };
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts.as_slice() else {
        return Err(malformed());
    };
    if parts.iter().any(|part| part.is_empty()) {
        return Err(malformed());
    }
    Ok(CredentialScope {
        access_key_id: (*access_key_id).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
        terminator: (*terminator).to_owned(),
    })
}

fn parse_signed_headers(list: &str, authorization: &str) -> Result<Vec<String>, AuthError> {
    let mut names = Vec::new();
    for name in list.split(';') {
        let name = name.trim().to_ascii_lowercase();
        if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(AuthError::incomplete_signature(format!(
                "Invalid header name '{name}' in 'SignedHeaders'. Authorization={authorization}"
            )));
        }
        names.push(name);
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigv4::error::INCOMPLETE_SIGNATURE;

    const SIG: &str = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

    #[test]
    fn parses_the_canonical_form() {
        let header = format!(
            "AWS4-HMAC-SHA256 Credential=AKID/20240102/eu-central-2/sms-voice/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature={SIG}"
        );
        let parsed = parse_authorization(&header).expect("valid header");
        assert_eq!(parsed.access_key_id, "AKID");
        assert_eq!(parsed.date, "20240102");
        assert_eq!(parsed.region, "eu-central-2");
        assert_eq!(parsed.service, "sms-voice");
        assert_eq!(parsed.terminator, "aws4_request");
        assert_eq!(parsed.signed_headers, ["content-type", "host", "x-amz-date"]);
        assert_eq!(parsed.signature, SIG);
    }

    #[test]
    fn tolerates_order_and_whitespace() {
        let header = format!(
            "AWS4-HMAC-SHA256   Signature={SIG},SignedHeaders=host;x-amz-date ,  \
             Credential=AKID/20240102/local/mobiletargeting/aws4_request"
        );
        let parsed = parse_authorization(&header).expect("valid header");
        assert_eq!(parsed.service, "mobiletargeting");
        assert_eq!(parsed.signed_headers, ["host", "x-amz-date"]);
    }

    #[test]
    fn reports_every_missing_parameter() {
        let err = parse_authorization("AWS4-HMAC-SHA256 SignedHeaders=host").unwrap_err();
        assert_eq!(err.code, INCOMPLETE_SIGNATURE);
        assert_eq!(err.status, 400);
        assert!(err
            .message
            .starts_with("Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization="));
    }

    #[test]
    fn rejects_malformed_headers() {
        let cases = [
            "".to_owned(),
            "Bearer abc".to_owned(),
            "AWS4-HMAC-SHA256".to_owned(),
            format!("AWS4-HMAC-SHA256 Credential=AKID/20240102/us-east-1/sms-voice, SignedHeaders=host, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 Credential=AKID/20240102//sms-voice/aws4_request, SignedHeaders=host, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 Credential=AKID/20240102/us-east-1/sms-voice/aws4_request, SignedHeaders=host;;x-amz-date, Signature={SIG}"),
            "AWS4-HMAC-SHA256 Credential=AKID/20240102/us-east-1/sms-voice/aws4_request, SignedHeaders=host, Signature=".to_owned(),
            format!("AWS4-HMAC-SHA256 Credential=AKID/20240102/us-east-1/sms-voice/aws4_request, SignedHeaders, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 Credential=A/1/r/s/aws4_request, Credential=A/1/r/s/aws4_request, SignedHeaders=host, Signature={SIG}"),
        ];
        for case in cases {
            let err = parse_authorization(&case).unwrap_err();
            assert_eq!(err.code, INCOMPLETE_SIGNATURE, "{case}");
            assert_eq!(err.status, 400, "{case}");
        }
    }
}
