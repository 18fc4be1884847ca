//! `type = "file"`: JSON lines appended to a file, rotated by size.
//!
//! Rotation renames `events.jsonl` to `events.jsonl.1`, after shifting `.1` to `.2` and so on up
//! to `keep` (the oldest is deleted), then starts a new file. Each delivered slice is synced to
//! disk before `deliver` returns, so an acknowledged event survives a crash.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::config::FileConfig;
use crate::error::SinkError;
use crate::{Sink, SinkEvent};

const KIND: &str = "file";

/// Appends events to one file.
pub struct FileSink {
    arn: String,
    // Writes are blocking file I/O run on tokio's blocking pool, which needs owned state.
    state: Arc<Mutex<FileState>>,
}

struct FileState {
    path: PathBuf,
    max_bytes: u64,
    keep: u32,
    /// The open file and its size; None until first use and after a failed write, so that
    /// the next delivery starts from what is really on disk.
    open: Option<(File, u64)>,
}

impl FileSink {
    /// Touches nothing: the file is opened (and its directory created) on first delivery.
    pub fn new(arn: &str, config: &FileConfig) -> Self {
        FileSink {
            arn: arn.to_string(),
            state: Arc::new(Mutex::new(FileState {
                path: config.path.clone(),
                max_bytes: config.max_bytes,
                keep: config.keep,
                open: None,
            })),
        }
    }
}

#[async_trait]
impl Sink for FileSink {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn deliver(&self, events: &[SinkEvent]) -> Result<(), SinkError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut lines = Vec::with_capacity(events.len());
        for event in events {
            let mut line = serde_json::to_vec(&event.body).map_err(|error| {
                SinkError::permanent(&self.arn, KIND, format!("cannot encode the record: {error}"))
                    .with_event(&event.event_id)
            })?;
            line.push(b'\n');
            lines.push(line);
        }

        let state = Arc::clone(&self.state);
        let written = tokio::task::spawn_blocking(move || {
            // A panic while the lock was held left nothing half-done that `open = None` does
            // not repair, so a poisoned lock is taken over.
            let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let result = state.append(&lines);
            if result.is_err() {
                state.open = None;
            }
            result.map_err(|error| (state.path.clone(), error))
        })
        .await;

        match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err((path, error))) => Err(io_error(&self.arn, &path, &error)),
            Err(join_error) => {
                Err(SinkError::retryable(&self.arn, KIND, format!("the writer task failed: {join_error}")))
            }
        }
    }
}

/// Disk full, a full quota or an interrupted write may clear up on their own; a missing
/// permission or a read-only file system need the operator. Either way the outbox keeps the
/// events and retries.
fn io_error(arn: &str, path: &Path, error: &io::Error) -> SinkError {
    let message = format!("{}: {error}", path.display());
    match error.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::IsADirectory => {
            SinkError::permanent(arn, KIND, message)
        }
        _ => SinkError::retryable(arn, KIND, message),
    }
}

impl FileState {
    fn append(&mut self, lines: &[Vec<u8>]) -> io::Result<()> {
        let (mut file, mut size) = match self.open.take() {
            Some(open) => open,
            None => open_for_append(&self.path)?,
        };
        let mut pending = Vec::new();
        for line in lines {
            let used = size + pending.len() as u64;
            // A line longer than max_bytes still goes into a file of its own.
            if used > 0 && used + line.len() as u64 > self.max_bytes {
                file.write_all(&pending)?;
                // The lines already written belong to this slice: they must be on disk before
                // the file is renamed away, or a crash after the acknowledgement loses them.
                file.sync_data()?;
                drop(file);
                self.rotate()?;
                (file, size) = open_for_append(&self.path)?;
                pending.clear();
            }
            pending.extend_from_slice(line);
        }
        file.write_all(&pending)?;
        file.sync_data()?;
        size += pending.len() as u64;
        self.open = Some((file, size));
        Ok(())
    }

    /// `path.(keep-1)` → `path.keep` (replacing it), ..., `path.1` → `path.2`, `path` → `path.1`.
    fn rotate(&self) -> io::Result<()> {
        for generation in (1..self.keep).rev() {
            let from = rotated(&self.path, generation);
            match fs::rename(&from, rotated(&self.path, generation + 1)) {
                Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
                _ => {}
            }
        }
        fs::rename(&self.path, rotated(&self.path, 1))?;
        sync_directory(&self.path)
    }
}

fn rotated(path: &Path, generation: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{generation}"));
    PathBuf::from(name)
}

