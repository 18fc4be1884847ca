//! Accounts and access keys: the root account made on first start, and key lookup for SigV4.

use std::collections::HashMap;
use std::sync::RwLock;

use herald_store::{AccessKeyRecord, AccountRecord};
use time::OffsetDateTime;

use crate::{Core, CoreError, ids};

/// The credentials of the root account, as written to the shared-credentials file.
#[derive(Clone)]
pub struct RootCredentials {
    pub account_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// True when this start created them.
    pub created: bool,
}

impl std::fmt::Debug for RootCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootCredentials")
            .field("account_id", &self.account_id)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// What SigV4 verification needs to know about an access key.
#[derive(Clone)]
pub struct SigningKey {
    pub account_id: String,
    pub secret_access_key: String,
}

/// Opened access keys, so a request does not cost a database read and a decryption.
#[derive(Default)]
pub(crate) struct KeyCache {
    keys: RwLock<HashMap<String, SigningKey>>,
}

fn key_context(access_key_id: &str) -> String {
    format!("access-key/{access_key_id}")
}

impl Core {
    /// Creates the root account and its access key on first start; afterwards returns them.
    pub async fn ensure_root_account(&self) -> Result<RootCredentials, CoreError> {
        if let Some(key) = self.store.first_access_key().await? {
            let secret = self.secrets.open(&key.secret, &key_context(&key.access_key_id))?;
            return Ok(RootCredentials {
                account_id: key.account_id,
                access_key_id: key.access_key_id,
                secret_access_key: String::from_utf8(secret)
                    .map_err(|_| CoreError::Invalid("the stored root secret is not UTF-8".into()))?,
                created: false,
            });
        }
        let now = OffsetDateTime::now_utc();
        let account = AccountRecord { id: ids::account_id(), created_at: now };
        let access_key_id = ids::access_key_id();
        let secret_access_key = ids::secret_access_key();
        let key = AccessKeyRecord {
            access_key_id: access_key_id.clone(),
            account_id: account.id.clone(),
            secret: self.secrets.seal(secret_access_key.as_bytes(), &key_context(&access_key_id))?,
            created_at: now,
        };
        self.store.create_account(&account, &key).await?;
        Ok(RootCredentials { account_id: account.id, access_key_id, secret_access_key, created: true })
    }

    /// The account and secret behind an access key id, or `None` for an unknown key.
    pub async fn signing_key(&self, access_key_id: &str) -> Result<Option<SigningKey>, CoreError> {
        if let Some(key) = self.keys.keys.read().ok().and_then(|keys| keys.get(access_key_id).cloned()) {
            return Ok(Some(key));
        }
        let Some(record) = self.store.find_access_key(access_key_id).await? else { return Ok(None) };
        let secret = self.secrets.open(&record.secret, &key_context(access_key_id))?;
        let key = SigningKey {
            account_id: record.account_id,
            secret_access_key: String::from_utf8(secret)
                .map_err(|_| CoreError::Invalid(format!("the stored secret of {access_key_id} is not UTF-8")))?,
        };
        if let Ok(mut keys) = self.keys.keys.write() {
            keys.insert(access_key_id.to_string(), key.clone());
        }
        Ok(Some(key))
    }
}
