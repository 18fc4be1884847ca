//! How the event outbox is drained (`[events]`); the sinks themselves are `[[sinks]]`
//! (`herald_events::SinkConfig`).

use std::time::Duration;

use anyhow::{Result, bail};
use herald_core::event_delivery::EventDeliverySettings;
use herald_events::RetryPolicy;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsSection {
    /// First wait after a sink fails (1 second); doubles per failure up to `retry_max_seconds`.
    #[serde(default)]
    pub retry_min_seconds: Option<f64>,
    /// Longest wait between attempts (300 seconds).
    #[serde(default)]
    pub retry_max_seconds: Option<f64>,
    /// Records a sink has refused for this long are dead-lettered (86,400 seconds).
    #[serde(default)]
    pub dead_after_seconds: Option<f64>,
    /// Records kept for an ARN no `[[sinks]]` entry maps (100,000); the oldest go beyond.
    #[serde(default)]
    pub max_pending_without_sink: Option<u64>,
}

impl EventsSection {
    pub fn check(&self) -> Result<()> {
        for (key, value) in [
            ("retry_min_seconds", self.retry_min_seconds),
            ("retry_max_seconds", self.retry_max_seconds),
            ("dead_after_seconds", self.dead_after_seconds),
        ] {
            if let Some(seconds) = value
                && !(seconds.is_finite() && seconds > 0.0 && seconds <= 30.0 * 86_400.0)
            {
                bail!("configuration key `events.{key}`: must be more than 0 and at most 30 days in seconds");
            }
        }
        if let (Some(min), Some(max)) = (self.retry_min_seconds, self.retry_max_seconds)
            && min > max
        {
            bail!("configuration key `events.retry_min_seconds`: must not be more than `events.retry_max_seconds`");
        }
        Ok(())
    }

    pub fn settings(&self) -> EventDeliverySettings {
        let defaults = RetryPolicy::default();
        let seconds = |value: Option<f64>, default: Duration| value.map(Duration::from_secs_f64).unwrap_or(default);
        EventDeliverySettings {
            retry: RetryPolicy {
                min: seconds(self.retry_min_seconds, defaults.min),
                max: seconds(self.retry_max_seconds, defaults.max),
                dead_after: seconds(self.dead_after_seconds, defaults.dead_after),
            },
            max_pending_without_sink: self.max_pending_without_sink.unwrap_or(100_000),
            ..EventDeliverySettings::default()
        }
    }
}
