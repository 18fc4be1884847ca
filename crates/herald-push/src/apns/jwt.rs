//! Provider authentication tokens for APNs token auth: ES256 JWTs signed with the .p8 key.
//!
//! APNs refuses tokens older than an hour (`ExpiredProviderToken`) and also tokens replaced more
//! often than every 20 minutes (`TooManyProviderTokenUpdates`). So all requests of a client share
//! one token, which is replaced after 40 minutes, or at once when APNs calls it expired.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::ApnsError;

/// Age at which a token is replaced: well inside Apple's hour, well outside its 20 minutes.
const REFRESH_AFTER: Duration = Duration::from_secs(40 * 60);

/// The current provider token of one signing key, made on demand.
pub(crate) struct ProviderTokens {
    key: EncodingKey,
    header: Header,
    team_id: String,
    current: Mutex<Option<IssuedToken>>,
}

struct IssuedToken {
    jwt: Arc<str>,
    /// Monotonic, so a wall-clock jump cannot keep a token alive past its hour.
    issued: Instant,
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    iat: u64,
}

impl ProviderTokens {
    /// Reads the .p8 key and signs a first token, so a key that cannot sign is reported when the
    /// client is built rather than at every send.
    pub(crate) fn new(key_pem: &str, key_id: &str, team_id: &str) -> Result<Self, ApnsError> {
        let invalid = |reason: String| ApnsError::TokenKey { key_id: key_id.to_owned(), reason };
        let key = EncodingKey::from_ec_pem(key_pem.trim().as_bytes()).map_err(|error| invalid(error.to_string()))?;

        // Apple's documented header has exactly `alg` and `kid`.
        let mut header = Header::new(Algorithm::ES256);
        header.typ = None;
        header.kid = Some(key_id.to_owned());

        let tokens = ProviderTokens { key, header, team_id: team_id.to_owned(), current: Mutex::new(None) };
        tokens.token().map_err(|error| invalid(error.to_string()))?;
        Ok(tokens)
    }

    /// The token to send now.
    pub(crate) fn token(&self) -> Result<Arc<str>, jsonwebtoken::errors::Error> {
        self.token_at(Instant::now(), SystemTime::now())
    }

    fn token_at(&self, now: Instant, wall_clock: SystemTime) -> Result<Arc<str>, jsonwebtoken::errors::Error> {
        // Signing happens under the lock so that a burst of sends after expiry makes one token,
        // not one each (which APNs would answer with TooManyProviderTokenUpdates).
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(token) = current.as_ref()
            && now.saturating_duration_since(token.issued) < REFRESH_AFTER
        {
            return Ok(Arc::clone(&token.jwt));
        }

        // A clock before 1970 yields iat 0, which APNs answers with ExpiredProviderToken: loud
        // enough, and better than refusing to send at all.
        let iat = wall_clock.duration_since(UNIX_EPOCH).map(|since| since.as_secs()).unwrap_or(0);
        let jwt: Arc<str> = jsonwebtoken::encode(&self.header, &Claims { iss: &self.team_id, iat }, &self.key)?.into();
        *current = Some(IssuedToken { jwt: Arc::clone(&jwt), issued: now });
        Ok(jwt)
    }

    /// APNs called `jwt` expired: the next `token()` makes a new one. A token that has already
    /// been replaced (by another request that got the same answer) is left alone, so concurrent
    /// rejections cause one refresh.
    pub(crate) fn reject(&self, jwt: &str) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|token| &*token.jwt == jwt) {
            *current = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::test_material;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::DecodingKey;

    fn decode_part(part: &str) -> serde_json::Value {
        let bytes = URL_SAFE_NO_PAD.decode(part).expect("base64url part");
        serde_json::from_slice(&bytes).expect("JSON part")
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn token_has_apples_header_and_claims_and_verifies() {
        let p8 = test_material::apns_token_key_p8();
        let tokens = ProviderTokens::new(&p8, "KEY1234567", "TEAM123456").expect("tokens");
        tokens.reject(&tokens.token().expect("token"));
        let jwt = tokens.token_at(Instant::now(), at(1_700_000_000)).expect("token");

        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(decode_part(parts[0]), serde_json::json!({"alg": "ES256", "kid": "KEY1234567"}));
        assert_eq!(decode_part(parts[1]), serde_json::json!({"iss": "TEAM123456", "iat": 1_700_000_000}));

        let public = rcgen::KeyPair::from_pem(&p8).expect("key pair");
        let key = DecodingKey::from_ec_der(public.public_key_raw());
        let message = format!("{}.{}", parts[0], parts[1]);
        let valid = jsonwebtoken::crypto::verify(parts[2], message.as_bytes(), &key, Algorithm::ES256).expect("verify");
        assert!(valid);
    }

    #[test]
    fn token_is_reused_until_forty_minutes_then_replaced() {
        let tokens = ProviderTokens::new(&test_material::apns_token_key_p8(), "K", "T").expect("tokens");
        let start = Instant::now();
        tokens.reject(&tokens.token().expect("token"));
        let first = tokens.token_at(start, at(1_000)).expect("first");

        let later = tokens.token_at(start + Duration::from_secs(39 * 60), at(1_000 + 39 * 60)).expect("later");
        assert_eq!(first, later);

        let refreshed = tokens.token_at(start + REFRESH_AFTER, at(1_000 + 40 * 60)).expect("refreshed");
        assert_ne!(first, refreshed);
        assert_eq!(decode_part(refreshed.split('.').nth(1).expect("claims"))["iat"], 1_000 + 40 * 60);
    }

    #[test]
    fn rejecting_the_current_token_forces_a_new_one() {
        let tokens = ProviderTokens::new(&test_material::apns_token_key_p8(), "K", "T").expect("tokens");
        let start = Instant::now();
        let old = tokens.token().expect("token");
        tokens.reject(&old);
        let new = tokens.token_at(start, at(2_000)).expect("new");
        assert_ne!(old, new);
    }

    #[test]
    fn rejecting_a_replaced_token_keeps_the_current_one() {
        let tokens = ProviderTokens::new(&test_material::apns_token_key_p8(), "K", "T").expect("tokens");
        let old = tokens.token().expect("token");
        tokens.reject(&old);
        let current = tokens.token_at(Instant::now(), at(3_000)).expect("current");
        tokens.reject(&old);
        assert_eq!(tokens.token().expect("token"), current);
    }

    #[test]
    fn a_key_that_is_not_ec_is_refused_without_quoting_it() {
        let rsa = test_material::rsa_private_key_pkcs8_pem();
        let error = ProviderTokens::new(&rsa, "KEY1234567", "T").err().expect("RSA key must be refused");
        let message = error.to_string();
        assert!(message.contains("KEY1234567"), "{message}");
        assert!(!message.contains("PRIVATE KEY"), "{message}");
    }

    #[test]
    fn text_that_is_not_pem_is_refused() {
        assert!(matches!(ProviderTokens::new("nope", "K", "T"), Err(ApnsError::TokenKey { .. })));
    }
}
