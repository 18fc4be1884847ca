//! OAuth2 access tokens for a Google service account (the JWT-bearer grant, RFC 7523).
//!
//! The client signs a short-lived JWT with the service account's RSA key, posts it to the
//! key's `token_uri` and receives a bearer token valid for about an hour. Tokens are cached
//! per client and refreshed by one caller at a time, so a burst of sends costs one exchange.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::{FcmError, describe_http_error};
use crate::credentials::ServiceAccountKey;
use crate::{DeliveryResult, DeliveryStatus};

/// The only scope FCM sends need.
pub const FIREBASE_MESSAGING_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

const JWT_BEARER_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Google refuses assertions valid for longer than an hour.
const ASSERTION_LIFETIME_SECS: u64 = 3600;

/// Tokens are replaced this long before they expire, so a send never carries a token that
/// expires on the way (and clock drift between us and Google does not matter).
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// What Google issues when an answer leaves `expires_in` out.
const DEFAULT_TOKEN_LIFETIME_SECS: u64 = 3600;

/// Why no access token could be had; the pending send fails with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// No usable answer (connection failure, timeout, 5xx, rate limit): a later try may work.
    Unavailable { status_code: u16, reason: String },
    /// The token endpoint refused the credentials (`invalid_grant`, ...): sends cannot work
    /// until the channel's ServiceJson is fixed.
    Rejected { status_code: u16, reason: String },
}

impl TokenError {
    pub(crate) fn to_delivery_result(&self) -> DeliveryResult {
        match self {
            TokenError::Unavailable { status_code, reason } => {
                DeliveryResult::failed(DeliveryStatus::TemporaryFailure, *status_code, reason.clone())
            }
            TokenError::Rejected { status_code, reason } => {
                DeliveryResult::failed(DeliveryStatus::PermanentFailure, *status_code, reason.clone())
            }
        }
    }
}

/// Hands out access tokens for one service account.
pub(crate) struct TokenSource {
    http: reqwest::Client,
    token_uri: String,
    client_email: String,
    header: Header,
    signing_key: EncodingKey,
    /// Held for the whole refresh: callers that find the token stale queue here and then find
    /// the fresh token (or the refresh's failure) instead of starting their own exchange.
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    token: Option<CachedToken>,
    /// The last refresh failure and when it was recorded.
    last_failure: Option<(Instant, TokenError)>,
}

struct CachedToken {
    access_token: String,
    refresh_at: Instant,
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct TokenErrorResponse {
    error: String,
    error_description: Option<String>,
}

impl TokenSource {
    pub(crate) fn new(http: reqwest::Client, key: &ServiceAccountKey) -> Result<Self, FcmError> {
        let signing_key = EncodingKey::from_rsa_pem(normalize_pem(&key.private_key).as_bytes())
            .map_err(|error| FcmError::InvalidPrivateKey(error.to_string()))?;
        let mut header = Header::new(Algorithm::RS256);
        // Google picks the verification key by kid; without one it tries all of the account's keys.
        header.kid = key.private_key_id.clone().filter(|kid| !kid.is_empty());
        Ok(TokenSource {
            http,
            token_uri: key.token_uri.clone(),
            client_email: key.client_email.clone(),
            header,
            signing_key,
            cache: Mutex::new(Cache::default()),
        })
    }

    /// A token that stays valid for at least a few more minutes.
    pub(crate) async fn access_token(&self) -> Result<String, TokenError> {
        let asked_at = Instant::now();
        let mut cache = self.cache.lock().await;
        if let Some(token) = &cache.token
            && Instant::now() < token.refresh_at
        {
            return Ok(token.access_token.clone());
        }
        // A refresh that failed while this caller waited for the lock answers for it too: a
        // dead token endpoint then sees one request per wave of sends rather than one per send.
        if let Some((failed_at, error)) = &cache.last_failure
            && *failed_at >= asked_at
        {
            return Err(error.clone());
        }

        let requested_at = Instant::now();
        match self.fetch().await {
            Ok(TokenResponse { access_token, expires_in }) => {
                let lifetime = Duration::from_secs(expires_in.unwrap_or(DEFAULT_TOKEN_LIFETIME_SECS));
                // A token living less than the margin is still used for this send, just not cached.
                let refresh_at = requested_at + lifetime.saturating_sub(REFRESH_MARGIN);
                tracing::debug!(client_email = %self.client_email, ?lifetime, "fetched an FCM access token");
                cache.token = Some(CachedToken { access_token: access_token.clone(), refresh_at });
                cache.last_failure = None;
                Ok(access_token)
            }
            Err(error) => {
                tracing::warn!(client_email = %self.client_email, ?error, "FCM access token request failed");
                cache.token = None;
                cache.last_failure = Some((Instant::now(), error.clone()));
                Err(error)
            }
        }
    }

    /// Drops the cached token if it is the one FCM just refused. Comparing with the refused
    /// token keeps N concurrent 401s from throwing away a token another send already renewed.
    pub(crate) async fn invalidate(&self, refused: &str) {
        let mut cache = self.cache.lock().await;
        if cache.token.as_ref().is_some_and(|token| token.access_token == refused) {
            cache.token = None;
        }
    }

    async fn fetch(&self) -> Result<TokenResponse, TokenError> {
        let assertion = self.assertion(SystemTime::now())?;
        let unavailable = |status_code: u16, what: String| TokenError::Unavailable {
            status_code,
            reason: format!("OAuth token request to {} failed: {what}", self.token_uri),
        };

        let response = self
            .http
            .post(&self.token_uri)
            .form(&[("grant_type", JWT_BEARER_GRANT_TYPE), ("assertion", assertion.as_str())])
            .send()
            .await
            .map_err(|error| unavailable(0, describe_http_error(&error)))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|error| unavailable(status, describe_http_error(&error)))?;

