//! Node configuration: defaults, then a TOML file, then `HERALD_*` environment variables, then
//! command-line flags. Unknown keys and bad values stop the start with the key's name.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use herald_core::SmsQuotas;
use herald_core::inventory::{InventoryNumber, NumberEntry};
use serde::Deserialize;

use crate::audit::AuditSection;
use crate::events_config::EventsSection;
use crate::smpp_config::{DeliverySection, SmppSection};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address of the API listener.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Where the embedded database, master key and credentials file live.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; defaults to `herald.db` in the data directory.
    #[serde(default)]
    pub database_url: Option<String>,
    #[serde(default)]
    pub log_format: LogFormat,
    /// 64 hex characters (32 bytes). Without it, a key is generated into the data directory.
    #[serde(default)]
    pub master_key: Option<String>,
    /// A bearer token `/metrics` asks for; without one `/metrics` is open to whoever reaches the
    /// listener.
    #[serde(default)]
    pub metrics_token: Option<String>,
    /// The audit log of API calls (`[audit]`).
    #[serde(default)]
    pub audit: AuditSection,
    #[serde(default)]
    pub providers: Providers,
    /// The operator's phone number inventory (`[[numbers]]` tables), synced into the store at
    /// start-up.
    #[serde(default)]
    pub numbers: Vec<NumberEntry>,
    #[serde(default)]
    pub sms: SmsSection,
    /// The SMPP carriers SMS go out through (`[[smpp.carriers]]`).
    #[serde(default)]
    pub smpp: SmppSection,
    /// Where event records go: destination ARNs mapped to sinks (`[[sinks]]`).
    #[serde(default)]
    pub sinks: Vec<herald_events::SinkConfig>,
    /// How the event outbox is drained (`[events]`).
    #[serde(default)]
    pub events: EventsSection,
}

