//! What the listener needs from the configuration besides the Core: the metrics recorder and
//! token, and the audit log settings. `serve` builds them first, so that the recorder is
//! installed before anything records.

use anyhow::Result;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::audit::AuditSection;
use crate::config::Config;

#[derive(Clone)]
pub struct ListenerSettings {
    pub metrics: PrometheusHandle,
    pub metrics_token: Option<String>,
    pub audit: AuditSection,
}

impl ListenerSettings {
    /// Installs the metrics recorder (once per process) and takes the rest from the configuration.
    pub fn from_config(config: &Config) -> Result<Self> {
        Ok(ListenerSettings {
            metrics: crate::metrics::install()?,
            metrics_token: config.metrics_token.clone(),
            audit: config.audit.clone(),
        })
    }
}