        if (200..300).contains(&status) {
            return serde_json::from_slice::<TokenResponse>(&body)
                .map_err(|error| unavailable(status, format!("the answer is not a token response ({error})")));
        }

        let detail = match serde_json::from_slice::<TokenErrorResponse>(&body) {
            Ok(TokenErrorResponse { error, error_description: Some(description) }) => format!("{error}: {description}"),
            Ok(TokenErrorResponse { error, error_description: None }) => error,
            Err(_) => String::from_utf8_lossy(&body[..body.len().min(200)]).trim().to_owned(),
        };
        let reason = format!("OAuth token request to {} was refused with HTTP {status}: {detail}", self.token_uri);
        // 408 and 429 are about this moment, not about the credentials.
        if status >= 500 || status == 408 || status == 429 {
            Err(TokenError::Unavailable { status_code: status, reason })
        } else {
            Err(TokenError::Rejected { status_code: status, reason })
        }
    }

    /// The signed JWT that asks for a token.
    fn assertion(&self, now: SystemTime) -> Result<String, TokenError> {
        // A clock before 1970 is a broken host; signing with iat 0 makes Google say so.
        let iat = now.duration_since(UNIX_EPOCH).map(|since| since.as_secs()).unwrap_or(0);
        let claims = AssertionClaims {
            iss: &self.client_email,
            scope: FIREBASE_MESSAGING_SCOPE,
            aud: &self.token_uri,
            iat,
            exp: iat + ASSERTION_LIFETIME_SECS,
        };
        jsonwebtoken::encode(&self.header, &claims, &self.signing_key).map_err(|error| TokenError::Rejected {
            status_code: 0,
            reason: format!("signing the OAuth assertion with the service account key failed: {error}"),
        })
    }
}

/// ServiceJson keys arrive with CRLF line ends or indentation after copy and paste; the PEM
/// reader wants one trimmed line per line.
fn normalize_pem(text: &str) -> String {
    let mut normalized = String::with_capacity(text.len());
    for line in text.split(['\r', '\n']).map(str::trim).filter(|line| !line.is_empty()) {
        normalized.push_str(line);
        normalized.push('\n');
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{parse_fcm_service_account, test_material};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::Value;

    const TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

    fn key() -> ServiceAccountKey {
        parse_fcm_service_account(&test_material::fcm_service_account_json("proj-1", TOKEN_URI))
            .expect("test material parses")
    }

    fn decode_segment(segment: &str) -> Value {
        let bytes = URL_SAFE_NO_PAD.decode(segment).expect("base64url segment");
        serde_json::from_slice(&bytes).expect("JSON segment")
    }

    #[test]
    fn assertion_carries_the_claims_google_requires() {
        let key = key();
        let source = TokenSource::new(reqwest::Client::new(), &key).expect("token source");
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let assertion = source.assertion(now).expect("assertion");

        let segments: Vec<&str> = assertion.split('.').collect();
        assert_eq!(segments.len(), 3, "{assertion}");
        let header = decode_segment(segments[0]);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["kid"].as_str(), key.private_key_id.as_deref());

        let claims = decode_segment(segments[1]);
        assert_eq!(claims["iss"], key.client_email.as_str());
        assert_eq!(claims["scope"], FIREBASE_MESSAGING_SCOPE);
        assert_eq!(claims["aud"], TOKEN_URI);
        assert_eq!(claims["iat"], 1_800_000_000u64);
        assert_eq!(claims["exp"], 1_800_003_600u64);
    }

    #[test]
    fn assertion_omits_kid_without_a_private_key_id() {
        let mut key = key();
        key.private_key_id = None;
        let source = TokenSource::new(reqwest::Client::new(), &key).expect("token source");
        let assertion = source.assertion(SystemTime::now()).expect("assertion");
        let header = assertion.split('.').next().map(decode_segment).expect("header");
        assert!(header.get("kid").is_none(), "{header}");
    }

    #[test]
    fn keys_pasted_with_crlf_and_indentation_still_sign() {
        let mut key = key();
        key.private_key = key.private_key.lines().map(|line| format!("  {line}\r\n")).collect();
        TokenSource::new(reqwest::Client::new(), &key).expect("normalized key signs");
    }

    #[test]
    fn a_key_that_is_not_rsa_is_refused() {
        let mut key = key();
        key.private_key = test_material::apns_token_key_p8();
        assert!(
            matches!(TokenSource::new(reqwest::Client::new(), &key), Err(FcmError::InvalidPrivateKey(_))),
            "an EC key cannot sign RS256"
        );
    }

    #[test]
    fn token_errors_map_to_temporary_or_permanent_failures() {
        let unavailable = TokenError::Unavailable { status_code: 503, reason: "down".into() }.to_delivery_result();
        assert_eq!(unavailable.status, DeliveryStatus::TemporaryFailure);
        assert_eq!(unavailable.status_code, 503);
        let rejected = TokenError::Rejected { status_code: 400, reason: "invalid_grant".into() }.to_delivery_result();
        assert_eq!(rejected.status, DeliveryStatus::PermanentFailure);
        assert_eq!(rejected.status_message, "invalid_grant");
        assert!(!rejected.token_invalid);
    }
}
