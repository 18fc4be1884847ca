//! Identifiers in the formats AWS uses, so client-side validation and habits carry over.

use rand::Rng;
use rand::distr::{Alphanumeric, SampleString};

/// 32 lowercase hex characters, like a Pinpoint application id.
pub fn application_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A 12-digit account id that does not start with 0.
pub fn account_id() -> String {
    let mut rng = rand::rng();
    let first = rng.random_range(1..=9u8);
    let rest: String = (0..11).map(|_| char::from(b'0' + rng.random_range(0..=9u8))).collect();
    format!("{first}{rest}")
}

/// `AKIA` and 16 characters of A-Z and 2-7, like an AWS access key id.
pub fn access_key_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::rng();
    let tail: String = (0..16).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
    format!("AKIA{tail}")
}

/// 40 random characters, like an AWS secret access key.
pub fn secret_access_key() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let app = application_id();
        assert_eq!(app.len(), 32);
        assert!(app.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        let account = account_id();
        assert!(account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()) && !account.starts_with('0'));
        let key = access_key_id();
        assert!(key.starts_with("AKIA") && key.len() == 20);
        assert_eq!(secret_access_key().len(), 40);
        assert_ne!(application_id(), application_id());
    }
}