/// Opens (creating it and its directory) the file for appending and returns it with its size.
fn open_for_append(path: &Path) -> io::Result<(File, u64)> {
    if let Some(directory) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        fs::create_dir_all(directory)?;
    }
    let mut file = OpenOptions::new().read(true).append(true).create(true).open(path)?;
    let mut size = file.metadata()?.len();
    if size == 0 {
        // A new file's directory entry must survive a crash as well as its contents.
        sync_directory(path)?;
    } else {
        // A crash in the middle of a write can leave a partial last line; the next record
        // must not be glued to it.
        let mut last = [0u8; 1];
        file.seek(SeekFrom::End(-1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            file.write_all(b"\n")?;
            size += 1;
        }
    }
    Ok((file, size))
}

fn sync_directory(path: &Path) -> io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // Directories can be opened and synced on Unix only; elsewhere renames are left to the OS.
    if cfg!(unix) { File::open(directory)?.sync_all() } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(n: usize) -> SinkEvent {
        SinkEvent {
            event_id: format!("e-{n}"),
            ordering_key: "m-1".to_string(),
            body: json!({ "eventType": "TEXT_DELIVERED", "n": n, "pad": "x".repeat(80) }),
        }
    }

    fn read_lines(path: &Path) -> Vec<serde_json::Value> {
        fs::read_to_string(path)
            .expect("readable")
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is one JSON record"))
            .collect()
    }

    fn numbers(path: &Path) -> Vec<u64> {
        read_lines(path).iter().map(|record| record["n"].as_u64().expect("n")).collect()
    }

    fn sink(path: &Path, max_bytes: u64, keep: u32) -> FileSink {
        FileSink::new(
            "arn:aws:logs:us-east-1:1:log-group:test",
            &FileConfig { path: path.to_path_buf(), max_bytes, keep },
        )
    }

    #[tokio::test]
    async fn appends_compact_lines_across_deliveries_and_reopens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("events.jsonl");
        let events: Vec<SinkEvent> = (0..3).map(event).collect();
        sink(&path, 1 << 20, 5).deliver(&events).await.expect("delivered");
        // A new sink (a restart) appends to the same file.
        let second = sink(&path, 1 << 20, 5);
        second.deliver(&[event(3)]).await.expect("delivered");
        second.deliver(&[]).await.expect("nothing to deliver");

        let text = fs::read_to_string(&path).expect("readable");
        assert_eq!(text.lines().count(), 4);
        assert!(text.ends_with('\n'));
        assert_eq!(text.lines().next(), Some(serde_json::to_string(&events[0].body).expect("json").as_str()));
        assert!(!text.contains(": "), "compact JSON: {text}");
        assert_eq!(numbers(&path), vec![0, 1, 2, 3]);
    }

    #[tokio::test]
    async fn a_partial_last_line_is_ended_before_appending() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("events.jsonl");
        fs::write(&path, "{\"n\":0}\n{\"n\":1,\"tru").expect("write");
        sink(&path, 1 << 20, 5).deliver(&[event(2)]).await.expect("delivered");
        let text = fs::read_to_string(&path).expect("readable");
        let last = text.lines().last().expect("a line");
        assert_eq!(serde_json::from_str::<serde_json::Value>(last).expect("json")["n"], 2);
    }

    #[tokio::test]
    async fn rotates_by_size_and_keeps_only_keep_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("events.jsonl");
        let line_len = serde_json::to_vec(&event(0).body).expect("json").len() as u64 + 1;
        // Three lines fit in a file, the fourth starts a new one.
        let max_bytes = line_len * 3 + line_len / 2;
        let sink = sink(&path, max_bytes, 2);

        // 3 + 3 + 3 + 2 lines: events.jsonl.3 would hold 0..3 and must be gone.
        let events: Vec<SinkEvent> = (0..8).map(event).collect();
        sink.deliver(&events).await.expect("delivered");
        sink.deliver(&[event(8), event(9), event(10)]).await.expect("delivered");

        assert_eq!(numbers(&path), vec![9, 10]);
        assert_eq!(numbers(&rotated(&path, 1)), vec![6, 7, 8]);
        assert_eq!(numbers(&rotated(&path, 2)), vec![3, 4, 5]);
        assert!(!rotated(&path, 3).exists(), "only keep = 2 rotated files remain");
        for file in [path.clone(), rotated(&path, 1), rotated(&path, 2)] {
            assert!(fs::metadata(&file).expect("exists").len() <= max_bytes);
        }
    }

    #[tokio::test]
    async fn a_record_larger_than_max_bytes_gets_a_file_of_its_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("events.jsonl");
        let sink = sink(&path, 50, 3);
        sink.deliver(&[event(0), event(1)]).await.expect("delivered");
        assert_eq!(numbers(&path), vec![1]);
        assert_eq!(numbers(&rotated(&path, 1)), vec![0]);
    }

    #[tokio::test]
    async fn unwritable_path_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The path is a directory: opening it for writing fails.
        let error = sink(dir.path(), 1 << 20, 5).deliver(&[event(0)]).await.expect_err("cannot write a directory");
        assert_eq!(error.kind(), "file");
        assert!(error.message().contains(&dir.path().display().to_string()), "{error}");
    }
}
