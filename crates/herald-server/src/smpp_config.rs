//! The carriers Herald sends SMS through (`[[smpp.carriers]]`) and the delivery engine's
//! settings (`[sms.delivery]`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use herald_core::sms_delivery::DeliverySettings;
use herald_sms::smpp::{BindMode, CarrierSettings, IdNotation};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmppSection {
    #[serde(default)]
    pub carriers: Vec<SmppCarrier>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindModeName {
    #[default]
    Transceiver,
    TransmitterReceiver,
}

/// One carrier's SMSC and the destinations it serves.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmppCarrier {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub system_id: String,
    pub password: String,
    #[serde(default)]
    pub system_type: String,
    #[serde(default = "one")]
    pub binds: usize,
    #[serde(default = "default_window")]
    pub window: usize,
    #[serde(default)]
    pub tls: bool,
    /// A PEM CA trusted for this carrier's TLS in addition to the system roots.
    #[serde(default)]
    pub tls_ca_file: Option<PathBuf>,
    #[serde(default)]
    pub max_parts_per_second: Option<u32>,
    /// Dialling prefixes ("+1") and ISO country codes ("US") this carrier takes.
    #[serde(default)]
    pub routes: Vec<String>,
    #[serde(default)]
    pub bind_mode: BindModeName,
    #[serde(default)]
    pub enquire_link_seconds: Option<u64>,
    #[serde(default)]
    pub response_timeout_seconds: Option<u64>,
    #[serde(default)]
    pub reconnect_min_seconds: Option<f64>,
    #[serde(default)]
    pub reconnect_max_seconds: Option<f64>,
    /// How receipts quote the submit_sm_resp id: "auto" (learned from the receipts; the
    /// default), "as_submitted", "decimal_for_hex" or "hex_for_decimal".
    #[serde(default)]
    pub receipt_ids: Option<String>,
}

/// The password stays out of logs and error output.
impl std::fmt::Debug for SmppCarrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmppCarrier")
            .field("name", &self.name)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("system_id", &self.system_id)
            .field("password", &"<redacted>")
            .field("binds", &self.binds)
            .field("window", &self.window)
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

fn one() -> usize {
    1
}

fn default_window() -> usize {
    10
}

/// `[sms.delivery]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverySection {
    /// Names this node's leases on queued messages; the host name by default.
    #[serde(default)]
    pub node_id: Option<String>,
    /// How long a submitted message waits for receipts before it is UNKNOWN (72 hours).
    #[serde(default)]
    pub receipt_timeout_seconds: Option<u64>,
    /// Messages being delivered at once.
    #[serde(default)]
    pub max_in_flight: Option<usize>,
    /// How long a receipt is matched only in its carrier's known id notation before the others
    /// are tried (10 seconds).
    #[serde(default)]
    pub receipt_notation_fallback_seconds: Option<f64>,
}

impl DeliverySection {
    pub fn settings(&self) -> DeliverySettings {
        let mut settings =
            DeliverySettings { node_id: self.node_id.clone().unwrap_or_else(host_name), ..Default::default() };
        if let Some(seconds) = self.receipt_timeout_seconds {
            settings.receipt_timeout = Duration::from_secs(seconds);
        }
        if let Some(seconds) = self.receipt_notation_fallback_seconds {
            settings.receipt_notation_fallback = Duration::from_secs_f64(seconds.clamp(0.0, 3600.0));
        }
        if let Some(count) = self.max_in_flight {
            settings.max_in_flight = count.max(1);
        }
        settings
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "local".to_string())
}

impl SmppCarrier {
    pub fn check(&self, index: usize) -> Result<()> {
        let key = |field: &str| format!("configuration key `smpp.carriers[{index}].{field}`");
        if self.name.trim().is_empty() || self.name == "simulator" {
            bail!("{}: must be a name other than \"simulator\" (the built-in simulator's)", key("name"));
        }
        if self.binds == 0 || self.binds > 64 {
            bail!("{}: must be from 1 to 64", key("binds"));
        }
        if self.window == 0 || self.window > 1000 {
            bail!("{}: must be from 1 to 1000", key("window"));
        }
        if self.max_parts_per_second == Some(0) {
            bail!("{}: must be at least 1", key("max_parts_per_second"));
        }
        for route in &self.routes {
            let prefix =
                route.strip_prefix('+').is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
            let country = route.len() == 2 && route.bytes().all(|b| b.is_ascii_uppercase());
            if !prefix && !country {
                bail!(
                    "{}: {route:?} is neither a dialling prefix like \"+44\" nor an ISO country code like \"GB\"",
                    key("routes")
                );
            }
        }
        if let Some(name) = &self.receipt_ids
            && name != "auto"
            && IdNotation::from_name(name).is_none()
        {
            bail!(
                "{}: {name:?} is not one of \"auto\", \"as_submitted\", \"decimal_for_hex\", \"hex_for_decimal\"",
                key("receipt_ids")
            );
        }
        if let Some(path) = &self.tls_ca_file
            && !path.is_file()
        {
            bail!("{}: {} is not a readable file", key("tls_ca_file"), path.display());
        }
        Ok(())
    }

    /// The configured receipt id notation; None when it is to be learned.
    pub fn receipt_ids(&self) -> Option<IdNotation> {
        self.receipt_ids.as_deref().and_then(IdNotation::from_name)
    }

    pub fn settings(&self) -> Result<CarrierSettings> {
        let mut settings = CarrierSettings::new(&self.name, &self.host, self.port, &self.system_id, &self.password);
        settings.system_type = self.system_type.clone();
        settings.binds = self.binds;
        settings.window = self.window;
        settings.tls = self.tls;
        if let Some(path) = &self.tls_ca_file {
            settings.tls_ca = Some(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?);
        }
        settings.max_parts_per_second = self.max_parts_per_second;
        settings.bind_mode = match self.bind_mode {
            BindModeName::Transceiver => BindMode::Transceiver,
            BindModeName::TransmitterReceiver => BindMode::TransmitterReceiver,
        };
        if let Some(seconds) = self.enquire_link_seconds {
            settings.enquire_link_interval = Duration::from_secs(seconds.max(1));
        }
        if let Some(seconds) = self.response_timeout_seconds {
            settings.response_timeout = Duration::from_secs(seconds.max(1));
        }
        if let Some(seconds) = self.reconnect_min_seconds {
            settings.reconnect_min = Duration::from_secs_f64(seconds.max(0.01));
        }
        if let Some(seconds) = self.reconnect_max_seconds {
            settings.reconnect_max = Duration::from_secs_f64(seconds.max(0.01));
        }
        Ok(settings)
    }
}
