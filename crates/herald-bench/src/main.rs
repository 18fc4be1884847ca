//! `herald-bench`: drives SendMessages through a release `herald` process to the fake APNs
//! (HTTP/2 over TLS) or the fake FCM (`push`), or SendTextMessage to the fake SMSC over SMPP
//! with delivery receipts (`sms`), all on loopback, and reports throughput, request latency
//! percentiles, Herald's peak RSS and how the CPU was shared between Herald, the fakes and the
//! load generator (which all run on this machine).
//!
//! ```text
//! cargo build --release -p herald-server -p herald-bench
//! target/release/herald-bench push --provider apns --duration 20s --concurrency 16
//! target/release/herald-bench sms --duration 20s --concurrency 64 --binds 4
//! ```

mod api;
mod herald;
mod load;
mod procstat;
mod sms;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use herald_push::credentials::test_material::{apns_token_key_p8, fcm_service_account_json};
use herald_testkit::fakes::apns::{FakeApns, FakeApnsConfig};
use herald_testkit::fakes::fcm::FakeFcm;
use http::Method;
use serde_json::json;

use crate::api::{Api, Service};
use crate::herald::Herald;
use crate::load::{Load, Measured, Progress, PushWorkload, Workload};
use crate::procstat::{CpuSample, MachineCpu, status_mib};

const KEY_ID: &str = "BENCHKEY01";
const TEAM_ID: &str = "BENCHTEAM1";
const BUNDLE_ID: &str = "com.example.herald.bench";
const FCM_PROJECT: &str = "herald-bench";
/// Upper bounds that keep every run short.
const MAX_DURATION: Duration = Duration::from_secs(600);
const MAX_WARMUP: Duration = Duration::from_secs(60);

#[derive(Parser)]
#[command(name = "herald-bench", version, about = "Load tests for Herald on loopback")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// SendMessages through herald to a fake push provider.
    Push(PushArgs),
    /// SendTextMessage through herald to the fake SMSC, with delivery receipts.
    Sms(sms::SmsArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    Apns,
    Fcm,
}

impl Provider {
    fn name(self) -> &'static str {
        match self {
            Provider::Apns => "apns",
            Provider::Fcm => "fcm",
        }
    }
}