/// SMS and voice settings of the node.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsSection {
    /// Service quotas (`[sms.quotas]`); the user guide's defaults for any key left out.
    #[serde(default)]
    pub quotas: SmsQuotas,
    /// The delivery engine (`[sms.delivery]`).
    #[serde(default)]
    pub delivery: DeliverySection,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Where push providers are reached; tests point these at local fakes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Providers {
    /// A PEM bundle trusted in addition to the system roots.
    pub extra_ca_file: Option<PathBuf>,
    #[serde(default)]
    pub apns: ApnsEndpoints,
    #[serde(default)]
    pub fcm: FcmEndpoints,
    #[serde(default)]
    pub adm: AdmEndpoints,
    #[serde(default)]
    pub baidu: BaiduEndpoints,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApnsEndpoints {
    #[serde(default = "apns_production")]
    pub production_url: String,
    #[serde(default = "apns_sandbox")]
    pub sandbox_url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FcmEndpoints {
    #[serde(default = "fcm_base")]
    pub base_url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdmEndpoints {
    #[serde(default = "adm_token")]
    pub token_url: String,
    #[serde(default = "adm_base")]
    pub base_url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaiduEndpoints {
    #[serde(default = "baidu_base")]
    pub base_url: String,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 4580))
}
fn default_data_dir() -> PathBuf {
    PathBuf::from("herald-data")
}
fn apns_production() -> String {
    "https://api.push.apple.com".into()
}
fn apns_sandbox() -> String {
    "https://api.sandbox.push.apple.com".into()
}
fn fcm_base() -> String {
    "https://fcm.googleapis.com".into()
}
fn adm_token() -> String {
    "https://api.amazon.com/auth/o2/token".into()
}
fn adm_base() -> String {
    "https://api.amazon.com".into()
}
fn baidu_base() -> String {
    "https://api.tuisong.baidu.com/rest/3.0".into()
}

impl Default for ApnsEndpoints {
    fn default() -> Self {
        ApnsEndpoints { production_url: apns_production(), sandbox_url: apns_sandbox() }
    }
}
impl Default for FcmEndpoints {
    fn default() -> Self {
        FcmEndpoints { base_url: fcm_base() }
    }
}
impl Default for AdmEndpoints {
    fn default() -> Self {
        AdmEndpoints { token_url: adm_token(), base_url: adm_base() }
    }
}
impl Default for BaiduEndpoints {
    fn default() -> Self {
        BaiduEndpoints { base_url: baidu_base() }
    }
}

/// The environment variables Herald reads, and the configuration key each sets.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("HERALD_LISTEN", "listen"),
    ("HERALD_DATA_DIR", "data_dir"),
    ("HERALD_DATABASE_URL", "database_url"),
    ("HERALD_LOG_FORMAT", "log_format"),
    ("HERALD_MASTER_KEY", "master_key"),
    ("HERALD_METRICS_TOKEN", "metrics_token"),
    ("HERALD_PROVIDERS_EXTRA_CA_FILE", "providers.extra_ca_file"),
    ("HERALD_PROVIDERS_APNS_PRODUCTION_URL", "providers.apns.production_url"),
    ("HERALD_PROVIDERS_APNS_SANDBOX_URL", "providers.apns.sandbox_url"),
    ("HERALD_PROVIDERS_FCM_BASE_URL", "providers.fcm.base_url"),
    ("HERALD_PROVIDERS_ADM_TOKEN_URL", "providers.adm.token_url"),
    ("HERALD_PROVIDERS_ADM_BASE_URL", "providers.adm.base_url"),
    ("HERALD_PROVIDERS_BAIDU_BASE_URL", "providers.baidu.base_url"),
];

/// The log filter (`info`, `herald=debug,warn`, ...): read by the logger, not a configuration key.
pub const LOG_FILTER_VARIABLE: &str = "HERALD_LOG";

/// Values given on the command line, which win over everything else.
#[derive(Debug, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

impl Config {
    /// Layers the sources: file < environment < flags.
    pub fn load(
        file: Option<&Path>,
        environment: impl IntoIterator<Item = (String, String)>,
        overrides: &Overrides,
    ) -> Result<Config> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the configuration file {}", path.display()))?;
                text.parse::<toml::Table>().with_context(|| format!("{} is not valid TOML", path.display()))?
            }
            None => toml::Table::new(),
        };
        for (name, value) in environment {
            if !name.starts_with("HERALD_") {
                continue;
            }
            if name == LOG_FILTER_VARIABLE {
                continue;
            }
            let Some((_, key)) = ENVIRONMENT.iter().find(|(known, _)| *known == name) else {
                let known: Vec<&str> = ENVIRONMENT.iter().map(|(n, _)| *n).collect();
                bail!("unknown environment variable {name}; Herald reads {}", known.join(", "));
            };
            set(&mut table, key, value);
        }
        if let Some(listen) = &overrides.listen {
            set(&mut table, "listen", listen.clone());
        }
        if let Some(dir) = &overrides.data_dir {
            set(&mut table, "data_dir", dir.display().to_string());
        }
        if let Some(url) = &overrides.database_url {
            set(&mut table, "database_url", url.clone());
        }
        let config: Config = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|e| anyhow!("configuration key `{}`: {}", e.path(), e.inner()))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<()> {
        if let Some(key) = &self.master_key {
            let bytes =
                hex::decode(key).map_err(|_| anyhow!("configuration key `master_key`: must be 64 hex characters"))?;
            if bytes.len() != 32 {
                bail!(
                    "configuration key `master_key`: must be 64 hex characters (32 bytes), got {} bytes",
                    bytes.len()
                );
            }
        }
        if self.metrics_token.as_deref().is_some_and(|token| token.trim().is_empty()) {
            bail!("configuration key `metrics_token`: is empty; leave it out to serve /metrics without a token");
        }
        self.audit.check()?;
        for (key, url) in [
            ("providers.apns.production_url", &self.providers.apns.production_url),
            ("providers.apns.sandbox_url", &self.providers.apns.sandbox_url),
            ("providers.fcm.base_url", &self.providers.fcm.base_url),
            ("providers.adm.token_url", &self.providers.adm.token_url),
            ("providers.adm.base_url", &self.providers.adm.base_url),
            ("providers.baidu.base_url", &self.providers.baidu.base_url),
        ] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                bail!("configuration key `{key}`: {url:?} is not an http(s) URL");
            }
        }
        if let Some(path) = &self.providers.extra_ca_file
            && !path.is_file()
        {
            bail!("configuration key `providers.extra_ca_file`: {} is not a readable file", path.display());
        }
        if let Some(url) = &self.database_url
            && !["sqlite:", "postgres://", "postgresql://"].iter().any(|scheme| url.starts_with(scheme))
        {
            bail!("configuration key `database_url`: {url:?} is not supported; use a sqlite: or postgres:// URL");
        }
        self.inventory_numbers()?;
        let mut names = std::collections::HashSet::new();
        for (index, carrier) in self.smpp.carriers.iter().enumerate() {
            carrier.check(index)?;
            if !names.insert(carrier.name.as_str()) {
                bail!("configuration key `smpp.carriers[{index}].name`: {:?} is used twice", carrier.name);
            }
        }
        // Checks every entry (errors name the key) and that no ARN is mapped twice.
        herald_events::SinkRegistry::new(&self.sinks)?;
        self.events.check()?;
        Ok(())
    }

    /// The `[[numbers]]` entries, checked: E.164 numbers, known countries, the model's number
    /// types and capabilities, each number once. Errors name the entry and its key.
    pub fn inventory_numbers(&self) -> Result<Vec<InventoryNumber>> {
        herald_core::inventory::validate_all(&self.numbers).map_err(|(index, error)| {
            anyhow!("configuration key `numbers[{index}].{}`: {}", error.field, error.message)
        })
    }

    /// The database URL, defaulting to the embedded database in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("herald.db").display()),
        }
    }
}

