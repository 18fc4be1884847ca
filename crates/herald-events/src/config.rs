//! The `[[sinks]]` tables of the node's configuration.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};
use serde::Deserialize;

/// Header names the webhook sink sets itself; a configured header must not shadow them.
pub(crate) const RESERVED_HEADERS: [&str; 4] =
    ["content-type", "x-herald-event-id", "x-herald-timestamp", "x-herald-signature"];

/// One `[[sinks]]` table: an ARN and where its events go.
#[derive(Clone, Debug, Deserialize)]
pub struct SinkConfig {
    /// Any ARN an event destination may name: SNS topic, Firehose stream, CloudWatch Logs
    /// group, Kinesis stream, two-way channel, ...
    pub arn: String,
    // Unknown keys are refused by the kind's own table: serde cannot combine `flatten` with
    // `deny_unknown_fields` on this struct, and every key but `arn` reaches the kind's table.
    #[serde(flatten)]
    pub kind: SinkKind,
}

/// What the `type` key selects, with that type's settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SinkKind {
    Webhook(WebhookConfig),
    Nats(NatsConfig),
    File(FileConfig),
}

/// `type = "webhook"`: one HTTP POST per event.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The http(s) URL events are posted to.
    pub url: String,
    /// Signs each request (`x-herald-signature`) when set.
    #[serde(default)]
    pub secret: Option<String>,
    /// Extra request headers, for example an `authorization` the receiver wants.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
    /// A PEM bundle trusted in addition to the system's roots (a private CA, a test server).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

/// `type = "nats"`: publish to a NATS subject, through JetStream by default.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsConfig {
    #[serde(default = "default_nats_server")]
    pub server: String,
    pub subject: String,
    /// Publish through JetStream and wait for the stream's acknowledgement. Without it a
    /// publish is fire-and-forget: accepted means only that the server received it.
    #[serde(default = "default_true")]
    pub jetstream: bool,
    /// A stream to create (capturing `subject`) when it does not exist. Without it a stream
    /// capturing the subject must already exist.
    #[serde(default)]
    pub stream: Option<String>,
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
    /// A PEM bundle trusted for `tls://` servers in addition to the system's roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

/// `type = "file"`: append JSON lines to a file, rotating it by size.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub path: PathBuf,
    /// The size a file may reach before it is rotated.
    #[serde(default = "default_max_bytes")]
    pub max_bytes: u64,
    /// How many rotated files (`path.1` ... `path.<keep>`) are kept.
    #[serde(default = "default_keep")]
    pub keep: u32,
}

fn default_timeout_seconds() -> u64 {
    10
}

fn default_nats_server() -> String {
    "nats://127.0.0.1:4222".to_string()
}

fn default_true() -> bool {
    true
}

fn default_max_bytes() -> u64 {
    100 * 1024 * 1024
}

fn default_keep() -> u32 {
    5
}

impl SinkConfig {
    /// The type name as written in the configuration.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            SinkKind::Webhook(_) => "webhook",
            SinkKind::Nats(_) => "nats",
            SinkKind::File(_) => "file",
        }
    }

    /// Checks what deserialising cannot; `index` is the table's position in `[[sinks]]`, so
    /// errors name the key as `sinks[2].url`.
    pub fn check(&self, index: usize) -> Result<()> {
        let key = |field: &str| format!("configuration key `sinks[{index}].{field}`");
        if !self.arn.starts_with("arn:") || self.arn.split(':').count() < 6 {
            bail!("{}: {:?} is not an ARN (arn:partition:service:region:account:resource)", key("arn"), self.arn);
        }
        match &self.kind {
            SinkKind::Webhook(webhook) => {
                match reqwest::Url::parse(&webhook.url) {
                    Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
                    _ => bail!("{}: {:?} is not an http(s) URL", key("url"), webhook.url),
                }
                if webhook.secret.as_deref() == Some("") {
                    bail!("{}: must not be empty (leave it out to send unsigned requests)", key("secret"));
                }
                for (name, value) in &webhook.headers {
                    let header_key = key(&format!("headers.{name}"));
                    let Ok(parsed) = reqwest::header::HeaderName::from_bytes(name.as_bytes()) else {
                        bail!("{header_key}: {name:?} is not a valid HTTP header name");
                    };
                    if RESERVED_HEADERS.contains(&parsed.as_str()) {
                        bail!("{header_key}: Herald sets this header itself");
                    }
                    // The value is not quoted: it is usually a credential.
                    if reqwest::header::HeaderValue::from_str(value).is_err() {
                        bail!("{header_key}: the value is not a valid HTTP header value");
                    }
                }
                check_timeout(webhook.timeout_seconds, &key("timeout_seconds"))?;
                check_ca_file(webhook.ca_file.as_ref(), &key("ca_file"))?;
            }
            SinkKind::Nats(nats) => {
                if let Err(error) = nats.server.parse::<async_nats::ServerAddr>() {
                    bail!("{}: {:?} is not a NATS server URL: {error}", key("server"), redact_url(&nats.server));
                }
                if !is_valid_subject(&nats.subject) {
                    bail!(
                        "{}: {:?} is not a NATS subject to publish to (dot-separated tokens, no spaces, no wildcards)",
                        key("subject"),
                        nats.subject
                    );
                }
                if let Some(stream) = &nats.stream {
                    if !nats.jetstream {
                        bail!("{}: needs `jetstream = true`", key("stream"));
                    }
                    if !is_valid_stream_name(stream) {
                        bail!(
                            "{}: {stream:?} is not a JetStream stream name (no spaces, '.', '*', '>', '/' or '\\')",
                            key("stream")
                        );
                    }
                }
                check_timeout(nats.timeout_seconds, &key("timeout_seconds"))?;
                check_ca_file(nats.ca_file.as_ref(), &key("ca_file"))?;
            }
            SinkKind::File(file) => {
                if file.path.as_os_str().is_empty() {
                    bail!("{}: must not be empty", key("path"));
                }
                if file.path.file_name().is_none() {
                    bail!("{}: {} does not name a file", key("path"), file.path.display());
                }
                if file.max_bytes < 1024 {
                    bail!("{}: must be at least 1024", key("max_bytes"));
                }
                if file.keep < 1 {
                    bail!("{}: must be at least 1", key("keep"));
                }
            }
        }
        Ok(())
    }
}