#[derive(clap::Args)]
struct PushArgs {
    #[arg(long, value_enum, default_value = "apns")]
    provider: Provider,
    /// How long to measure (e.g. 20s, 500ms, 1m), at most 10 minutes.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    duration: Duration,
    /// Unmeasured load first (connections, provider tokens, caches), at most 1 minute.
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    warmup: Duration,
    /// Concurrent clients, each sending its next request when the previous one is answered.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
    /// Distinct device tokens per SendMessages request.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=1000))]
    addresses_per_request: u16,
    /// Open loop: this many SendMessages requests per second in all (latency counted from when
    /// each request was due); --concurrency then caps the requests in flight.
    #[arg(long)]
    rate: Option<f64>,
    /// The herald binary; default: `herald` beside this executable.
    #[arg(long)]
    herald_bin: Option<PathBuf>,
    /// HERALD_LOG for the server (its default is `info`: one line per request).
    #[arg(long, default_value = "info")]
    herald_log: String,
    /// Worker threads of the fake provider's runtime.
    #[arg(long, default_value_t = 2)]
    fake_threads: usize,
    /// Worker threads of the load generator's runtime.
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len()));
    let number: f64 = number.trim().parse().map_err(|_| format!("{text:?} is not a duration like 20s"))?;
    let seconds = match unit {
        "" | "s" => number,
        "ms" => number / 1000.0,
        "m" | "min" => number * 60.0,
        _ => return Err(format!("unknown unit {unit:?} (use ms, s or m)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|error| error.to_string())
}

fn main() -> std::process::ExitCode {
    let outcome = match Cli::parse().command {
        Command::Push(args) => push(args),
        Command::Sms(args) => sms::run(args),
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("herald-bench: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A multi-threaded runtime whose threads are named `name-N`, so their CPU time can be told apart.
fn runtime(name: &'static str, threads: usize) -> Result<tokio::runtime::Runtime> {
    let counter = AtomicUsize::new(0);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .thread_name_fn(move || format!("{name}-{}", counter.fetch_add(1, Ordering::Relaxed)))
        .enable_all()
        .build()
        .with_context(|| format!("starting the {name} runtime"))
}

/// The fake provider, running on its own runtime.
#[derive(Clone)]
enum Fake {
    Apns(Arc<FakeApns>),
    Fcm(Arc<FakeFcm>),
}

/// What the fake answered so far: (requests, requests answered other than 200).
#[derive(Default)]
struct FakeTally {
    requests: AtomicU64,
    failed: AtomicU64,
}

impl Fake {
    /// Counts what the fake recorded since the last call, and forgets it (which keeps the fake's
    /// memory flat).
    fn tally(&self, tally: &FakeTally) {
        let (requests, failed) = match self {
            Fake::Apns(apns) => {
                let received = apns.take_received();
                (received.len(), received.iter().filter(|n| n.answered_status != 200).count())
            }
            Fake::Fcm(fcm) => {
                let received = fcm.take_received();
                (received.len(), received.iter().filter(|m| m.http_status != 200).count())
            }
        };
        tally.requests.fetch_add(requests as u64, Ordering::Relaxed);
        tally.failed.fetch_add(failed as u64, Ordering::Relaxed);
    }
}

fn push(args: PushArgs) -> Result<()> {
    if args.duration.is_zero() || args.duration > MAX_DURATION {
        bail!("--duration must be more than 0 and at most {MAX_DURATION:?}");
    }
    if args.warmup > MAX_WARMUP {
        bail!("--warmup must be at most {MAX_WARMUP:?}");
    }
    if args.rate.is_some_and(|rate| !(rate > 0.0 && rate <= 100_000.0)) {
        bail!("--rate must be more than 0 and at most 100000 requests/s");
    }
    let binary = herald::binary(args.herald_bin.clone())?;
    let dir = tempfile::Builder::new().prefix("herald-bench-").tempdir().context("temporary directory")?;

    let fakes = runtime("fakes", args.fake_threads)?;
    let (fake, config, channel) = fakes.block_on(start_fake(args.provider, dir.path()))?;
    // The fakes record every request: count and forget them four times a second. Freeing the
    // records takes milliseconds, so it runs on a blocking thread of the fakes' runtime (its CPU
    // still counts as the fakes'), never stalling a worker that serves requests.
    let tally = Arc::new(FakeTally::default());
    let stop_counting = Arc::new(tokio::sync::Notify::new());
    let counter = {
        let (fake, tally, stop) = (fake.clone(), Arc::clone(&tally), Arc::clone(&stop_counting));
        fakes.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = stop.notified() => break,
                }
                let (fake, tally) = (fake.clone(), Arc::clone(&tally));
                let _ = tokio::task::spawn_blocking(move || fake.tally(&tally)).await;
            }
            fake.tally(&tally);
        })
    };

    let mut herald = Herald::start(&binary, dir.path(), &config, &args.herald_log)?;
    eprintln!(
        "herald {} (pid {}) at {}, log in {}",
        binary.display(),
        herald.pid(),
        herald.endpoint,
        herald.log_file.display()
    );
    let api =
        Arc::new(Api::new(Service::Pinpoint, &herald.endpoint, &herald.access_key_id, &herald.secret_access_key)?);

    let client = runtime("client", args.client_threads)?;
    let progress = Arc::new(Progress::default());
    let herald_pid = herald.pid().to_string();
    let outcome = client.block_on(async {
        let app_id = create_app(&api, args.provider, channel).await?;
        let progress = Arc::clone(&progress);
        let workload: Arc<dyn Workload> = Arc::new(PushWorkload {
            provider: args.provider,
            path: format!("/v1/apps/{app_id}/messages"),
            addresses_per_request: usize::from(args.addresses_per_request),
            next_token: AtomicU64::new(0),
        });
        let load = |duration| Load {
            workload: Arc::clone(&workload),
            concurrency: usize::from(args.concurrency),
            duration,
            rate: args.rate,
        };
        if !args.warmup.is_zero() {
            let warm =
                load::run(Arc::clone(&api), load(args.warmup), Arc::clone(&progress)).await.context("warm-up")?;
            eprintln!(
                "warm-up: {} notifications in {:.1} s ({:.0}/s)",
                warm.units,
                warm.elapsed.as_secs_f64(),
                warm.units as f64 / warm.elapsed.as_secs_f64()
            );
        }
        let herald_before = CpuSample::of(&herald_pid)?;
        let bench_before = CpuSample::of("self")?;
        let machine_before = MachineCpu::now()?;
        let wall = Instant::now();
        let reporter = tokio::spawn(report_progress(Arc::clone(&progress), "notifications"));
        let measured = load::run(Arc::clone(&api), load(args.duration), Arc::clone(&progress)).await;
        reporter.abort();
        let window = Window {
            wall: wall.elapsed(),
            herald: CpuSample::of(&herald_pid)?.since(&herald_before),
            bench: CpuSample::of("self")?.since(&bench_before),
            machine: MachineCpu::now()?.since(&machine_before),
        };
        anyhow::Ok((measured.context("measurement")?, window))
    });
    // The counting task counts what is left and ends.
    stop_counting.notify_one();
    fakes.block_on(counter).context("the fake's request counter panicked")?;
    let (measured, window) = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            if !herald.running() {
                eprintln!("herald exited; see {}", herald.log_file.display());
            }
            return Err(error);
        }
    };
    if !herald.running() {
        bail!("herald exited during the run; see {}", herald.log_file.display());
    }
    let log_file = herald.log_file.clone();
    let peak_rss = status_mib(herald.pid(), "VmHWM")?;
    let rss = status_mib(herald.pid(), "VmRSS")?;
    report(&args, &measured, &window, peak_rss, rss);
    let delivered = progress.units.load(Ordering::Relaxed);
    let (requests, failed) = (tally.requests.load(Ordering::Relaxed), tally.failed.load(Ordering::Relaxed));
    println!(
        "fake {} over the whole run (warm-up included): {requests} requests, {failed} answered other than 200; \
         {delivered} notifications reported SUCCESSFUL, so {} retried attempts",
        args.provider.name(),
        requests.saturating_sub(delivered)
    );
    drop(herald);
    drop(fake);
    report_log_problems(&log_file);
    Ok(())
}

