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
        let launch = Launch { data_dir: data_dir.path().join("data"), config_path, env: self.env };
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
        }
    }
}

/// How a server is started, kept to start it again on the same state.
struct Launch {
    data_dir: PathBuf,
    config_path: Option<PathBuf>,
    env: Vec<(String, String)>,
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
            .env("HERALD_LOG", "warn")
            // The test's own variable is no configuration key of the server's.
            .env_remove("HERALD_BIN")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(path) = &self.config_path {
            command.arg("--config").arg(path);
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