/// Sets a dotted key in the table, creating the tables on the way. Values are TOML-typed by the
/// deserializer, so a string from the environment works for any scalar key.
fn set(table: &mut toml::Table, dotted: &str, value: String) {
    let mut parts: Vec<&str> = dotted.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut current = table;
    for part in parts {
        let entry = current.entry(part.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(next) = entry else { return };
        current = next;
    }
    current.insert(last.to_string(), toml::Value::String(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_the_embedded_single_node() {
        let config = Config::load(None, env(&[]), &Overrides::default()).expect("defaults");
        assert_eq!(config.listen, default_listen());
        assert_eq!(config.database_url(), "sqlite://herald-data/herald.db");
        assert_eq!(config.providers.apns.production_url, "https://api.push.apple.com");
    }

    #[test]
    fn flags_beat_environment_beat_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("herald.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:1000\"\ndata_dir = \"/from/file\"\nlog_format = \"json\"\n[providers.fcm]\nbase_url = \"http://127.0.0.1:9\"\n")
            .expect("write");
        let config = Config::load(
            Some(&file),
            env(&[
                ("HERALD_LISTEN", "127.0.0.1:2000"),
                ("HERALD_DATA_DIR", "/from/env"),
                ("HERALD_LOG", "debug"),
                ("PATH", "/bin"),
            ]),
            &Overrides { listen: Some("127.0.0.1:3000".into()), ..Overrides::default() },
        )
        .expect("valid");
        assert_eq!(config.listen.port(), 3000);
        assert_eq!(config.data_dir, PathBuf::from("/from/env"));
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.providers.fcm.base_url, "http://127.0.0.1:9");
    }

    #[test]
    fn mistakes_name_the_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("herald.toml");
        for (content, key) in [
            ("lisen = \"x\"", "lisen"),
            ("listen = \"not an address\"", "listen"),
            ("log_format = \"xml\"", "log_format"),
            ("[providers.apns]\nproduction = \"x\"", "production"),
            ("[providers.fcm]\nbase_url = \"ftp://x\"", "providers.fcm.base_url"),
            ("master_key = \"abcd\"", "master_key"),
            ("[sms.quotas]\npool = 3", "pool"),
            ("[sms.quotas]\npools = -1", "sms.quotas.pools"),
            ("metrics_token = \"\"", "metrics_token"),
            ("[audit]\nenable = false", "enable"),
            ("[audit]\nexclude_operations = [\"SendTxtMessage\"]", "audit.exclude_operations[0]"),
            (
                "[[smpp.carriers]]\nname = \"a\"\nhost = \"h\"\nport = 1\nsystem_id = \"s\"\npassword = \"p\"\n\
                 receipt_ids = \"octal\"",
                "smpp.carriers[0].receipt_ids",
            ),
        ] {
            std::fs::write(&file, content).expect("write");
            let error = Config::load(Some(&file), env(&[]), &Overrides::default()).expect_err(content);
            assert!(format!("{error:#}").contains(key), "{content}: {error:#}");
        }
        let error = Config::load(None, env(&[("HERALD_LISTN", "x")]), &Overrides::default()).expect_err("unknown env");
        assert!(error.to_string().contains("HERALD_LISTN"), "{error}");
    }

    #[test]
    fn metrics_token_and_audit_log() {
        let defaults = Config::load(None, env(&[]), &Overrides::default()).expect("defaults");
        assert_eq!(defaults.metrics_token, None);
        assert!(defaults.audit.enabled && defaults.audit.exclude_operations.is_empty(), "everything is audited");

        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("herald.toml");
        std::fs::write(
            &file,
            "metrics_token = \"from-file\"\n[audit]\nenabled = false\nexclude_operations = [\"SendTextMessage\"]\n",
        )
        .expect("write");
        let config = Config::load(Some(&file), env(&[]), &Overrides::default()).expect("valid");
        assert_eq!(config.metrics_token.as_deref(), Some("from-file"));
        assert!(!config.audit.enabled);
        assert_eq!(config.audit.exclude_operations, ["SendTextMessage"]);
        let config = Config::load(Some(&file), env(&[("HERALD_METRICS_TOKEN", "from-env")]), &Overrides::default())
            .expect("env");
        assert_eq!(config.metrics_token.as_deref(), Some("from-env"));
    }

    #[test]
    fn numbers_are_the_operator_inventory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("herald.toml");
        let good = "[[numbers]]\nphone_number = \"+12065550100\"\niso_country = \"US\"\nnumber_type = \"LONG_CODE\"\n\
                    capabilities = [\"SMS\", \"VOICE\"]\ncarrier = \"route-a\"\nmonthly_price = \"1.00\"\n\
                    [[numbers]]\nphone_number = \"+18885550100\"\niso_country = \"US\"\nnumber_type = \"TOLL_FREE\"\n\
                    capabilities = [\"SMS\"]\n";
        std::fs::write(&file, good).expect("write");
        let config = Config::load(Some(&file), env(&[]), &Overrides::default()).expect("valid");
        let numbers = config.inventory_numbers().expect("valid numbers");
        assert_eq!(numbers.len(), 2);
        assert_eq!(numbers[0].carrier.as_deref(), Some("route-a"));
        assert_eq!(numbers[1].monthly_price, None);

        let entry = |extra: &str| {
            format!(
                "[[numbers]]\nphone_number = \"+12065550100\"\niso_country = \"US\"\nnumber_type = \"LONG_CODE\"\n\
                 capabilities = [\"SMS\"]\n[[numbers]]\n{extra}\n"
            )
        };
        let second = "phone_number = \"+12065550101\"\niso_country = \"US\"\nnumber_type = \"LONG_CODE\"\ncapabilities = [\"SMS\"]";
        for (content, key) in [
            (entry(&format!("{second}\ncolour = \"red\"")), "colour"),
            (entry(&second.replace("+12065550101", "12065550101")), "numbers[1].phone_number"),
            (entry(&second.replace("+12065550101", "+12065550100")), "numbers[1].phone_number"),
            (entry(&second.replace("\"US\"", "\"XX\"")), "numbers[1].iso_country"),
            (entry(&second.replace("LONG_CODE", "LANDLINE")), "numbers[1].number_type"),
            (entry(&second.replace("[\"SMS\"]", "[\"FAX\"]")), "numbers[1].capabilities"),
            (entry(&format!("{second}\nmonthly_price = \"one\"")), "numbers[1].monthly_price"),
            (entry("phone_number = \"+12065550101\""), "numbers"),
        ] {
            std::fs::write(&file, &content).expect("write");
            let error = Config::load(Some(&file), env(&[]), &Overrides::default()).expect_err(&content);
            assert!(format!("{error:#}").contains(key), "{content}: {error:#}");
        }
    }
}