/// Starts the fake; returns it, herald's configuration and the channel to create.
async fn start_fake(provider: Provider, dir: &std::path::Path) -> Result<(Fake, String, ChannelSetup)> {
    match provider {
        Provider::Apns => {
            let p8 = apns_token_key_p8();
            let apns = FakeApns::start(FakeApnsConfig {
                token_keys: vec![(KEY_ID.into(), TEAM_ID.into(), p8.clone())],
                ..FakeApnsConfig::default()
            })
            .await;
            let ca_file = dir.join("fake-apns-ca.pem");
            std::fs::write(&ca_file, apns.ca_pem()).context("writing the fake APNs CA")?;
            let config = format!(
                "[providers]\nextra_ca_file = {ca:?}\n[providers.apns]\nproduction_url = {url:?}\nsandbox_url = {url:?}\n",
                ca = ca_file.display().to_string(),
                url = apns.base_url(),
            );
            Ok((Fake::Apns(Arc::new(apns)), config, ChannelSetup::Apns { p8 }))
        }
        Provider::Fcm => {
            let fcm = FakeFcm::start().await;
            let service_json = fcm_service_account_json(FCM_PROJECT, &fcm.token_uri());
            let account: serde_json::Value = serde_json::from_str(&service_json).context("service account JSON")?;
            let email = account["client_email"].as_str().context("client_email")?;
            let key = account["private_key"].as_str().context("private_key")?;
            fcm.register_service_account(email, key);
            let config = format!("[providers.fcm]\nbase_url = {:?}\n", fcm.base_url());
            Ok((Fake::Fcm(Arc::new(fcm)), config, ChannelSetup::Fcm { service_json }))
        }
    }
}

/// CPU use over the measured window.
struct Window {
    wall: Duration,
    herald: CpuSample,
    bench: CpuSample,
    machine: MachineCpu,
}

enum ChannelSetup {
    Apns { p8: String },
    Fcm { service_json: String },
}

/// CreateApp, then the provider's channel; returns the application id.
async fn create_app(api: &Api, provider: Provider, channel: ChannelSetup) -> Result<String> {
    let app = api.call(Method::POST, "/v1/apps", json!({"Name": format!("herald-bench-{}", provider.name())})).await?;
    let app_id = app["Id"].as_str().with_context(|| format!("CreateApp answered no Id: {app}"))?.to_owned();
    let (path, request) = match channel {
        ChannelSetup::Apns { p8 } => (
            "apns",
            json!({"TokenKey": p8, "TokenKeyId": KEY_ID, "TeamId": TEAM_ID, "BundleId": BUNDLE_ID,
                   "DefaultAuthenticationMethod": "TOKEN", "Enabled": true}),
        ),
        ChannelSetup::Fcm { service_json } => {
            ("gcm", json!({"ServiceJson": service_json, "DefaultAuthenticationMethod": "TOKEN", "Enabled": true}))
        }
    };
    api.call(Method::PUT, &format!("/v1/apps/{app_id}/channels/{path}"), request).await?;
    Ok(app_id)
}

/// Herald's warnings and errors, which a clean run has none of (the log goes with the temporary
/// directory).
fn report_log_problems(log_file: &std::path::Path) {
    let Ok(log) = std::fs::read_to_string(log_file) else { return };
    let problems: Vec<&str> = log.lines().filter(|line| line.contains("WARN") || line.contains("ERROR")).collect();
    println!("herald log: {} lines, {} warnings or errors", log.lines().count(), problems.len());
    for line in problems.iter().take(5) {
        println!("  {line}");
    }
}

