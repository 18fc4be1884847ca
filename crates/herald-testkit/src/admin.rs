//! Runs `herald` admin commands (`herald numbers import`, ...) as the operator would, against a
//! data directory such as a running `TestServer`'s.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `HERALD_BIN`, else the `herald` binary beside the running test, as `TestServer` finds it.
pub fn herald_binary() -> PathBuf {
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

/// Runs `herald <args>` to completion and returns its exit status and output. Neither the test's
/// `HERALD_BIN` nor any other `HERALD_*` variable of the test's environment reaches it.
pub fn run_herald<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(herald_binary());
    command.args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HERALD_") {
            command.env_remove(name);
        }
    }
    command.output().expect("run herald")
}
