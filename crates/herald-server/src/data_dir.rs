//! The data directory: master key and the shared-credentials file, written owner-only.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use herald_core::RootCredentials;
use herald_store::SecretBox;

pub fn prepare(dir: &Path) -> Result<PathBuf> {
    fs::create_dir_all(dir).with_context(|| format!("creating the data directory {}", dir.display()))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .with_context(|| format!("restricting the data directory {} to its owner", dir.display()))?;
    dir.canonicalize().with_context(|| format!("resolving {}", dir.display()))
}

/// The master key from the configuration, else from `master.key` in the data directory, made on
/// first start. Losing it makes every stored secret unreadable, so it is never replaced.
pub fn master_key(dir: &Path, configured: Option<&str>) -> Result<SecretBox> {
    let key = match configured {
        Some(hex_key) => hex::decode(hex_key).context("master_key is not hex")?,
        None => {
            let path = dir.join("master.key");
            if path.exists() {
                let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
                hex::decode(text.trim()).with_context(|| format!("{} does not hold a hex key", path.display()))?
            } else {
                let key = SecretBox::generate_key()?;
                write_private(&path, &format!("{}\n", hex::encode(key)))?;
                key.to_vec()
            }
        }
    };
    if key.len() != 32 {
        bail!("the master key must be 32 bytes, got {}", key.len());
    }
    Ok(SecretBox::new(&key)?)
}

/// Writes `credentials` in the AWS shared-credentials format, unless it is already there.
pub fn write_credentials(dir: &Path, root: &RootCredentials) -> Result<PathBuf> {
    let path = dir.join("credentials");
    if root.created || !path.exists() {
        let content = format!(
            "# Herald root account {}\n[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            root.account_id, root.access_key_id, root.secret_access_key
        );
        write_private(&path, &content)?;
    }
    Ok(path)
}

fn write_private(path: &Path, content: &str) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(content.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    file.sync_all().with_context(|| format!("syncing {}", path.display()))
}