/// Prints the rate of `unit`s every 5 seconds.
async fn report_progress(progress: Arc<Progress>, unit: &'static str) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.tick().await;
    let mut last = progress.units.load(Ordering::Relaxed);
    loop {
        tick.tick().await;
        let now = progress.units.load(Ordering::Relaxed);
        eprintln!("  {:.0} {unit}/s", (now - last) as f64 / 5.0);
        last = now;
    }
}

fn report(args: &PushArgs, measured: &Measured, window: &Window, peak_rss: f64, rss: f64) {
    let seconds = measured.elapsed.as_secs_f64();
    let rate = measured.units as f64 / seconds;
    let millis = |quantile: f64| measured.latency.value_at_quantile(quantile) as f64 / 1000.0;
    let max_millis = measured.latency.max() as f64 / 1000.0;
    let wall = window.wall.as_secs_f64();
    let per_notification = |cpu: f64| cpu / measured.units.max(1) as f64 * 1e6;
    let herald = window.herald.total;
    let fakes = window.bench.threads("fakes");
    let clients = window.bench.threads("client");
    let bench_other = (window.bench.total - fakes - clients).max(0.0);
    let machine = window.machine;
    let capacity = machine.busy + machine.idle + machine.steal;
    let others = (machine.busy - herald - window.bench.total).max(0.0);
    let share = |cpu: f64| 100.0 * cpu / capacity.max(f64::MIN_POSITIVE);
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    let mode = match args.rate {
        Some(rate) => format!("open loop at {rate} requests/s, at most {} in flight", args.concurrency),
        None => format!("{} closed-loop clients", args.concurrency),
    };

    println!("provider {}: {mode}, {} addresses per request", args.provider.name(), args.addresses_per_request);
    println!(
        "measured {seconds:.1} s: {} requests, {} notifications, every result SUCCESSFUL",
        measured.requests, measured.units
    );
    println!("throughput: {rate:.0} notifications/s ({:.1} requests/s)", measured.requests as f64 / seconds);
    println!(
        "SendMessages latency: p50 {:.1} ms, p75 {:.1} ms, p90 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, \
         max {max_millis:.1} ms, mean {:.1} ms",
        millis(0.5),
        millis(0.75),
        millis(0.9),
        millis(0.95),
        millis(0.99),
        millis(0.999),
        measured.latency.mean() / 1000.0
    );
    println!("herald RSS: peak (VmHWM) {peak_rss:.1} MiB, at the end {rss:.1} MiB");
    println!("CPU over {wall:.1} s on {cores} cores ({capacity:.1} core-seconds in /proc/stat):");
    let line = |who: &str, cpu: f64| {
        println!(
            "  {who:<14} {cpu:6.2} s  {:5.1}% of the machine  {:6.1} µs/notification",
            share(cpu),
            per_notification(cpu)
        )
    };
    line("herald", herald);
    line("fakes", fakes);
    line("client", clients);
    line("bench (other)", bench_other);
    line("other procs", others);
    println!("  {:<14} {:6.2} s  {:5.1}%", "idle", machine.idle, share(machine.idle));
    println!("  {:<14} {:6.2} s  {:5.1}%", "steal", machine.steal, share(machine.steal));
    if share(others) > 5.0 || share(machine.steal) > 5.0 {
        println!(
            "  WARNING: other processes ({:.0}%) or the hypervisor ({:.0}%) took CPU during the run: run again",
            share(others),
            share(machine.steal)
        );
    }
    let threads = |sample: &CpuSample| {
        sample.by_thread.iter().map(|(name, cpu)| format!("{name} {cpu:.2} s")).collect::<Vec<_>>().join(", ")
    };
    println!("  herald threads: {}", threads(&window.herald));
    println!("  bench threads: {}", threads(&window.bench));
    println!();
    println!(
        "| provider | clients | addr/req | notifications/s | p50 ms | p99 ms | max ms | herald peak RSS MiB \
         | CPU herald / fakes / client / idle |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let clients_column = match args.rate {
        Some(rate) => format!("{} (open loop, {rate} req/s)", args.concurrency),
        None => args.concurrency.to_string(),
    };
    println!(
        "| {} | {clients_column} | {} | {rate:.0} | {:.1} | {:.1} | {max_millis:.1} | {peak_rss:.0} \
         | {:.0}% / {:.0}% / {:.0}% / {:.0}% |",
        args.provider.name(),
        args.addresses_per_request,
        millis(0.5),
        millis(0.99),
        share(herald),
        share(fakes),
        share(clients),
        share(machine.idle),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("20"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("1h").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
