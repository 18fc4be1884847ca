//! The control API of `herald-fakes` (documented at the top of `src/bin/herald-fakes.rs`): what
//! each fake received as JSON, scripted answers from JSON, and a reset.
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
use serde::Deserialize;
use serde_json::{Value, json};

/// The running fakes the API controls.
pub struct Fakes {
    pub apns: FakeApns,
    pub fcm: FakeFcm,
    pub adm: FakeAdm,
    pub baidu: FakeBaidu,
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
