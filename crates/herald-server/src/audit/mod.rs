//! The audit log: every API call of both APIs, recorded as CloudTrail records management events
//! (who, when, from where, which operation on which resources, with what input, and how it
//! ended). Requests hand their record to a bounded buffer and go on; a background task writes
//! the buffer in batches on the store's writer. When the buffer is full, records are dropped and
//! counted (`herald_audit_dropped_total`) rather than making requests wait.

pub mod command;
mod redact;

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Result, bail};
use herald_api::{pinpoint, sms_voice_v2};
use herald_store::{AuditRecord, EventRecord, Store};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::mpsc;

/// Calls waiting to be written. At a few thousand calls a second this is seconds of slack for
/// a slow disk; past it, records are dropped.
const BUFFER: usize = 10_000;
/// Records per write.
const BATCH: usize = 1000;
/// The event type audit records carry in the outbox (CloudTrail's for API calls).
const AUDIT_EVENT: &str = "AwsApiCall";
/// After a write that was not a full batch, the writer waits this long for more records, so
/// that audit writes take the store's one writer connection a few times a second at most
/// instead of once per request.
const LINGER: Duration = Duration::from_millis(50);
/// A failed write is tried again this many times before its records are dropped.
const WRITE_ATTEMPTS: u32 = 3;

/// `[audit]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSection {
    /// Record API calls (the default).
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// Operations not to record, e.g. `["SendTextMessage"]` (CloudTrail leaves the send
    /// operations out; here everything is recorded unless the operator says otherwise).
    #[serde(default)]
    pub exclude_operations: Vec<String>,
    /// Also deliver each record (CloudTrail's fields) to the sink mapped to this ARN, through
    /// the event outbox, as CloudTrail delivers to a log group or bucket.
    #[serde(default)]
    pub sink: Option<String>,
}

fn enabled_by_default() -> bool {
    true
}

impl Default for AuditSection {
    fn default() -> Self {
        AuditSection { enabled: true, exclude_operations: Vec::new(), sink: None }
    }
}

impl AuditSection {
    /// Every excluded operation must be one of either API's, so that a typo does not silently
    /// leave the operator's choice undone.
    pub fn check(&self) -> Result<()> {
        if let Some(arn) = &self.sink
            && !arn.starts_with("arn:")
        {
            bail!("configuration key `audit.sink`: {arn:?} is not an ARN");
        }
        for (index, name) in self.exclude_operations.iter().enumerate() {
            let known = pinpoint::operations::Operation::from_name(name).is_some()
                || sms_voice_v2::operations::Operation::from_name(name).is_some();
            if !known {
                bail!(
                    "configuration key `audit.exclude_operations[{index}]`: {name:?} is not an operation of the \
                     Pinpoint or SMS and voice v2 API"
                );
            }
        }
        Ok(())
    }
}

/// One API call as the listener saw it, before redaction.
pub struct Call {
    pub event_time: OffsetDateTime,
    pub request_id: String,
    pub account_id: Option<String>,
    pub access_key_id: Option<String>,
    pub region: Option<String>,
    pub source_ip: IpAddr,
    pub user_agent: Option<String>,
    pub api: &'static str,
    pub operation: Option<&'static str>,
    /// The operation's input as members by name, unredacted.
    pub parameters: Option<Value>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub duration: Duration,
}

