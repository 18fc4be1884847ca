//! `herald-fakes [--dir DIR] [--smsc-port PORT] [--smsc-system-id ID] [--smsc-password PASSWORD]`:
//! the fake APNs, FCM, ADM and Baidu servers and the fake SMSC of `herald_testkit::fakes` as one
//! process, for tests that drive a separately started Herald (the boto3 and AWS CLI suites) and
//! for manual SMPP work.
//!
//! Everything listens on 127.0.0.1 with ports chosen by the system, but for the SMSC's when
//! `--smsc-port` (or `HERALD_FAKES_SMSC_PORT`) gives one. The SMSC accepts one account,
//! `--smsc-system-id` / `HERALD_FAKES_SMSC_SYSTEM_ID` (default `herald`) with `--smsc-password`
//! / `HERALD_FAKES_SMSC_PASSWORD` (default `secret`). Once all servers are up it writes these
//! files into DIR (created if missing; a fresh temporary directory, removed on exit, without
//! `--dir`), prints one line `herald-fakes ready: DIR/fakes.json`, then one line
//! `herald-fakes smsc: 127.0.0.1:PORT system_id=ID password=PASSWORD`, and serves until SIGINT or
//! SIGTERM:
//!
//! - `ca.pem`: the CA of the fake APNs' TLS certificate (FCM, ADM and Baidu are plain HTTP).
//! - `apns-token-key.p8`: the APNs token signing key the fake APNs accepts (with the key id and
//!   team id in `fakes.json`).
//! - `apns-certificate.pem`, `apns-private-key.pem`: a self-signed "Apple Push Services"
//!   certificate for the bundle id and its key; the fake APNs also accepts it as a TLS client
//!   certificate.
//! - `service-account.json`: a Firebase service account the fake FCM accepts (UpdateGcmChannel's
//!   `ServiceJson`); its `token_uri` is the fake's token endpoint.
//! - `herald.toml`: the `[providers]` section pointing Herald at the fakes, for
//!   `herald serve --config DIR/herald.toml`.
//! - `fakes.json`, written last:
//!
//! ```json
//! {"dir": "DIR", "control_url": "http://127.0.0.1:P", "herald_toml": "DIR/herald.toml",
//!  "ca_file": "DIR/ca.pem",
//!  "apns": {"url": "https://127.0.0.1:P", "key_id": "…", "team_id": "…", "bundle_id": "…",
//!           "token_key_file": "…", "certificate_file": "…", "private_key_file": "…"},
//!  "fcm": {"base_url": "http://127.0.0.1:P", "token_uri": "…", "project_id": "…",
//!          "client_email": "…", "service_account_file": "…"},
//!  "adm": {"token_url": "…", "base_url": "…", "client_id": "…", "client_secret": "…"},
//!  "baidu": {"base_url": "…", "api_key": "…", "secret_key": "…"},
//!  "smsc": {"address": "127.0.0.1:P", "host": "127.0.0.1", "port": P, "system_id": "…",
//!           "password": "…"}}
//! ```
//!
//! The control API at `control_url` (JSON in and out):
//!
//! - `GET /{apns,fcm,adm,baidu}/received`: an array of the requests each fake received, in
//!   arrival order, whatever it answered.
//!   - apns: `{"device_token", "headers": {lower-case name: value}, "payload" (JSON or null),
//!     "raw_payload" (text), "auth": {"type": "token", "key_id", "team_id", "issued_at"} |
//!     {"type": "certificate", "subject"} | {"type": "malformed", "authorization"} |
//!     {"type": "none"}, "answered_status" (0 for a dropped connection), "answered_reason",
//!     "answered_apns_id"}`
//!   - fcm: `{"project_id", "bearer_token", "message", "http_status", "error_code"}`
//!   - adm: `{"registration_id", "headers", "body", "status", "reason"}`
//!   - baidu: `{"params", "msg" (decoded JSON or null), "user_agent", "http_status",
//!     "error_code"}`
//! - `POST /{apns,fcm,adm,baidu}/script` `{"token": "…", "outcomes": [outcome, …]}`: the answers to
//!   the next requests for that device token (ADM: registration id, Baidu: channel id) that pass
//!   the fake's checks, one each, in order; later ones succeed again. An outcome is
//!   - apns: `{"status": 410, "reason": "Unregistered"}`, `{"status": 200}` or
//!     `{"drop_connection": true}`, each with an optional `"delay_ms"`;
//!   - fcm: `{"http_status": 404, "status": "NOT_FOUND", "error_code": "UNREGISTERED",
//!     "message": "…", "retry_after": 10}` (only `http_status` and `status` required) or
//!     `{"http_status": 200}`, each with an optional `"delay_ms"`;
//!   - adm: `{"status": 400, "reason": "InvalidRegistrationId", "retry_after": 10}`,
//!     `{"status": 200}`, `{"status": 200, "canonical_id": "…"}` or `{"delay_ms": 5000}` (a late
//!     success);
//!   - baidu: `{"error_code": 30608, "error_msg": "…", "http_status": 404}` (`http_status`
//!     defaults to Baidu's for the code), `{"http_status": 200}` or `{"delay_ms": 5000}`.
//!
//!   Answers 204, or 400 with `{"error": "…"}` when the body or an outcome is not one of these.
//! - The SMSC (SMPP 3.4; the fake's defaults: hex message ids, receipts 100 ms after the
//!   submit_sm_resp, outcome DELIVRD). Each POST answers 204, or 400 with `{"error": "…"}`:
//!   - `GET /smsc/submits`: every submit_sm in arrival order, `{"connection", "system_id",
//!     "sequence", "source", "source_ton", "source_npi", "destination", "destination_ton",
//!     "destination_npi", "esm_class", "data_coding", "registered_delivery",
//!     "short_message_hex", "udh": {"reference", "total", "index"} | null, "text" (decoded, or
//!     null), "command_status", "message_id", "receipt_id", "outcome"}`.
//!   - `GET /smsc/receipts`: delivery receipts sent, `{"connection", "system_id", "submit_id",
//!     "receipt_id", "outcome", "source", "destination", "text", "attempts",
//!     "response_status"}`.
//!   - `GET /smsc/status`: `{"submits", "receipts_sent", "inbound_sent", "pending_deliveries",
//!     "binds": [{"connection", "system_id", "bind_type"}], "total_binds_accepted",
//!     "max_outstanding"}`.
//!   - `POST /smsc/script` `{"destination": "+1555…", "outcome": "delivered" | "undeliverable" |
//!     "expired" | "rejected" | "unknown" | "no_receipt", "err": "001", "submit_status": 11}`:
//!     the receipt outcome (`err` with undeliverable and rejected, default "000") and/or the
//!     submit_sm_resp command_status (0 accepts again) for every later message to that number;
//!     without `destination`, `outcome` becomes the default for all numbers.
//!   - `POST /smsc/inbound` `{"source", "destination", "text", "system_id" (optional)}`: a
//!     mobile-originated deliver_sm on a receiving bind (queued until one is up).
//!   - `POST /smsc/throttle` `{"next": 5, "max_per_second": 100}`: ESME_RTHROTTLED for the next
//!     five submits and/or above that rate (0 lifts the cap).
//!   - `POST /smsc/refuse_binds` `{"refuse": true}`, `POST /smsc/drop` (closes every SMPP
//!     connection at once).
//! - `POST /reset`: forgets every received request and unused script (204). Credentials stay.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use herald_push::credentials::test_material::{
    CertificateKeyAlgorithm, apns_certificate, apns_token_key_p8, fcm_service_account_json,
};
use herald_testkit::fakes::adm::FakeAdm;
use herald_testkit::fakes::apns::{FakeApns, FakeApnsConfig};
use herald_testkit::fakes::baidu::FakeBaidu;
use herald_testkit::fakes::fcm::FakeFcm;
use herald_testkit::fakes::smsc::{FakeSmsc, FakeSmscConfig};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use tokio::signal::unix::{SignalKind, signal};

