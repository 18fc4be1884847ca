//! Per-carrier connection settings.

use std::fmt;
use std::time::Duration;

/// How each of a carrier's binds talks to the SMSC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BindMode {
    /// One `bind_transceiver` connection per bind: submits out, receipts and inbound messages in.
    #[default]
    Transceiver,
    /// Two connections per bind, for SMSCs that do not offer transceiver binds: a
    /// `bind_transmitter` one that submits and a `bind_receiver` one that takes receipts and
    /// inbound messages.
    TransmitterReceiver,
}

/// One carrier's SMPP account and how hard Herald may drive it.
///
/// The server maps its TOML onto this; [`CarrierSettings::new`] fills in the defaults. `Debug`
/// never shows the password, so the settings can be logged whole.
#[derive(Clone)]
pub struct CarrierSettings {
    /// Carrier name, used in events and logs.
    pub name: String,
    pub host: String,
    pub port: u16,
    /// SMPP system_id (at most 15 characters).
    pub system_id: String,
    /// SMPP password (at most 8 characters, as SMPP 3.4 allows).
    pub password: String,
    /// SMPP system_type; usually empty (at most 12 characters).
    pub system_type: String,
    /// Simultaneous binds. Default 1.
    pub binds: usize,
    /// Most submit_sm a bind keeps outstanding (awaiting submit_sm_resp). Default 10.
    pub window: usize,
    /// Connect with TLS (to `host`, checked against the system roots plus `tls_ca`).
    pub tls: bool,
    /// Extra CA certificates (PEM) to trust for this carrier, e.g. a carrier's private CA.
    pub tls_ca: Option<Vec<u8>>,
    /// Carrier-wide cap on submitted parts per second, shared by all binds. None: no cap.
    pub max_parts_per_second: Option<u32>,
    pub bind_mode: BindMode,
    /// How often each connection sends enquire_link. Default 30 s.
    pub enquire_link_interval: Duration,
    /// How long the SMSC has to answer a bind, submit_sm, enquire_link or unbind. Default 10 s.
    pub response_timeout: Duration,
    /// First reconnect delay; doubles on each consecutive failure. Default 1 s.
    pub reconnect_min: Duration,
    /// Longest reconnect delay. Default 60 s.
    pub reconnect_max: Duration,
}

impl CarrierSettings {
    pub fn new(
        name: impl Into<String>,
        host: impl Into<String>,
        port: u16,
        system_id: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        CarrierSettings {
            name: name.into(),
            host: host.into(),
            port,
            system_id: system_id.into(),
            password: password.into(),
            system_type: String::new(),
            binds: 1,
            window: 10,
            tls: false,
            tls_ca: None,
            max_parts_per_second: None,
            bind_mode: BindMode::Transceiver,
            enquire_link_interval: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            reconnect_min: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(60),
        }
    }

    /// The settings with nonsensical values pulled back into range, so that a zero in a config
    /// file degrades to "one" instead of a carrier that can never send.
    pub(crate) fn sanitized(mut self) -> Self {
        self.binds = self.binds.max(1);
        self.window = self.window.max(1);
        if self.max_parts_per_second == Some(0) {
            self.max_parts_per_second = None;
        }
        let floor = Duration::from_millis(10);
        self.response_timeout = self.response_timeout.max(floor);
        self.enquire_link_interval = self.enquire_link_interval.max(floor);
        self.reconnect_min = self.reconnect_min.max(floor);
        self.reconnect_max = self.reconnect_max.max(self.reconnect_min);
        self
    }
}

impl fmt::Debug for CarrierSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CarrierSettings")
            .field("name", &self.name)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("system_id", &self.system_id)
            .field("password", &"<redacted>")
            .field("system_type", &self.system_type)
            .field("binds", &self.binds)
            .field("window", &self.window)
            .field("tls", &self.tls)
            .field("tls_ca", &self.tls_ca.as_ref().map(|pem| format!("<{} bytes of PEM>", pem.len())))
            .field("max_parts_per_second", &self.max_parts_per_second)
            .field("bind_mode", &self.bind_mode)
            .field("enquire_link_interval", &self.enquire_link_interval)
            .field("response_timeout", &self.response_timeout)
            .field("reconnect_min", &self.reconnect_min)
            .field("reconnect_max", &self.reconnect_max)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let s = CarrierSettings::new("acme", "smsc.example", 2775, "herald", "s3cret");
        assert_eq!(s.binds, 1);
        assert_eq!(s.window, 10);
        assert_eq!(s.bind_mode, BindMode::Transceiver);
        assert_eq!(s.enquire_link_interval, Duration::from_secs(30));
        assert_eq!(s.response_timeout, Duration::from_secs(10));
        assert_eq!(s.reconnect_min, Duration::from_secs(1));
        assert_eq!(s.reconnect_max, Duration::from_secs(60));
        assert!(!s.tls);
        assert_eq!(s.max_parts_per_second, None);
    }

    #[test]
    fn debug_hides_the_password() {
        let s = CarrierSettings::new("acme", "smsc.example", 2775, "herald", "hunter22");
        let shown = format!("{s:?} {s:#?}");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(shown.contains("herald"));
    }

    #[test]
    fn sanitized_pulls_zeroes_into_range() {
        let mut s = CarrierSettings::new("acme", "h", 1, "a", "b");
        s.binds = 0;
        s.window = 0;
        s.max_parts_per_second = Some(0);
        s.reconnect_min = Duration::from_secs(5);
        s.reconnect_max = Duration::from_secs(1);
        let s = s.sanitized();
        assert_eq!((s.binds, s.window, s.max_parts_per_second), (1, 1, None));
        assert_eq!(s.reconnect_max, Duration::from_secs(5));
    }
}
