//! Secrets at rest: AES-256-GCM under a master key, with a fresh random nonce per seal.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// Sealed bytes as stored: a format byte, the nonce, then ciphertext and tag. Only `SecretBox`
/// makes one, so plaintext cannot reach a secret column by mistake.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret(Vec<u8>);

impl SealedSecret {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Wraps bytes read back from the database.
    pub fn from_stored(bytes: Vec<u8>) -> Self {
        SealedSecret(bytes)
    }
}

impl std::fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedSecret({} bytes)", self.0.len())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretBoxError {
    #[error("the master key must be 32 bytes, got {0}")]
    KeyLength(usize),
    #[error("a sealed secret could not be opened: wrong master key or corrupt data")]
    Open,
    #[error("sealing failed")]
    Seal,
}

const FORMAT_V1: u8 = 1;

/// Seals and opens secrets with the deployment's master key.
pub struct SecretBox {
    key: LessSafeKey,
    random: SystemRandom,
}

impl SecretBox {
    pub fn new(master_key: &[u8]) -> Result<Self, SecretBoxError> {
        let unbound =
            UnboundKey::new(&AES_256_GCM, master_key).map_err(|_| SecretBoxError::KeyLength(master_key.len()))?;
        Ok(SecretBox { key: LessSafeKey::new(unbound), random: SystemRandom::new() })
    }

    /// A new random master key.
    pub fn generate_key() -> Result<[u8; 32], SecretBoxError> {
        let mut key = [0u8; 32];
        SystemRandom::new().fill(&mut key).map_err(|_| SecretBoxError::Seal)?;
        Ok(key)
    }

    /// `context` binds the secret to where it is stored (for example `channel/<app>/APNS`), so a
    /// sealed value copied to another row does not open there.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<SealedSecret, SecretBoxError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.random.fill(&mut nonce).map_err(|_| SecretBoxError::Seal)?;
        let mut in_out = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut in_out)
            .map_err(|_| SecretBoxError::Seal)?;
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + in_out.len());
        sealed.push(FORMAT_V1);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&in_out);
        Ok(SealedSecret(sealed))
    }

    pub fn open(&self, sealed: &SealedSecret, context: &str) -> Result<Vec<u8>, SecretBoxError> {
        let bytes = sealed.as_bytes();
        if bytes.len() < 1 + NONCE_LEN || bytes[0] != FORMAT_V1 {
            return Err(SecretBoxError::Open);
        }
        let nonce = Nonce::try_assume_unique_for_key(&bytes[1..1 + NONCE_LEN]).map_err(|_| SecretBoxError::Open)?;
        let mut in_out = bytes[1 + NONCE_LEN..].to_vec();
        let plaintext = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut in_out)
            .map_err(|_| SecretBoxError::Open)?;
        Ok(plaintext.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_in_context_only() {
        let secret_box = SecretBox::new(&[7u8; 32]).expect("key");
        let sealed = secret_box.seal(b"p8 key", "channel/a/APNS").expect("seal");
        assert!(!sealed.as_bytes().windows(6).any(|w| w == b"p8 key"), "ciphertext must not contain the plaintext");
        assert_eq!(secret_box.open(&sealed, "channel/a/APNS").expect("open"), b"p8 key");
        assert_eq!(secret_box.open(&sealed, "channel/b/APNS"), Err(SecretBoxError::Open));
        let other = SecretBox::new(&[8u8; 32]).expect("key");
        assert_eq!(other.open(&sealed, "channel/a/APNS"), Err(SecretBoxError::Open));
        assert_ne!(secret_box.seal(b"p8 key", "c").expect("seal"), secret_box.seal(b"p8 key", "c").expect("seal"));
    }

    #[test]
    fn rejects_bad_keys_and_truncated_data() {
        assert_eq!(SecretBox::new(&[0u8; 16]).err(), Some(SecretBoxError::KeyLength(16)));
        let secret_box = SecretBox::new(&[1u8; 32]).expect("key");
        assert_eq!(secret_box.open(&SealedSecret::from_stored(vec![1, 2, 3]), "c"), Err(SecretBoxError::Open));
    }
}
