//! The herald process under test: spawned from a release binary with its own temporary data
//! directory and a configuration that points every provider at the in-process fakes.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `herald serve`; stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Herald {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Herald's stderr.
    pub log_file: PathBuf,
    binary: PathBuf,
    data_dir: PathBuf,
    config_file: PathBuf,
}

impl Herald {
    /// Starts `binary` with `config` (TOML) in `dir`, `HERALD_LOG=log_filter`.
    pub fn start(binary: &Path, dir: &Path, config: &str, log_filter: &str) -> Result<Herald> {
        let config_file = dir.join("herald.toml");
        std::fs::write(&config_file, config).context("writing herald.toml")?;
        let log_file = dir.join("herald.log");
        let log = std::fs::File::create(&log_file).context("creating herald.log")?;
        let data_dir = dir.join("data");
        let mut child = Command::new(binary)
            .arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--config")
            .arg(&config_file)
            .env("HERALD_LOG", log_filter)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("spawning {}", binary.display()))?;
        let stdout = child.stdout.take().context("herald stdout")?;
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(endpoint) = line.strip_prefix("Herald is listening on ") {
                    let _ = sender.send(endpoint.to_owned());
                }
            }
        });
        let Ok(endpoint) = receiver.recv_timeout(START_TIMEOUT) else {
            let _ = child.kill();
            let status = child.wait().ok();
            // The log goes with the temporary directory: show its end.
            let log = std::fs::read_to_string(&log_file).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect();
            bail!(
                "herald exited or did not start within {START_TIMEOUT:?} (exit status {status:?}); its log ends:\n{}",
                tail.join("\n")
            );
        };
        let (access_key_id, secret_access_key) = read_credentials(&data_dir.join("credentials"))?;
        Ok(Herald {
            child,
            endpoint,
            access_key_id,
            secret_access_key,
            log_file,
            binary: binary.to_owned(),
            data_dir,
            config_file,
        })
    }

    /// Runs the admin command `herald <args> --data-dir … --config …` against this server's
    /// state; answers its standard output, or an error when it fails.
    pub fn admin(&self, args: &[&str]) -> Result<String> {
        let mut command = Command::new(&self.binary);
        command.args(args).arg("--data-dir").arg(&self.data_dir).arg("--config").arg(&self.config_file);
        // The command reads its configuration from the file only, like the server.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("HERALD_") {
                command.env_remove(name);
            }
        }
        let output = command.stdin(Stdio::null()).output().with_context(|| format!("running herald {args:?}"))?;
        if !output.status.success() {
            bail!("herald {args:?} failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim());
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// The embedded database herald keeps in its data directory.
    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.data_dir.join("herald.db").display())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Herald {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: signalling our own child process has no memory-safety preconditions.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        for _ in 0..50 {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// (access key id, secret) from the AWS shared-credentials file herald wrote.
fn read_credentials(path: &Path) -> Result<(String, String)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key).and_then(|rest| rest.trim_start().strip_prefix('=')))
            .map(|value| value.trim().to_owned())
            .with_context(|| format!("{key} missing from {}", path.display()))
    };
    Ok((value("aws_access_key_id")?, value("aws_secret_access_key")?))
}

/// `--herald-bin`, else `herald` beside this executable (`cargo build --release -p herald-server
/// -p herald-bench` puts both in `target/release/`).
pub fn binary(explicit: Option<PathBuf>) -> Result<PathBuf> {
    let path = match explicit {
        Some(path) => path,
        None => std::env::current_exe().context("locating herald-bench")?.with_file_name("herald"),
    };
    if !path.is_file() {
        bail!(
            "{} does not exist: run `cargo build --release -p herald-server -p herald-bench` or pass --herald-bin",
            path.display()
        );
    }
    Ok(path)
}
