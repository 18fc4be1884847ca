use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use crate::config::{SinkConfig, SinkKind};
use crate::{FileSink, NatsSink, Sink, WebhookSink};

/// The configured sinks, by ARN.
pub struct SinkRegistry {
    sinks: HashMap<String, Arc<dyn Sink>>,
    /// The ARNs in configuration order, for listings that should read like the file.
    order: Vec<String>,
}

impl SinkRegistry {
    /// Checks every table and builds its sink. Nothing here touches the network: NATS
    /// connects, and files open, on first delivery.
    pub fn new(configs: &[SinkConfig]) -> Result<Self> {
        let mut sinks: HashMap<String, Arc<dyn Sink>> = HashMap::new();
        let mut order = Vec::with_capacity(configs.len());
        for (index, config) in configs.iter().enumerate() {
            config.check(index)?;
            if sinks.contains_key(&config.arn) {
                let first = order.iter().position(|arn| *arn == config.arn).unwrap_or_default();
                bail!("configuration key `sinks[{index}].arn`: {:?} is already the ARN of sinks[{first}]", config.arn);
            }
            let sink: Arc<dyn Sink> = match &config.kind {
                SinkKind::Webhook(webhook) => Arc::new(
                    WebhookSink::new(&config.arn, webhook)
                        .with_context(|| format!("configuration key `sinks[{index}]`"))?,
                ),
                SinkKind::Nats(nats) => Arc::new(NatsSink::new(&config.arn, nats)),
                SinkKind::File(file) => Arc::new(FileSink::new(&config.arn, file)),
            };
            sinks.insert(config.arn.clone(), sink);
            order.push(config.arn.clone());
        }
        Ok(SinkRegistry { sinks, order })
    }

    /// The sink events for `arn` go to; None when no sink is configured for it.
    pub fn get(&self, arn: &str) -> Option<Arc<dyn Sink>> {
        self.sinks.get(arn).cloned()
    }

    /// The configured ARNs, in configuration order.
    pub fn arns(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

impl std::fmt::Debug for SinkRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for arn in &self.order {
            if let Some(sink) = self.sinks.get(arn) {
                map.entry(arn, &sink.kind());
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configs(text: &str) -> Vec<SinkConfig> {
        #[derive(serde::Deserialize)]
        struct Node {
            sinks: Vec<SinkConfig>,
        }
        toml::from_str::<Node>(text).expect("parses").sinks
    }

    const THREE: &str = r#"
        [[sinks]]
        arn = "arn:aws:sns:us-east-1:111122223333:b-webhook"
        type = "webhook"
        url = "http://127.0.0.1:9/never-called"

        [[sinks]]
        arn = "arn:aws:firehose:us-east-1:111122223333:deliverystream/a-nats"
        type = "nats"
        server = "nats://127.0.0.1:1"
        subject = "herald.never"

        [[sinks]]
        arn = "arn:aws:logs:us-east-1:111122223333:log-group:c-file"
        type = "file"
        path = "/nonexistent/herald/events.jsonl"
    "#;

    #[test]
    fn builds_without_network_and_finds_by_arn() {
        let registry = SinkRegistry::new(&configs(THREE)).expect("builds");
        assert_eq!(
            registry.arns().collect::<Vec<_>>(),
            vec![
                "arn:aws:sns:us-east-1:111122223333:b-webhook",
                "arn:aws:firehose:us-east-1:111122223333:deliverystream/a-nats",
                "arn:aws:logs:us-east-1:111122223333:log-group:c-file",
            ]
        );
        assert_eq!(registry.len(), 3);
        let kind = |arn: &str| registry.get(arn).map(|sink| sink.kind());
        assert_eq!(kind("arn:aws:sns:us-east-1:111122223333:b-webhook"), Some("webhook"));
        assert_eq!(kind("arn:aws:firehose:us-east-1:111122223333:deliverystream/a-nats"), Some("nats"));
        assert_eq!(kind("arn:aws:logs:us-east-1:111122223333:log-group:c-file"), Some("file"));
        assert_eq!(kind("arn:aws:sns:us-east-1:111122223333:other"), None);
        assert!(SinkRegistry::new(&[]).expect("empty is fine").is_empty());
    }

    #[test]
    fn rejects_the_same_arn_twice() {
        let mut configs = configs(THREE);
        configs[2].arn = configs[0].arn.clone();
        let error = SinkRegistry::new(&configs).expect_err("duplicate ARN");
        let text = error.to_string();
        assert!(text.starts_with("configuration key `sinks[2].arn`:"), "{text}");
        assert!(text.contains("sinks[0]"), "{text}");
    }

    #[test]
    fn runs_the_checks() {
        let mut configs = configs(THREE);
        configs[1].arn = "not-an-arn".to_string();
        let error = SinkRegistry::new(&configs).expect_err("bad ARN");
        assert!(error.to_string().starts_with("configuration key `sinks[1].arn`:"), "{error}");
    }
}