impl WebhookConfig {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds)
    }
}

impl NatsConfig {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds)
    }
}

fn check_timeout(seconds: u64, key: &str) -> Result<()> {
    if seconds == 0 || seconds > 3600 {
        bail!("{key}: must be from 1 to 3600");
    }
    Ok(())
}

fn check_ca_file(path: Option<&PathBuf>, key: &str) -> Result<()> {
    if let Some(path) = path
        && !path.is_file()
    {
        bail!("{key}: {} is not a readable file", path.display());
    }
    Ok(())
}

/// A subject a message can be published to: non-empty tokens separated by dots, no white
/// space, and no wildcard token (those only make sense for subscriptions).
fn is_valid_subject(subject: &str) -> bool {
    !subject.is_empty()
        && !subject.contains(char::is_whitespace)
        && subject.split('.').all(|token| !token.is_empty() && token != "*" && token != ">")
}

fn is_valid_stream_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || matches!(c, '.' | '*' | '>' | '/' | '\\'))
}

/// The URL with its password replaced, for logs and errors: webhook and NATS URLs may carry
/// credentials (`https://user:token@host`, `nats://user:pass@host`).
pub(crate) fn redact_url(text: &str) -> String {
    match reqwest::Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            // Only fails for URLs that cannot have credentials, which this one has.
            let _ = url.set_password(Some("redacted"));
            url.to_string()
        }
        _ => text.to_string(),
    }
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values are usually credentials; only the names are shown.
        let headers: BTreeMap<&str, &str> = self.headers.keys().map(|name| (name.as_str(), "<redacted>")).collect();
        f.debug_struct("WebhookConfig")
            .field("url", &redact_url(&self.url))
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("headers", &headers)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl fmt::Debug for NatsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsConfig")
            .field("server", &redact_url(&self.server))
            .field("subject", &self.subject)
            .field("jetstream", &self.jetstream)
            .field("stream", &self.stream)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Node {
        sinks: Vec<SinkConfig>,
    }

    fn parse(text: &str) -> std::result::Result<Vec<SinkConfig>, String> {
        toml::from_str::<Node>(text).map(|node| node.sinks).map_err(|error| error.to_string())
    }

    fn one(text: &str) -> SinkConfig {
        let mut sinks = parse(text).expect("parses");
        assert_eq!(sinks.len(), 1);
        sinks.remove(0)
    }

    fn check_error(text: &str, index: usize) -> String {
        match one(text).check(index) {
            Ok(()) => panic!("expected an error for {text}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn parses_the_documented_tables_with_defaults() {
        let sinks = parse(
            r#"
            [[sinks]]
            arn = "arn:aws:sns:us-east-1:111122223333:sms-events"
            type = "webhook"
            url = "https://hooks.example.com/herald"
            secret = "s3cr3t"
            headers = { "authorization" = "Bearer x" }

            [[sinks]]
            arn = "arn:aws:firehose:us-east-1:111122223333:deliverystream/herald"
            type = "nats"
            server = "nats://127.0.0.1:4222"
            subject = "herald.sms"
            stream = "HERALD"

            [[sinks]]
            arn = "arn:aws:logs:us-east-1:111122223333:log-group:herald"
            type = "file"
            path = "/var/lib/herald/events.jsonl"
            "#,
        )
        .expect("parses");
        assert_eq!(sinks.len(), 3);
        for (index, sink) in sinks.iter().enumerate() {
            sink.check(index).expect("valid");
        }
        let SinkKind::Webhook(webhook) = &sinks[0].kind else { panic!("webhook expected") };
        assert_eq!(webhook.secret.as_deref(), Some("s3cr3t"));
        assert_eq!(webhook.headers.get("authorization").map(String::as_str), Some("Bearer x"));
        assert_eq!(webhook.timeout(), Duration::from_secs(10));
        let SinkKind::Nats(nats) = &sinks[1].kind else { panic!("nats expected") };
        assert!(nats.jetstream);
        assert_eq!(nats.stream.as_deref(), Some("HERALD"));
        assert_eq!(nats.timeout(), Duration::from_secs(10));
        let SinkKind::File(file) = &sinks[2].kind else { panic!("file expected") };
        assert_eq!(file.max_bytes, 104_857_600);
        assert_eq!(file.keep, 5);
        assert_eq!(sinks[2].type_name(), "file");
    }

    #[test]
    fn refuses_unknown_keys_and_types() {
        let error = parse(
            r#"
            [[sinks]]
            arn = "arn:aws:sns:us-east-1:1:t"
            type = "webhook"
            url = "https://example.com/"
            subject = "oops"
            "#,
        )
        .expect_err("unknown key refused");
        assert!(error.contains("unknown field `subject`"), "{error}");

        let error = parse(
            r#"
            [[sinks]]
            arn = "arn:aws:sns:us-east-1:1:t"
            type = "kafka"
            "#,
        )
        .expect_err("unknown type refused");
        assert!(error.contains("unknown variant `kafka`"), "{error}");

        let error = parse(
            r#"
            [[sinks]]
            arn = "arn:aws:sns:us-east-1:1:t"
            url = "https://example.com/"
            "#,
        )
        .expect_err("missing type refused");
        assert!(error.contains("type"), "{error}");
    }

    #[test]
    fn check_errors_name_the_key() {
        let error = check_error("[[sinks]]\narn = \"sns:topic\"\ntype = \"file\"\npath = \"/tmp/x\"", 0);
        assert!(error.starts_with("configuration key `sinks[0].arn`:"), "{error}");

        let error =
            check_error("[[sinks]]\narn = \"arn:aws:sns:us-east-1:1:t\"\ntype = \"webhook\"\nurl = \"ftp://x/\"", 2);
        assert!(error.starts_with("configuration key `sinks[2].url`:"), "{error}");

        let error = check_error(
            "[[sinks]]\narn = \"arn:aws:sns:us-east-1:1:t\"\ntype = \"webhook\"\nurl = \"http://x/\"\nheaders = { \"x-herald-signature\" = \"v\" }",
            1,
        );
        assert!(error.starts_with("configuration key `sinks[1].headers.x-herald-signature`:"), "{error}");

        let error = check_error(
            "[[sinks]]\narn = \"arn:aws:sns:us-east-1:1:t\"\ntype = \"webhook\"\nurl = \"http://x/\"\ntimeout_seconds = 0",
            0,
        );
        assert!(error.starts_with("configuration key `sinks[0].timeout_seconds`:"), "{error}");

        for subject in ["", "herald sms", "herald.*", "herald.>", "herald..sms"] {
            let error = check_error(
                &format!("[[sinks]]\narn = \"arn:aws:sns:us-east-1:1:t\"\ntype = \"nats\"\nsubject = {subject:?}"),
                3,
            );
            assert!(error.starts_with("configuration key `sinks[3].subject`:"), "{subject:?}: {error}");
        }

        let error = check_error(
            "[[sinks]]\narn = \"arn:aws:sns:us-east-1:1:t\"\ntype = \"nats\"\nsubject = \"a.b\"\nstream = \"A.B\"",
            0,
        );
        assert!(error.starts_with("configuration key `sinks[0].stream`:"), "{error}");

        let error = check_error("[[sinks]]\narn = \"arn:aws:sns:us-east-1:1:t\"\ntype = \"file\"\npath = \"\"", 4);
        assert!(error.starts_with("configuration key `sinks[4].path`:"), "{error}");

        let error =
            check_error("[[sinks]]\narn = \"arn:aws:sns:us-east-1:1:t\"\ntype = \"file\"\npath = \"/x\"\nkeep = 0", 0);
        assert!(error.starts_with("configuration key `sinks[0].keep`:"), "{error}");

        let error = check_error(
            "[[sinks]]\narn = \"arn:aws:sns:us-east-1:1:t\"\ntype = \"file\"\npath = \"/x\"\nmax_bytes = 1023",
            0,
        );
        assert!(error.starts_with("configuration key `sinks[0].max_bytes`:"), "{error}");
    }

    #[test]
    fn debug_hides_secrets() {
        let sinks = parse(
            r#"
            [[sinks]]
            arn = "arn:aws:sns:us-east-1:1:t"
            type = "webhook"
            url = "https://user:url-password@example.com/hook"
            secret = "signing-secret-value"
            headers = { "authorization" = "Bearer header-token" }

            [[sinks]]
            arn = "arn:aws:sns:us-east-1:1:u"
            type = "nats"
            server = "nats://herald:nats-password@127.0.0.1:4222"
            subject = "herald.sms"
            "#,
        )
        .expect("parses");
        let text = format!("{sinks:?}");
        for secret in ["signing-secret-value", "header-token", "url-password", "nats-password"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert!(text.contains("authorization"), "header names stay visible: {text}");
        assert!(text.contains("example.com/hook"), "{text}");
    }
}
