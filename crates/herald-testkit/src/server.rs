//! Starts the real `herald` binary in a temporary data directory and stops it afterwards.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long the server may take to print its listening line.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `herald serve`, killed when dropped.
pub struct TestServer {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    pub account_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    launch: Launch,
    data_dir: tempfile::TempDir,
    /// The scratch PostgreSQL database, when the tests run on PostgreSQL.
    database: Option<ScratchDatabase>,
}

/// `HERALD_TEST_DATABASE=postgres` runs every test server on a PostgreSQL database of its own,
/// created on the server `HERALD_TEST_POSTGRES_URL` names (the local one by default) and
/// dropped when the test server is.
const DATABASE_VARIABLE: &str = "HERALD_TEST_DATABASE";
const POSTGRES_URL_VARIABLE: &str = "HERALD_TEST_POSTGRES_URL";
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

struct ScratchDatabase {
    /// The maintenance database's URL, where the scratch one is created and dropped.
    admin_url: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// A new database when the tests run on PostgreSQL; None on the embedded default.
    fn create_if_asked() -> Option<ScratchDatabase> {
        match std::env::var(DATABASE_VARIABLE).ok().as_deref() {
            None | Some("") | Some("sqlite") => return None,
            Some("postgres") => {}
            Some(other) => panic!("{DATABASE_VARIABLE}={other:?}: expected \"sqlite\" or \"postgres\""),
        }
        let admin_url = std::env::var(POSTGRES_URL_VARIABLE).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_string());
        let name = format!("herald_e2e_{}", uuid::Uuid::new_v4().simple());
        psql(&admin_url, &format!("CREATE DATABASE {name}"));
        let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin_url);
        let url = format!("{base}/{name}");
        Some(ScratchDatabase { admin_url, name, url })
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(|| {
            psql(&self.admin_url, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
        });
    }
}

/// Runs one statement with `psql`.
fn psql(url: &str, statement: &str) {
    let output = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", statement])
        .output()
        .expect("run psql (the PostgreSQL client) for a scratch database");
    assert!(output.status.success(), "psql {statement:?}: {}", String::from_utf8_lossy(&output.stderr));
}

#[derive(Default)]
pub struct TestServerBuilder {
    config: Option<String>,
    env: Vec<(String, String)>,
}

impl TestServerBuilder {
    /// TOML written to a file and passed with `--config`.
    pub fn config(mut self, toml: impl Into<String>) -> Self {
        self.config = Some(toml.into());
        self
    }

    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    pub fn start(self) -> TestServer {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        let config_path = self.config.as_ref().map(|config| {
            let path = data_dir.path().join("herald.toml");
            std::fs::write(&path, config).expect("write test config");
            path
        });
        let database = ScratchDatabase::create_if_asked();
        let launch = Launch {
            data_dir: data_dir.path().join("data"),
            config_path,
            env: self.env,
            database_url: database.as_ref().map(|database| database.url.clone()),
        };
        let (child, endpoint) = launch.spawn("127.0.0.1:0");
        let credentials = read_credentials(&data_dir.path().join("data/credentials"));
        TestServer {
            child: Some(child),
            endpoint,
            account_id: credentials.0,
            access_key_id: credentials.1,
            secret_access_key: credentials.2,
            launch,
            data_dir,
            database,
        }
    }
}

/// How a server is started, kept to start it again on the same state.
struct Launch {
    data_dir: PathBuf,
    config_path: Option<PathBuf>,
    env: Vec<(String, String)>,
    database_url: Option<String>,
}

impl Launch {
    /// Spawns `herald serve` and waits for its listening line; answers the process and endpoint.
    fn spawn(&self, listen: &str) -> (Child, String) {
        let mut command = Command::new(herald_binary());
        command
            .arg("serve")
            .arg("--listen")
            .arg(listen)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // The test's own variables (HERALD_BIN, HERALD_TEST_*) are no configuration keys of the
        // server's, which refuses unknown HERALD_* variables.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("HERALD_") {
                command.env_remove(name);
            }
        }
        command.env("HERALD_LOG", "warn");
        if let Some(path) = &self.config_path {
            command.arg("--config").arg(path);
        }
        if let Some(url) = &self.database_url {
            command.arg("--database-url").arg(url);
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("spawn herald");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(endpoint) = line.strip_prefix("Herald is listening on ") {
                    let _ = sender.send(endpoint.to_string());
                }
            }
        });
        match receiver.recv_timeout(START_TIMEOUT) {
            Ok(endpoint) => (child, endpoint),
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().ok();
                panic!(
                    "herald did not start (waited at most {START_TIMEOUT:?}; exit status {status:?}); see its stderr above"
                );
            }
        }
    }
}

impl TestServer {
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    pub fn start() -> TestServer {
        Self::builder().start()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.path().join("data")
    }

    /// The `--data-dir` and `--config` arguments an admin command needs to act on this server's
    /// state.
    pub fn state_args(&self) -> Vec<String> {
        let mut args = vec!["--data-dir".to_string(), self.data_dir().display().to_string()];
        if let Some(path) = &self.launch.config_path {
            args.push("--config".to_string());
            args.push(path.display().to_string());
        }
        if let Some(url) = &self.launch.database_url {
            args.push("--database-url".to_string());
            args.push(url.clone());
        }
        args
    }

    /// Kills the server with SIGKILL (no chance to finish anything) and waits for it to die.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same state and address, after `kill` or a crash.
    pub fn restart(&mut self) {
        self.kill();
        let listen = self.endpoint.trim_start_matches("http://").to_string();
        let (child, endpoint) = self.launch.spawn(&listen);
        self.child = Some(child);
        self.endpoint = endpoint;
    }

    /// Sends SIGTERM and waits; returns whether the server exited successfully.
    pub fn stop(mut self) -> bool {
        let Some(mut child) = self.child.take() else { return false };
        terminate(&child);
        child.wait().map(|status| status.success()).unwrap_or(false)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&child);
            let _ = child.wait();
        }
        // The scratch database goes after the server that used it.
        self.database.take();
    }
}

fn terminate(child: &Child) {
    let Ok(pid) = i32::try_from(child.id()) else { return };
    // SAFETY: sending a signal to a child process we own has no memory-safety preconditions.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
}

/// `HERALD_BIN`, else the `herald` binary beside the running test (cargo puts both in
/// `target/<profile>/`; the test script builds the workspace first).
fn herald_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("HERALD_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current test executable");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
    let binary = profile_dir.join("herald");
    assert!(
        binary.exists(),
        "{} does not exist: run `cargo build -p herald-server` first or set HERALD_BIN",
        binary.display()
    );
    binary
}

/// (account id, access key id, secret) from the credentials file the server wrote.
fn read_credentials(path: &Path) -> (String, String, String) {
    let text = std::fs::read_to_string(path).expect("credentials file");
    let value = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key).and_then(|rest| rest.trim_start().strip_prefix('=')))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("{key} missing from {}", path.display()))
    };
    let account = text
        .lines()
        .find_map(|line| line.strip_prefix("# Herald root account "))
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    (account, value("aws_access_key_id"), value("aws_secret_access_key"))
}
