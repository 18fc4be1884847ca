//! The control API of `herald-fakes` (documented at the top of `src/bin/herald-fakes.rs`): what
//! each fake received as JSON, scripted answers from JSON, the SMSC's levers, and a reset.
//!
//! The fakes' logic stays in `herald_testkit::fakes`; this module only translates between their
//! Rust types and JSON, so the library needs no `serde` derives for a binary's sake.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use herald_testkit::fakes::adm::{AdmOutcome, FakeAdm, ReceivedAdmMessage};
use herald_testkit::fakes::apns::{FakeApns, ReceivedAuth, ReceivedNotification, ScriptedOutcome};
use herald_testkit::fakes::baidu::{BaiduOutcome, FakeBaidu, ReceivedBaiduMessage};
use herald_testkit::fakes::fcm::{FakeFcm, FcmOutcome, ReceivedMessage};
use herald_testkit::fakes::smsc::{FakeSmsc, Outcome, RecordedSubmit, SentReceipt};
use serde::Deserialize;
use serde_json::{Value, json};

/// The running fakes the API controls.
pub struct Fakes {
    pub apns: FakeApns,
    pub fcm: FakeFcm,
    pub adm: FakeAdm,
    pub baidu: FakeBaidu,
    pub smsc: FakeSmsc,
}

type Shared = State<Arc<Fakes>>;

pub fn router(fakes: Arc<Fakes>) -> Router {
    Router::new()
        .route("/apns/received", get(apns_received))
        .route("/fcm/received", get(fcm_received))
        .route("/adm/received", get(adm_received))
        .route("/baidu/received", get(baidu_received))
        .route("/apns/script", post(apns_script))
        .route("/fcm/script", post(fcm_script))
        .route("/adm/script", post(adm_script))
        .route("/baidu/script", post(baidu_script))
        .route("/smsc/submits", get(smsc_submits))
        .route("/smsc/receipts", get(smsc_receipts))
        .route("/smsc/status", get(smsc_status))
        .route("/smsc/script", post(smsc_script))
        .route("/smsc/inbound", post(smsc_inbound))
        .route("/smsc/throttle", post(smsc_throttle))
        .route("/smsc/refuse_binds", post(smsc_refuse_binds))
        .route("/smsc/drop", post(smsc_drop))
        .route("/reset", post(reset))
        .with_state(fakes)
}

/// `{"token": "…", "outcomes": […]}`; the outcome shape depends on the fake.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Script<O> {
    token: String,
    outcomes: Vec<O>,
}

/// A script's body, or why it is not JSON of the expected shape.
type ScriptBody<O> = Result<Json<Script<O>>, JsonRejection>;