#[path = "../control/mod.rs"]
mod control;

use control::Fakes;

// Fixed, recognisable credentials: these are fakes, and tests read them from fakes.json anyway.
const APNS_KEY_ID: &str = "FAKEKEY123";
const APNS_TEAM_ID: &str = "FAKETEAM12";
const APNS_BUNDLE_ID: &str = "com.example.herald";
const FCM_PROJECT_ID: &str = "herald-fakes";
const ADM_CLIENT_ID: &str = "amzn1.application-oa2-client.herald-fakes";
const ADM_CLIENT_SECRET: &str = "herald-fakes-adm-client-secret";
const BAIDU_API_KEY: &str = "heraldFakesBaiduApiKey";
const BAIDU_SECRET_KEY: &str = "heraldFakesBaiduSecretKey";

const USAGE: &str =
    "usage: herald-fakes [--dir DIR] [--smsc-port PORT] [--smsc-system-id ID] [--smsc-password PASSWORD]";

/// The command line, with the SMSC's settings already defaulted from the environment.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    dir: Option<PathBuf>,
    smsc_port: u16,
    smsc_system_id: String,
    smsc_password: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("herald-fakes: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let args = parse_args(std::env::args().skip(1), |name| std::env::var(name).ok())?;
    // Without --dir the files are only good for this run: the directory goes away on exit.
    let (dir, _temporary) = match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(|error| format!("creating {}: {error}", dir.display()))?;
            (dir, None)
        }
        None => {
            let temporary = tempfile::Builder::new()
                .prefix("herald-fakes-")
                .tempdir()
                .map_err(|error| format!("creating a temporary directory: {error}"))?;
            (temporary.path().to_path_buf(), Some(temporary))
        }
    };
    // Absolute paths, because Herald and the tests may run in another working directory.
    let dir = std::path::absolute(&dir).map_err(|error| format!("resolving {}: {error}", dir.display()))?;

    // Listen for signals before announcing readiness, so an early SIGTERM is not lost.
    let mut terminate = signal(SignalKind::terminate()).map_err(|error| format!("SIGTERM handler: {error}"))?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(|error| format!("SIGINT handler: {error}"))?;

    let token_key = apns_token_key_p8();
    let now = OffsetDateTime::now_utc();
    // EC rather than Apple's RSA: much cheaper to generate, and Herald accepts both.
    let certificate = apns_certificate(
        APNS_BUNDLE_ID,
        CertificateKeyAlgorithm::EcP256,
        now - Duration::days(1),
        now + Duration::days(365),
    );
    let apns = FakeApns::start(FakeApnsConfig {
        token_keys: vec![(APNS_KEY_ID.to_owned(), APNS_TEAM_ID.to_owned(), token_key.clone())],
        // A self-signed certificate is its own issuer, so trusting it accepts exactly it.
        client_ca_pem: Some(certificate.certificate_pem.clone()),
        ..FakeApnsConfig::default()
    })
    .await;

    let fcm = FakeFcm::start().await;
    let service_json = fcm_service_account_json(FCM_PROJECT_ID, &fcm.token_uri());
    let account: serde_json::Value =
        serde_json::from_str(&service_json).map_err(|error| format!("generated service account: {error}"))?;
    let (Some(client_email), Some(private_key)) = (account["client_email"].as_str(), account["private_key"].as_str())
    else {
        return Err("the generated service account lacks client_email or private_key".to_owned());
    };
    fcm.register_service_account(client_email, private_key);

    let adm = FakeAdm::start().await;
    adm.register_client(ADM_CLIENT_ID, ADM_CLIENT_SECRET);
    let baidu = FakeBaidu::start().await;
    baidu.register_app(BAIDU_API_KEY, BAIDU_SECRET_KEY);
    let smsc = FakeSmsc::try_start(FakeSmscConfig {
        address: std::net::SocketAddr::from(([127, 0, 0, 1], args.smsc_port)),
        ..FakeSmscConfig::with_credentials(&args.smsc_system_id, &args.smsc_password)
    })
    .await
    .map_err(|error| format!("starting the fake SMSC on 127.0.0.1:{}: {error}", args.smsc_port))?;
    let smsc_address = smsc.address();

    let file = |name: &str| dir.join(name);
    write(&file("ca.pem"), &apns.ca_pem())?;
    write(&file("apns-token-key.p8"), &token_key)?;
    write(&file("apns-certificate.pem"), &certificate.certificate_pem)?;
    write(&file("apns-private-key.pem"), &certificate.private_key_pem)?;
    write(&file("service-account.json"), &service_json)?;
    write(&file("herald.toml"), &herald_toml(&file("ca.pem"), &apns, &fcm, &adm, &baidu))?;

    let fakes = Arc::new(Fakes { apns, fcm, adm, baidu, smsc });
    let control_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|error| format!("binding the control API to 127.0.0.1: {error}"))?;
    let control_address =
        control_listener.local_addr().map_err(|error| format!("the control API's address: {error}"))?;
    let path = |name: &str| file(name).display().to_string();
    let description = json!({
        "dir": dir.display().to_string(),
        "control_url": format!("http://{control_address}"),
        "herald_toml": path("herald.toml"),
        "ca_file": path("ca.pem"),
        "apns": {
            "url": fakes.apns.base_url(),
            "key_id": APNS_KEY_ID,
            "team_id": APNS_TEAM_ID,
            "bundle_id": APNS_BUNDLE_ID,
            "token_key_file": path("apns-token-key.p8"),
            "certificate_file": path("apns-certificate.pem"),
            "private_key_file": path("apns-private-key.pem"),
        },
        "fcm": {
            "base_url": fakes.fcm.base_url(),
            "token_uri": fakes.fcm.token_uri(),
            "project_id": FCM_PROJECT_ID,
            "client_email": client_email,
            "service_account_file": path("service-account.json"),
        },
        "adm": {
            "token_url": fakes.adm.token_url(),
            "base_url": fakes.adm.base_url(),
            "client_id": ADM_CLIENT_ID,
            "client_secret": ADM_CLIENT_SECRET,
        },
        "baidu": {
            "base_url": fakes.baidu.base_url(),
            "api_key": BAIDU_API_KEY,
            "secret_key": BAIDU_SECRET_KEY,
        },
        "smsc": {
            "address": smsc_address.to_string(),
            "host": smsc_address.ip().to_string(),
            "port": smsc_address.port(),
            "system_id": args.smsc_system_id,
            "password": args.smsc_password,
        },
    });
    // Written under another name and renamed, so a reader never sees half a file.
    let pretty = serde_json::to_string_pretty(&description).map_err(|error| format!("fakes.json: {error}"))?;
    write(&file("fakes.json.partial"), &pretty)?;
    std::fs::rename(file("fakes.json.partial"), file("fakes.json"))
        .map_err(|error| format!("renaming fakes.json into place: {error}"))?;

    // The one line a starter waits for; println! flushes stdout at the newline only on a
    // terminal, so flush explicitly for pipes.
    println!("herald-fakes ready: {}", file("fakes.json").display());
    // After the ready line, which starters expect first.
    println!("herald-fakes smsc: {smsc_address} system_id={} password={}", args.smsc_system_id, args.smsc_password);
    std::io::Write::flush(&mut std::io::stdout()).map_err(|error| format!("writing stdout: {error}"))?;

    // The listener is bound already: requests that arrive before this point wait in its queue.
    let stop = async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    };
    axum::serve(control_listener, control::router(fakes))
        .with_graceful_shutdown(stop)
        .await
        .map_err(|error| format!("control API: {error}"))
}