impl Call {
    /// The record to store: resources found and secrets hidden.
    fn into_record(self) -> AuditRecord {
        let mut parameters = self.parameters;
        let resources = match (&parameters, &self.account_id, &self.region) {
            (Some(parameters), Some(account_id), Some(region)) => redact::resource_arns(parameters, account_id, region),
            _ => Vec::new(),
        };
        if let Some(parameters) = &mut parameters {
            redact::redact(parameters);
        }
        AuditRecord {
            seq: 0,
            event_time: self.event_time,
            request_id: self.request_id,
            account_id: self.account_id,
            principal: self.access_key_id,
            region: self.region,
            source_ip: Some(self.source_ip.to_string()),
            user_agent: self.user_agent,
            api: self.api.to_string(),
            operation: self.operation.map(str::to_owned),
            resources,
            request_parameters: parameters,
            error_code: self.error_code,
            error_message: self.error_message,
            duration_ms: u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// The running audit log: the buffer requests hand their calls to.
pub struct AuditLog {
    sender: mpsc::Sender<Call>,
    excluded: HashSet<String>,
    /// Whether the last record was dropped: the warning is logged when dropping starts, not for
    /// every record.
    dropping: AtomicBool,
}

impl AuditLog {
    /// Starts the writer when the audit log is enabled. Must be called inside a Tokio runtime.
    /// The writer stops once the log is dropped and its buffer written.
    pub fn start(store: Store, section: &AuditSection) -> Option<AuditLog> {
        if !section.enabled {
            return None;
        }
        let (sender, receiver) = mpsc::channel(BUFFER);
        tokio::spawn(write_batches(store, section.sink.clone(), receiver));
        Some(AuditLog {
            sender,
            excluded: section.exclude_operations.iter().cloned().collect(),
            dropping: AtomicBool::new(false),
        })
    }

    /// Whether calls of this operation are recorded (calls that named no known operation are).
    pub fn wants(&self, operation: Option<&str>) -> bool {
        operation.is_none_or(|name| !self.excluded.contains(name))
    }

    /// Hands a call to the writer without waiting; drops it when the buffer is full.
    pub fn record(&self, call: Call) {
        match self.sender.try_send(call) {
            Ok(()) => self.dropping.store(false, Ordering::Relaxed),
            Err(mpsc::error::TrySendError::Full(call) | mpsc::error::TrySendError::Closed(call)) => {
                crate::metrics::count_audit_dropped(1);
                if !self.dropping.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        request_id = call.request_id,
                        "the audit log is behind; dropping records until it catches up (herald_audit_dropped_total)"
                    );
                }
            }
        }
    }
}

/// Writes what the buffer holds, up to a batch at a time, until every sender is gone.
async fn write_batches(store: Store, sink: Option<String>, mut receiver: mpsc::Receiver<Call>) {
    let mut calls = Vec::with_capacity(BATCH);
    while receiver.recv_many(&mut calls, BATCH).await > 0 {
        let full = calls.len() == BATCH;
        let records: Vec<AuditRecord> = calls.drain(..).map(Call::into_record).collect();
        if write(&store, &records).await
            && let Some(arn) = &sink
        {
            to_sink(&store, arn, &records).await;
        }
        if !full {
            tokio::time::sleep(LINGER).await;
        }
    }
}

/// Stores the records; answers whether they were stored.
async fn write(store: &Store, records: &[AuditRecord]) -> bool {
    let mut attempt = 1;
    loop {
        match store.append_audit(records).await {
            Ok(()) => return true,
            Err(error) if attempt < WRITE_ATTEMPTS => {
                tracing::warn!(%error, attempt, "could not write audit records; trying again");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                attempt += 1;
            }
            Err(error) => {
                tracing::error!(%error, records = records.len(), "could not write audit records; dropped");
                crate::metrics::count_audit_dropped(records.len() as u64);
                return false;
            }
        }
    }
}

/// Queues the records for the audit sink, filed under their request ids.
async fn to_sink(store: &Store, arn: &str, records: &[AuditRecord]) {
    let events: Vec<EventRecord> = records
        .iter()
        .map(|record| EventRecord {
            seq: 0,
            account_id: record.account_id.clone().unwrap_or_default(),
            message_id: record.request_id.clone(),
            event_type: AUDIT_EVENT.to_string(),
            destinations: vec![arn.to_string()],
            // Its place in the audit table is not known until it is stored: left out.
            record: {
                let mut json = record.to_json();
                if let Some(members) = json.as_object_mut() {
                    members.remove("eventSeq");
                }
                json
            },
            created_at: record.event_time,
        })
        .collect();
    if let Err(error) = store.append_events(&events).await {
        tracing::error!(%error, records = events.len(), "could not queue audit records for their sink");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excluded_operations_must_exist_in_either_api() {
        let section = |names: &[&str]| AuditSection {
            enabled: true,
            exclude_operations: names.iter().map(|n| n.to_string()).collect(),
            sink: None,
        };
        section(&["SendTextMessage", "SendMessages"]).check().expect("one of each API");
        let error = section(&["SendMessages", "SendTxtMessage"]).check().expect_err("typo");
        assert!(error.to_string().contains("audit.exclude_operations[1]"), "{error}");
        let error = AuditSection { sink: Some("audit-topic".into()), ..section(&[]) }.check().expect_err("not an ARN");
        assert!(error.to_string().contains("audit.sink"), "{error}");
    }

    fn call(request_id: &str) -> Call {
        Call {
            event_time: OffsetDateTime::now_utc(),
            request_id: request_id.into(),
            account_id: None,
            access_key_id: None,
            region: None,
            source_ip: IpAddr::from([127, 0, 0, 1]),
            user_agent: None,
            api: "pinpoint",
            operation: Some("GetApps"),
            parameters: None,
            error_code: None,
            error_message: None,
            duration: Duration::ZERO,
        }
    }

    #[test]
    fn a_full_buffer_drops_and_counts_instead_of_waiting() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let (sender, mut receiver) = mpsc::channel(1);
        let log = AuditLog { sender, excluded: HashSet::new(), dropping: AtomicBool::new(false) };
        metrics::with_local_recorder(&recorder, || {
            log.record(call("kept"));
            log.record(call("dropped-1"));
            log.record(call("dropped-2"));
        });
        assert!(log.dropping.load(Ordering::Relaxed));
        assert!(handle.render().contains("herald_audit_dropped_total 2"), "{}", handle.render());
        assert_eq!(receiver.try_recv().map(|c| c.request_id).ok().as_deref(), Some("kept"));
        metrics::with_local_recorder(&recorder, || log.record(call("kept-again")));
        assert!(!log.dropping.load(Ordering::Relaxed), "room again: the next drop warns again");
    }

    #[test]
    fn the_stored_record_has_its_resources_and_no_secrets() {
        let record = Call {
            account_id: Some("111122223333".into()),
            access_key_id: Some("HERALDKEY".into()),
            region: Some("eu-west-1".into()),
            operation: Some("UpdateApnsChannel"),
            parameters: Some(serde_json::json!({"ApplicationId": "a1", "APNSChannelRequest": {"PrivateKey": "k"}})),
            error_code: Some("BadRequestException".into()),
            duration: Duration::from_millis(1500),
            ..call("r-1")
        }
        .into_record();
        assert_eq!(record.resources, ["arn:aws:mobiletargeting:eu-west-1:111122223333:apps/a1"]);
        assert_eq!(record.request_parameters.expect("kept")["APNSChannelRequest"]["PrivateKey"], redact::HIDDEN);
        assert_eq!((record.principal.as_deref(), record.duration_ms), (Some("HERALDKEY"), 1500));
        assert_eq!(record.source_ip.as_deref(), Some("127.0.0.1"));
    }

    #[tokio::test]
    async fn excluded_operations_are_not_wanted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store =
            herald_store::open(&format!("sqlite://{}", dir.path().join("h.db").display())).await.expect("store");
        let section = AuditSection { enabled: true, exclude_operations: vec!["SendTextMessage".into()], sink: None };
        let log = AuditLog::start(store.clone(), &section).expect("enabled");
        assert!(!log.wants(Some("SendTextMessage")));
        assert!(log.wants(Some("SendMessages")));
        assert!(log.wants(None), "calls that named no known operation are recorded");
        assert!(AuditLog::start(store, &AuditSection { enabled: false, ..section }).is_none());
    }
}