/// Translates a script's outcomes and hands them to `apply` (the fake's `script`); 204, or 400
/// with `{"error": …}` when the body or an outcome is not what the fake can play.
fn play<O, T>(
    script: ScriptBody<O>,
    to_outcome: impl Fn(&O) -> Result<T, String>,
    apply: impl FnOnce(&str, Vec<T>),
) -> Response {
    let Json(script) = match script {
        Ok(script) => script,
        Err(rejection) => return bad_request(rejection.body_text()),
    };
    match script.outcomes.iter().map(to_outcome).collect::<Result<Vec<T>, String>>() {
        Ok(outcomes) => {
            apply(&script.token, outcomes);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(message) => bad_request(message),
    }
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

async fn reset(State(fakes): Shared) -> StatusCode {
    fakes.apns.clear();
    fakes.fcm.clear();
    fakes.adm.clear();
    fakes.baidu.clear();
    fakes.smsc.clear();
    StatusCode::NO_CONTENT
}

// ------------------------------------------------------------------------------------------
// APNs
// ------------------------------------------------------------------------------------------

async fn apns_received(State(fakes): Shared) -> Json<Vec<Value>> {
    Json(fakes.apns.received().iter().map(apns_json).collect())
}

fn apns_json(notification: &ReceivedNotification) -> Value {
    let auth = match &notification.auth {
        ReceivedAuth::Token { key_id, team_id, issued_at } => {
            json!({"type": "token", "key_id": key_id, "team_id": team_id, "issued_at": issued_at})
        }
        ReceivedAuth::Certificate { subject } => json!({"type": "certificate", "subject": subject}),
        ReceivedAuth::Malformed { authorization } => json!({"type": "malformed", "authorization": authorization}),
        ReceivedAuth::None => json!({"type": "none"}),
    };
    json!({
        "device_token": notification.device_token,
        "headers": notification.headers,
        "payload": notification.payload,
        "raw_payload": String::from_utf8_lossy(&notification.raw_payload),
        "auth": auth,
        "answered_status": notification.answered_status,
        "answered_reason": notification.answered_reason,
        "answered_apns_id": notification.answered_apns_id,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApnsOutcomeJson {
    status: Option<u16>,
    reason: Option<String>,
    #[serde(default)]
    drop_connection: bool,
    delay_ms: Option<u64>,
}

impl ApnsOutcomeJson {
    fn to_outcome(&self) -> Result<ScriptedOutcome, String> {
        let outcome = match (self.drop_connection, self.status, &self.reason) {
            (true, None, None) => ScriptedOutcome::DropConnection,
            (true, _, _) => return Err("drop_connection takes no status or reason".to_owned()),
            (false, None | Some(200), None) => ScriptedOutcome::Success,
            (false, Some(status), Some(reason)) if status != 200 => ScriptedOutcome::reject(status, reason),
            // Apple's error answers always carry a reason, and successes never do.
            _ => return Err("an APNs outcome is {\"status\": 200} or a status other than 200 with a reason".to_owned()),
        };
        Ok(match self.delay_ms {
            Some(millis) => ScriptedOutcome::delayed(Duration::from_millis(millis), outcome),
            None => outcome,
        })
    }
}

async fn apns_script(State(fakes): Shared, script: ScriptBody<ApnsOutcomeJson>) -> Response {
    play(script, ApnsOutcomeJson::to_outcome, |token, outcomes| fakes.apns.script(token, outcomes))
}

// ------------------------------------------------------------------------------------------
// FCM
// ------------------------------------------------------------------------------------------

async fn fcm_received(State(fakes): Shared) -> Json<Vec<Value>> {
    Json(fakes.fcm.received().iter().map(fcm_json).collect())
}

fn fcm_json(message: &ReceivedMessage) -> Value {
    json!({
        "project_id": message.project_id,
        "bearer_token": message.bearer_token,
        "message": message.message,
        "http_status": message.http_status,
        "error_code": message.error_code,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FcmOutcomeJson {
    http_status: Option<u16>,
    /// Google's status, e.g. `NOT_FOUND`.
    status: Option<String>,
    error_code: Option<String>,
    message: Option<String>,
    retry_after: Option<u64>,
    delay_ms: Option<u64>,
}

impl FcmOutcomeJson {
    fn to_outcome(&self) -> Result<FcmOutcome, String> {
        let outcome = match (self.http_status, &self.status) {
            (None | Some(200), None) if self.error_code.is_none() && self.retry_after.is_none() => FcmOutcome::Success,
            (Some(http_status), Some(status)) if http_status != 200 => FcmOutcome::Error {
                http_status,
                status: status.clone(),
                error_code: self.error_code.clone().unwrap_or_default(),
                message: self.message.clone().unwrap_or_default(),
                retry_after: self.retry_after,
            },
            _ => {
                return Err("an FCM outcome is {\"http_status\": 200} or an http_status other than 200 with a status"
                    .to_owned());
            }
        };
        Ok(match self.delay_ms {
            Some(millis) => outcome.delayed(Duration::from_millis(millis)),
            None => outcome,
        })
    }
}

async fn fcm_script(State(fakes): Shared, script: ScriptBody<FcmOutcomeJson>) -> Response {
    play(script, FcmOutcomeJson::to_outcome, |token, outcomes| fakes.fcm.script(token, outcomes))
}

// ------------------------------------------------------------------------------------------
// ADM
// ------------------------------------------------------------------------------------------

async fn adm_received(State(fakes): Shared) -> Json<Vec<Value>> {
    Json(fakes.adm.received().iter().map(adm_json).collect())
}

fn adm_json(message: &ReceivedAdmMessage) -> Value {
    // Like the APNs fake's: lower-case names, repeated headers joined with ", ".
    let mut headers = BTreeMap::<String, String>::new();
    for (name, value) in &message.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    json!({
        "registration_id": message.registration_id,
        "headers": headers,
        "body": message.body,
        "status": message.status,
        "reason": message.reason,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdmOutcomeJson {
    status: Option<u16>,
    reason: Option<String>,
    canonical_id: Option<String>,
    retry_after: Option<u64>,
    delay_ms: Option<u64>,
}

impl AdmOutcomeJson {
    fn to_outcome(&self) -> Result<AdmOutcome, String> {
        let success = matches!(self.status, None | Some(200));
        match (self.delay_ms, &self.canonical_id, &self.reason) {
            // The library's delay ends in a plain success.
            (Some(millis), None, None) if success && self.retry_after.is_none() => {
                Ok(AdmOutcome::Delay(Duration::from_millis(millis)))
            }
            (None, None, None) if success && self.retry_after.is_none() => Ok(AdmOutcome::Success),
            (None, Some(canonical), None) if success && self.retry_after.is_none() => {
                Ok(AdmOutcome::SuccessWithCanonicalId(canonical.clone()))
            }
            (None, None, Some(reason)) if !success => Ok(AdmOutcome::Error {
                status: self.status.unwrap_or_default(),
                reason: reason.clone(),
                retry_after: self.retry_after,
            }),
            _ => Err("an ADM outcome is {\"status\": 200} (with canonical_id or delay_ms, not both), or a status \
                      other than 200 with a reason"
                .to_owned()),
        }
    }
}

async fn adm_script(State(fakes): Shared, script: ScriptBody<AdmOutcomeJson>) -> Response {
    play(script, AdmOutcomeJson::to_outcome, |token, outcomes| fakes.adm.script(token, outcomes))
}

// ------------------------------------------------------------------------------------------
// Baidu
// ------------------------------------------------------------------------------------------

async fn baidu_received(State(fakes): Shared) -> Json<Vec<Value>> {
    Json(fakes.baidu.received().iter().map(baidu_json).collect())
}

fn baidu_json(message: &ReceivedBaiduMessage) -> Value {
    json!({
        "params": message.params,
        "msg": message.msg,
        "user_agent": message.user_agent,
        "http_status": message.http_status,
        "error_code": message.error_code,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaiduOutcomeJson {
    http_status: Option<u16>,
    error_code: Option<u32>,
    error_msg: Option<String>,
    delay_ms: Option<u64>,
}

impl BaiduOutcomeJson {
    fn to_outcome(&self) -> Result<BaiduOutcome, String> {
        let success = matches!(self.http_status, None | Some(200));
        match (self.error_code, &self.error_msg, self.delay_ms) {
            (None, None, None) if success => Ok(BaiduOutcome::Success),
            // The library's delay ends in a plain success.
            (None, None, Some(millis)) if success => Ok(BaiduOutcome::Delay(Duration::from_millis(millis))),
            (Some(error_code), error_msg, None) => {
                let error_msg = error_msg.clone().unwrap_or_default();
                Ok(match self.http_status {
                    Some(http_status) => BaiduOutcome::Error { http_status, error_code, error_msg },
                    None => BaiduOutcome::error(error_code, &error_msg),
                })
            }
            _ => Err("a Baidu outcome is {\"http_status\": 200}, {\"delay_ms\": …} or an error_code with an \
                      optional error_msg and http_status"
                .to_owned()),
        }
    }
}

async fn baidu_script(State(fakes): Shared, script: ScriptBody<BaiduOutcomeJson>) -> Response {
    play(script, BaiduOutcomeJson::to_outcome, |token, outcomes| fakes.baidu.script(token, outcomes))
}

// ------------------------------------------------------------------------------------------
// SMSC
// ------------------------------------------------------------------------------------------

async fn smsc_submits(State(fakes): Shared) -> Json<Vec<Value>> {
    Json(fakes.smsc.submits().iter().map(smsc_submit_json).collect())
}

fn smsc_submit_json(submit: &RecordedSubmit) -> Value {
    json!({
        "connection": submit.connection,
        "system_id": submit.system_id,
        "sequence": submit.sequence,
        "source": submit.source,
        "source_ton": submit.source_ton,
        "source_npi": submit.source_npi,
        "destination": submit.destination,
        "destination_ton": submit.destination_ton,
        "destination_npi": submit.destination_npi,
        "esm_class": submit.esm_class,
        "data_coding": submit.data_coding,
        "registered_delivery": submit.registered_delivery,
        "short_message_hex": hex(&submit.short_message),
        "udh": submit.udh.map(|udh| json!({"reference": udh.reference, "total": udh.total, "index": udh.index})),
        "text": submit.text,
        "command_status": submit.command_status,
        "message_id": submit.message_id,
        "receipt_id": submit.receipt_id,
        "outcome": submit.outcome.as_ref().map(outcome_name),
    })
}

async fn smsc_receipts(State(fakes): Shared) -> Json<Vec<Value>> {
    Json(fakes.smsc.receipts_sent().iter().map(smsc_receipt_json).collect())
}

fn smsc_receipt_json(receipt: &SentReceipt) -> Value {
    json!({
        "connection": receipt.connection,
        "system_id": receipt.system_id,
        "submit_id": receipt.submit_id,
        "receipt_id": receipt.receipt_id,
        "outcome": outcome_name(&receipt.outcome),
        "source": receipt.source,
        "destination": receipt.destination,
        "text": receipt.text,
        "attempts": receipt.attempts,
        "response_status": receipt.response_status,
    })
}

async fn smsc_status(State(fakes): Shared) -> Json<Value> {
    let smsc = &fakes.smsc;
    let binds: Vec<Value> = smsc
        .binds()
        .iter()
        .map(|bind| {
            json!({"connection": bind.connection, "system_id": bind.system_id, "bind_type": bind.bind_type.as_str()})
        })
        .collect();
    Json(json!({
        "submits": smsc.submit_count(),
        "receipts_sent": smsc.receipts_sent().len(),
        "inbound_sent": smsc.inbound_sent().len(),
        "pending_deliveries": smsc.pending_deliveries(),
        "binds": binds,
        "total_binds_accepted": smsc.total_binds_accepted(),
        "max_outstanding": smsc.max_outstanding(),
    }))
}

fn outcome_name(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Delivered => "delivered",
        Outcome::Undeliverable { .. } => "undeliverable",
        Outcome::Expired => "expired",
        Outcome::Rejected { .. } => "rejected",
        Outcome::Unknown => "unknown",
        Outcome::NoReceipt => "no_receipt",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `{"destination": "…", "outcome": "undeliverable", "err": "001", "submit_status": 11}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SmscScriptJson {
    /// Without it, `outcome` becomes the default for every destination.
    destination: Option<String>,
    outcome: Option<String>,
    err: Option<String>,
    submit_status: Option<u32>,
}

impl SmscScriptJson {
    fn to_outcome(&self) -> Result<Option<Outcome>, String> {
        let err = || self.err.clone().unwrap_or_else(|| "000".to_owned());
        let outcome = match (self.outcome.as_deref(), &self.err) {
            (None, None) => return Ok(None),
            (Some("delivered"), None) => Outcome::Delivered,
            (Some("undeliverable"), _) => Outcome::Undeliverable { err: err() },
            (Some("expired"), None) => Outcome::Expired,
            (Some("rejected"), _) => Outcome::Rejected { err: err() },
            (Some("unknown"), None) => Outcome::Unknown,
            (Some("no_receipt"), None) => Outcome::NoReceipt,
            _ => {
                return Err("outcome is one of delivered, undeliverable, expired, rejected, unknown, no_receipt; \
                            err goes with undeliverable and rejected only"
                    .to_owned());
            }
        };
        Ok(Some(outcome))
    }
}

async fn smsc_script(State(fakes): Shared, body: Result<Json<SmscScriptJson>, JsonRejection>) -> Response {
    let Json(script) = match body {
        Ok(script) => script,
        Err(rejection) => return bad_request(rejection.body_text()),
    };
    let outcome = match script.to_outcome() {
        Ok(outcome) => outcome,
        Err(message) => return bad_request(message),
    };
    if outcome.is_none() && script.submit_status.is_none() {
        return bad_request("give an outcome, a submit_status or both".to_owned());
    }
    if script.submit_status.is_some() && script.destination.is_none() {
        return bad_request("submit_status needs a destination".to_owned());
    }
    match (&script.destination, outcome) {
        (Some(destination), Some(outcome)) => fakes.smsc.set_outcome(destination, outcome),
        (None, Some(outcome)) => fakes.smsc.set_default_outcome(outcome),
        (_, None) => {}
    }
    if let (Some(destination), Some(submit_status)) = (&script.destination, script.submit_status) {
        fakes.smsc.set_submit_status(destination, submit_status);
    }
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SmscInboundJson {
    source: String,
    destination: String,
    text: String,
    system_id: Option<String>,
}

async fn smsc_inbound(State(fakes): Shared, body: Result<Json<SmscInboundJson>, JsonRejection>) -> Response {
    match body {
        Ok(Json(inbound)) => {
            match &inbound.system_id {
                Some(system_id) => {
                    fakes.smsc.inject_inbound_to(system_id, &inbound.source, &inbound.destination, &inbound.text)
                }
                None => fakes.smsc.inject_inbound(&inbound.source, &inbound.destination, &inbound.text),
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(rejection) => bad_request(rejection.body_text()),
    }
}

/// `{"next": 5}` throttles the next five submits; `{"max_per_second": 100}` caps the rate, and
/// 0 lifts the cap.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SmscThrottleJson {
    next: Option<usize>,
    max_per_second: Option<u32>,
}

async fn smsc_throttle(State(fakes): Shared, body: Result<Json<SmscThrottleJson>, JsonRejection>) -> Response {
    match body {
        Ok(Json(SmscThrottleJson { next: None, max_per_second: None })) => {
            bad_request("give next, max_per_second or both".to_owned())
        }
        Ok(Json(throttle)) => {
            if let Some(next) = throttle.next {
                fakes.smsc.throttle_next(next);
            }
            if let Some(max) = throttle.max_per_second {
                fakes.smsc.set_max_rate((max > 0).then_some(max));
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(rejection) => bad_request(rejection.body_text()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SmscRefuseBindsJson {
    refuse: bool,
}

async fn smsc_refuse_binds(State(fakes): Shared, body: Result<Json<SmscRefuseBindsJson>, JsonRejection>) -> Response {
    match body {
        Ok(Json(SmscRefuseBindsJson { refuse })) => {
            fakes.smsc.refuse_binds(refuse);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(rejection) => bad_request(rejection.body_text()),
    }
}

async fn smsc_drop(State(fakes): Shared) -> StatusCode {
    fakes.smsc.drop_connections();
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apns(value: Value) -> Result<ScriptedOutcome, String> {
        serde_json::from_value::<ApnsOutcomeJson>(value).map_err(|error| error.to_string())?.to_outcome()
    }

    fn fcm(value: Value) -> Result<FcmOutcome, String> {
        serde_json::from_value::<FcmOutcomeJson>(value).map_err(|error| error.to_string())?.to_outcome()
    }

    fn adm(value: Value) -> Result<AdmOutcome, String> {
        serde_json::from_value::<AdmOutcomeJson>(value).map_err(|error| error.to_string())?.to_outcome()
    }

    fn baidu(value: Value) -> Result<BaiduOutcome, String> {
        serde_json::from_value::<BaiduOutcomeJson>(value).map_err(|error| error.to_string())?.to_outcome()
    }

    #[test]
    fn apns_outcomes() {
        assert_eq!(
            apns(json!({"status": 410, "reason": "Unregistered"})),
            Ok(ScriptedOutcome::reject(410, "Unregistered"))
        );
        assert_eq!(apns(json!({"status": 200})), Ok(ScriptedOutcome::Success));
        assert_eq!(apns(json!({"drop_connection": true})), Ok(ScriptedOutcome::DropConnection));
        assert_eq!(
            apns(json!({"delay_ms": 20, "status": 500, "reason": "InternalServerError"})),
            Ok(ScriptedOutcome::delayed(
                Duration::from_millis(20),
                ScriptedOutcome::reject(500, "InternalServerError")
            ))
        );
        assert!(apns(json!({"status": 410})).is_err(), "no reason");
        assert!(apns(json!({"status": 200, "reason": "x"})).is_err());
        assert!(apns(json!({"drop_connection": true, "status": 500})).is_err());
        assert!(apns(json!({"stauts": 410})).is_err(), "unknown field");
    }

    #[test]
    fn fcm_outcomes() {
        assert_eq!(
            fcm(json!({"http_status": 404, "status": "NOT_FOUND", "error_code": "UNREGISTERED",
                       "message": "Requested entity was not found."})),
            Ok(FcmOutcome::unregistered())
        );
        assert_eq!(fcm(json!({})), Ok(FcmOutcome::Success));
        assert_eq!(
            fcm(json!({"http_status": 503, "status": "UNAVAILABLE", "delay_ms": 5})),
            Ok(FcmOutcome::error(503, "UNAVAILABLE", "", "").delayed(Duration::from_millis(5)))
        );
        assert!(fcm(json!({"http_status": 404})).is_err(), "no Google status");
        assert!(fcm(json!({"error_code": "UNREGISTERED"})).is_err());
    }

    #[test]
    fn adm_outcomes() {
        assert_eq!(adm(json!({"status": 200})), Ok(AdmOutcome::Success));
        assert_eq!(adm(json!({"canonical_id": "c"})), Ok(AdmOutcome::SuccessWithCanonicalId("c".into())));
        assert_eq!(adm(json!({"delay_ms": 7})), Ok(AdmOutcome::Delay(Duration::from_millis(7))));
        assert_eq!(
            adm(json!({"status": 429, "reason": "MaxRateExceeded", "retry_after": 3})),
            Ok(AdmOutcome::Error { status: 429, reason: "MaxRateExceeded".into(), retry_after: Some(3) })
        );
        assert!(adm(json!({"status": 400})).is_err(), "no reason");
        assert!(adm(json!({"status": 500, "reason": "x", "delay_ms": 1})).is_err(), "only successes are delayed");
    }

    fn smsc(value: Value) -> Result<Option<Outcome>, String> {
        serde_json::from_value::<SmscScriptJson>(value).map_err(|error| error.to_string())?.to_outcome()
    }

    #[test]
    fn smsc_outcomes() {
        assert_eq!(smsc(json!({"destination": "1", "outcome": "delivered"})), Ok(Some(Outcome::Delivered)));
        assert_eq!(
            smsc(json!({"outcome": "undeliverable", "err": "001"})),
            Ok(Some(Outcome::Undeliverable { err: "001".into() }))
        );
        assert_eq!(smsc(json!({"outcome": "rejected"})), Ok(Some(Outcome::Rejected { err: "000".into() })));
        assert_eq!(smsc(json!({"outcome": "no_receipt"})), Ok(Some(Outcome::NoReceipt)));
        assert_eq!(smsc(json!({"destination": "1", "submit_status": 11})), Ok(None));
        assert!(smsc(json!({"outcome": "delivered", "err": "001"})).is_err());
        assert!(smsc(json!({"outcome": "lost"})).is_err());
        assert!(smsc(json!({"outcom": "delivered"})).is_err(), "unknown field");
    }

    #[test]
    fn baidu_outcomes() {
        assert_eq!(baidu(json!({})), Ok(BaiduOutcome::Success));
        assert_eq!(baidu(json!({"error_code": 30608, "error_msg": "m"})), Ok(BaiduOutcome::error(30608, "m")));
        assert_eq!(
            baidu(json!({"error_code": 30600, "http_status": 503})),
            Ok(BaiduOutcome::Error { http_status: 503, error_code: 30600, error_msg: String::new() })
        );
        assert_eq!(baidu(json!({"delay_ms": 3})), Ok(BaiduOutcome::Delay(Duration::from_millis(3))));
        assert!(baidu(json!({"error_msg": "m"})).is_err());
    }
}