/// The options, each at most once; the SMSC's fall back to `env` (`HERALD_FAKES_SMSC_*`), then
/// to the defaults.
fn parse_args(mut args: impl Iterator<Item = String>, env: impl Fn(&str) -> Option<String>) -> Result<Args, String> {
    let mut dir = None;
    let mut smsc_port = None;
    let mut smsc_system_id = None;
    let mut smsc_password = None;
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--dir" => &mut dir,
            "--smsc-port" => &mut smsc_port,
            "--smsc-system-id" => &mut smsc_system_id,
            "--smsc-password" => &mut smsc_password,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
        };
        match args.next() {
            Some(_) if slot.is_some() => return Err(format!("{arg} given twice\n{USAGE}")),
            Some(value) => *slot = Some(value),
            None => return Err(format!("{arg} needs a value\n{USAGE}")),
        }
    }
    let smsc_port = match smsc_port.or_else(|| env("HERALD_FAKES_SMSC_PORT")) {
        Some(port) => port.parse().map_err(|_| format!("SMSC port {port:?} is not a port number\n{USAGE}"))?,
        None => 0,
    };
    Ok(Args {
        dir: dir.map(PathBuf::from),
        smsc_port,
        smsc_system_id: smsc_system_id
            .or_else(|| env("HERALD_FAKES_SMSC_SYSTEM_ID"))
            .unwrap_or_else(|| "herald".to_owned()),
        smsc_password: smsc_password
            .or_else(|| env("HERALD_FAKES_SMSC_PASSWORD"))
            .unwrap_or_else(|| "secret".to_owned()),
    })
}

