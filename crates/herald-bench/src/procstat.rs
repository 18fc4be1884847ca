//! CPU time and memory of processes and threads, from /proc (Linux only).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

/// CPU seconds (user + system) per thread name, plus the process total (which also counts
/// threads that have exited).
#[derive(Debug, Clone, Default)]
pub struct CpuSample {
    pub total: f64,
    pub by_thread: BTreeMap<String, f64>,
}

impl CpuSample {
    /// Of process `pid` ("self" for this one).
    pub fn of(pid: &str) -> Result<CpuSample> {
        let proc_dir = Path::new("/proc").join(pid);
        let (_, total) = read_stat(&proc_dir.join("stat"))?;
        let mut by_thread = BTreeMap::new();
        let tasks = std::fs::read_dir(proc_dir.join("task")).context("listing threads")?;
        for task in tasks.flatten() {
            // A thread may exit between the listing and the read.
            if let Ok((name, seconds)) = read_stat(&task.path().join("stat")) {
                *by_thread.entry(thread_group(&name)).or_insert(0.0) += seconds;
            }
        }
        Ok(CpuSample { total, by_thread })
    }

    /// CPU seconds spent between `earlier` and `self`.
    pub fn since(&self, earlier: &CpuSample) -> CpuSample {
        let by_thread = self
            .by_thread
            .iter()
            .map(|(name, seconds)| (name.clone(), seconds - earlier.by_thread.get(name).copied().unwrap_or(0.0)))
            .filter(|(_, seconds)| *seconds > 0.0)
            .collect();
        CpuSample { total: self.total - earlier.total, by_thread }
    }

    /// CPU seconds of the threads whose group name starts with `prefix`.
    pub fn threads(&self, prefix: &str) -> f64 {
        self.by_thread.iter().filter(|(name, _)| name.starts_with(prefix)).map(|(_, seconds)| seconds).sum()
    }
}

/// Machine-wide CPU seconds from /proc/stat, summed over all cores.
#[derive(Debug, Clone, Copy, Default)]
pub struct MachineCpu {
    /// user, nice, system, irq and softirq time.
    pub busy: f64,
    /// idle and iowait time.
    pub idle: f64,
    /// Time the hypervisor gave to other guests.
    pub steal: f64,
}

impl MachineCpu {
    pub fn now() -> Result<MachineCpu> {
        let text = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
        let line = text.lines().next().context("empty /proc/stat")?;
        let ticks: Vec<f64> = line.split_whitespace().skip(1).map(|field| field.parse().unwrap_or(0.0)).collect();
        let field = |index: usize| ticks.get(index).copied().unwrap_or(0.0) / clock_ticks_per_second();
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        Ok(MachineCpu {
            busy: field(0) + field(1) + field(2) + field(5) + field(6),
            idle: field(3) + field(4),
            steal: field(7),
        })
    }

    pub fn since(&self, earlier: &MachineCpu) -> MachineCpu {
        MachineCpu { busy: self.busy - earlier.busy, idle: self.idle - earlier.idle, steal: self.steal - earlier.steal }
    }
}

/// Thread names without their trailing number ("sqlx-sqlite-wor", "tokio-runtime-w", ...).
fn thread_group(name: &str) -> String {
    name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-').to_owned()
}

/// (comm, utime + stime in seconds) from a `stat` file.
fn read_stat(path: &Path) -> Result<(String, f64)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    // The name is in parentheses and may itself contain spaces or parentheses.
    let open = text.find('(').context("no ( in stat")?;
    let close = text.rfind(')').context("no ) in stat")?;
    let name = text[open + 1..close].to_owned();
    let fields: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // Fields 14 and 15 of proc(5); fields[0] is field 3 (state).
    let ticks = |index: usize| -> Result<f64> {
        let value = fields.get(index).context("short stat line")?;
        Ok(value.parse::<u64>().context("stat field is not a number")? as f64)
    };
    Ok((name, (ticks(11)? + ticks(12)?) / clock_ticks_per_second()))
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// A `kB` line of /proc/<pid>/status (VmHWM, VmRSS, ...), in MiB.
pub fn status_mib(pid: u32, field: &str) -> Result<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading /proc/<pid>/status")?;
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix(field).and_then(|rest| rest.strip_prefix(':')))
        .with_context(|| format!("no {field} in /proc/{pid}/status"))?;
    let kib: f64 = line.trim().trim_end_matches("kB").trim().parse().with_context(|| format!("{field}: {line}"))?;
    Ok(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_cpu_time_and_memory() {
        let sample = CpuSample::of("self").expect("stat");
        assert!(sample.total >= 0.0);
        assert!(!sample.by_thread.is_empty());
        assert!(status_mib(std::process::id(), "VmHWM").expect("VmHWM") > 0.0);
        let machine = MachineCpu::now().expect("/proc/stat");
        assert!(machine.busy > 0.0 && machine.idle >= 0.0);
    }

    #[test]
    fn thread_numbers_are_dropped() {
        assert_eq!(thread_group("sqlx-sqlite-wor"), "sqlx-sqlite-wor");
        assert_eq!(thread_group("fakes-1"), "fakes");
        assert_eq!(thread_group("tokio-runtime-w"), "tokio-runtime-w");
    }
}