fn write(path: &Path, contents: &str) -> Result<(), String> {
    std::fs::write(path, contents).map_err(|error| format!("writing {}: {error}", path.display()))
}

/// Herald's `[providers]` configuration for these fakes.
fn herald_toml(ca_file: &Path, apns: &FakeApns, fcm: &FakeFcm, adm: &FakeAdm, baidu: &FakeBaidu) -> String {
    // A JSON string is also a valid TOML basic string (same quotes and escapes), which saves a
    // TOML dependency and escapes any path correctly.
    let quote = |value: &str| serde_json::Value::from(value).to_string();
    let apns_url = quote(&apns.base_url());
    [
        "# Written by herald-fakes: Herald's push providers are the local fakes.".to_owned(),
        "[providers]".to_owned(),
        format!("extra_ca_file = {}", quote(&ca_file.display().to_string())),
        "[providers.apns]".to_owned(),
        format!("production_url = {apns_url}"),
        format!("sandbox_url = {apns_url}"),
        "[providers.fcm]".to_owned(),
        format!("base_url = {}", quote(&fcm.base_url())),
        "[providers.adm]".to_owned(),
        format!("token_url = {}", quote(&adm.token_url())),
        format!("base_url = {}", quote(&adm.base_url())),
        "[providers.baidu]".to_owned(),
        format!("base_url = {}", quote(&baidu.base_url())),
        String::new(),
    ]
    .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(values: &[&str]) -> impl Iterator<Item = String> {
        values.iter().map(|value| (*value).to_owned()).collect::<Vec<_>>().into_iter()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn arguments() {
        let defaults =
            Args { dir: None, smsc_port: 0, smsc_system_id: "herald".to_owned(), smsc_password: "secret".to_owned() };
        assert_eq!(parse_args(args(&[]), no_env), Ok(defaults));
        let parsed = parse_args(args(&["--dir", "x"]), no_env).expect("valid");
        assert_eq!(parsed.dir, Some(PathBuf::from("x")));
        assert!(parse_args(args(&["--dir"]), no_env).is_err());
        assert!(parse_args(args(&["--dir", "a", "--dir", "b"]), no_env).is_err());
        assert!(parse_args(args(&["--port", "1"]), no_env).is_err());
    }

    #[test]
    fn smsc_arguments_and_environment() {
        let parsed =
            parse_args(args(&["--smsc-port", "2775", "--smsc-system-id", "esme", "--smsc-password", "pw"]), no_env)
                .expect("valid");
        assert_eq!(
            (parsed.smsc_port, parsed.smsc_system_id.as_str(), parsed.smsc_password.as_str()),
            (2775, "esme", "pw")
        );
        let env = |name: &str| match name {
            "HERALD_FAKES_SMSC_PORT" => Some("2776".to_owned()),
            "HERALD_FAKES_SMSC_PASSWORD" => Some("fromenv".to_owned()),
            _ => None,
        };
        let parsed = parse_args(args(&["--smsc-port", "2777"]), env).expect("valid");
        assert_eq!(
            (parsed.smsc_port, parsed.smsc_password.as_str()),
            (2777, "fromenv"),
            "flags before the environment"
        );
        assert!(parse_args(args(&["--smsc-port", "many"]), no_env).is_err());
    }
}
