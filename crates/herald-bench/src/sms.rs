//! `herald-bench sms`: SendTextMessage through a release `herald` to the fake SMSC (SMPP 3.4 on
//! loopback, in this process), with delivery receipts. Reports accepted messages/s (every
//! MessageId is returned only once its message is committed), request latency, message parts
//! submitted at the fake per second during the window and while the backlog drains,
//! receipt-to-event latency (the fake's send time of a message's last receipt to the
//! `eventTimestamp` of its final event), Herald's peak RSS and the CPU split.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hdrhistogram::Histogram;
use herald_testkit::fakes::smsc::{FakeSmsc, FakeSmscConfig, IdFormat, RecordedSubmit};
use http::{Request, StatusCode};
use http_body_util::Full;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{Api, Service};
use crate::herald::{self, Herald};
use crate::load::{self, Load, MAX_LATENCY_MICROS, Measured, Progress, Workload};
use crate::procstat::{CpuSample, MachineCpu, status_mib};
use crate::{MAX_DURATION, MAX_WARMUP, parse_duration, report_log_problems, runtime};

const SYSTEM_ID: &str = "herald";
const PASSWORD: &str = "secret";
/// The origination numbers: +447700900100, +447700900101, ... (Ofcom's drama range).
const FIRST_ORIGINATION: u64 = 447_700_900_100;
/// Destination n is +4474 followed by n in 8 digits: distinct handsets for 100 million messages,
/// so a receipt and a final event are matched by the handset's number.
const FIRST_DESTINATION: u64 = 447_400_000_000;
const MAX_DESTINATIONS: u64 = 100_000_000;
/// Submits at the fake are counted in buckets of this many milliseconds.
const BUCKET_MS: u64 = 10;
/// At most this long a run (warm-up, window and drains) is counted in buckets.
const MAX_BUCKETS: usize = (3 * 3600 * 1000 / BUCKET_MS) as usize;
/// Events read per page from Herald's store.
const EVENT_PAGE: u32 = 5000;

#[derive(clap::Args)]
pub struct SmsArgs {
    /// How long to measure (e.g. 20s, 1m), at most 10 minutes.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    duration: Duration,
    /// Unmeasured load first (binds, connections, caches), delivered and final before the
    /// window starts; at most 1 minute.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    warmup: Duration,
    /// Concurrent clients, each sending its next SendTextMessage when the previous one is
    /// answered.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
    /// Open loop: this many SendTextMessage per second in all (latency counted from when each
    /// request was due); --concurrency then caps the requests in flight.
    #[arg(long)]
    rate: Option<f64>,
    /// SMPP binds (transceivers) from Herald to the fake SMSC.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    binds: u16,
    /// Herald's window: submit_sm outstanding per bind.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    window: u16,
    /// Message parts per message: 1 (a 98-character GSM text) or 2 (a 267-character one).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    parts: u8,
    /// Origination numbers the messages are spread over, round robin.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=100))]
    numbers: u16,
    /// Each origination number's max_parts_per_second (high, so that the per-number limiter is
    /// not what is measured).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    number_mps: u32,
    /// From the fake's submit_sm_resp to its delivery receipt.
    #[arg(long, default_value = "100ms", value_parser = parse_duration)]
    receipt_delay: Duration,
    /// How the fake SMSC writes message ids (in submit_sm_resp and receipts). Numeric ids
    /// (hex, decimal) expose Herald to a receipt matched to the wrong message when it comes
    /// before its submission is recorded (see BENCHMARKS.md); uuid ids cannot be mistaken.
    #[arg(long, value_enum, default_value = "uuid")]
    id_format: IdFormatArg,
    /// The fake's window for receipts: deliver_sm unacknowledged per bind.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    receipt_window: u16,
    /// Herald's `[sms.delivery] max_in_flight` (messages being delivered at once); Herald's
    /// default when left out.
    #[arg(long)]
    max_in_flight: Option<usize>,
    /// How long after the window every accepted message may take to be final; at most 10
    /// minutes.
    #[arg(long, default_value = "180s", value_parser = parse_duration)]
    drain_timeout: Duration,
    /// The herald binary; default: `herald` beside this executable.
    #[arg(long)]
    herald_bin: Option<PathBuf>,
    /// HERALD_LOG for the server (its default is `info`: one line per request).
    #[arg(long, default_value = "info")]
    herald_log: String,
    /// Worker threads of the fake SMSC's runtime.
    #[arg(long, default_value_t = 2)]
    fake_threads: usize,
    /// Worker threads of the load generator's runtime.
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// SendTextMessage with DryRun: every check runs, nothing is stored or delivered (what the
    /// request path costs without the queue); the drain and the delivery figures are skipped.
    #[arg(long)]
    dry_run: bool,
    /// Keep herald's data directory and log after the run (they are removed otherwise, unless
    /// the run fails).
    #[arg(long)]
    keep: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IdFormatArg {
    Hex,
    Decimal,
    Uuid,
}

impl IdFormatArg {
    fn format(self) -> IdFormat {
        match self {
            IdFormatArg::Hex => IdFormat::Hex,
            IdFormatArg::Decimal => IdFormat::Decimal,
            IdFormatArg::Uuid => IdFormat::Uuid,
        }
    }
}

impl SmsArgs {
    fn check(&self) -> Result<()> {
        if self.duration.is_zero() || self.duration > MAX_DURATION {
            bail!("--duration must be more than 0 and at most {MAX_DURATION:?}");
        }
        if self.warmup > MAX_WARMUP {
            bail!("--warmup must be at most {MAX_WARMUP:?}");
        }
        if self.drain_timeout.is_zero() || self.drain_timeout > MAX_DURATION {
            bail!("--drain-timeout must be more than 0 and at most {MAX_DURATION:?}");
        }
        if self.receipt_delay > Duration::from_secs(60) {
            bail!("--receipt-delay must be at most 60 s");
        }
        if self.rate.is_some_and(|rate| !(rate > 0.0 && rate <= 100_000.0)) {
            bail!("--rate must be more than 0 and at most 100000 messages/s");
        }
        if self.max_in_flight.is_some_and(|count| count == 0 || count > 1_000_000) {
            bail!("--max-in-flight must be from 1 to 1000000");
        }
        Ok(())
    }
}

/// Herald's configuration: the origination numbers, routed to the fake SMSC.
fn config(args: &SmsArgs, port: u16) -> String {
    let mut config = String::new();
    for n in 0..u64::from(args.numbers) {
        let _ = write!(
            config,
            "[[numbers]]\nphone_number = \"+{}\"\niso_country = \"GB\"\nnumber_type = \"LONG_CODE\"\n\
             capabilities = [\"SMS\"]\ncarrier = \"fake\"\nmax_parts_per_second = {}\n",
            FIRST_ORIGINATION + n,
            args.number_mps
        );
    }
    let _ = write!(
        config,
        "[[smpp.carriers]]\nname = \"fake\"\nhost = \"127.0.0.1\"\nport = {port}\nsystem_id = \"{SYSTEM_ID}\"\n\
         password = \"{PASSWORD}\"\nbinds = {}\nwindow = {}\nreconnect_min_seconds = 0.1\nreconnect_max_seconds = 0.5\n",
        args.binds, args.window
    );
    if let Some(count) = args.max_in_flight {
        let _ = write!(config, "[sms.delivery]\nmax_in_flight = {count}\n");
    }
    config
}

/// The message body: GSM 03.38 only (no extension characters), one or two parts.
fn message_body(parts: u8, n: u64) -> String {
    let code = n.wrapping_mul(7_919) % 1_000_000;
    let short =
        format!("Herald bench {n:08}: your verification code is {code:06}. It expires in 10 minutes; never share it.");
    if parts == 1 {
        return short;
    }
    format!(
        "{short} Your order 4711 has shipped and will arrive on Thursday between 9:00 and 13:00. \
         Reply STOP to opt out, HELP for help. Questions? Call us on 0800 000 0000, Mon-Fri 8-20."
    )
}

/// SendTextMessage to a new handset per message, from the origination numbers in turn.
struct SmsWorkload {
    origins: Vec<String>,
    parts: u8,
    dry_run: bool,
    /// Destinations handed out so far.
    next: AtomicU64,
}

#[derive(Deserialize)]
struct SendTextMessageResult<'a> {
    #[serde(rename = "MessageId", borrow)]
    message_id: Option<std::borrow::Cow<'a, str>>,
}

impl Workload for SmsWorkload {
    fn request(&self, api: &Api) -> Result<(Request<Full<Bytes>>, u64)> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        if n >= MAX_DESTINATIONS {
            bail!("out of destination numbers");
        }
        let origin = &self.origins[usize::try_from(n).unwrap_or(0) % self.origins.len()];
        let body = format!(
            r#"{{"OriginationIdentity":"{origin}","DestinationPhoneNumber":"+{}","MessageBody":"{}"{}}}"#,
            FIRST_DESTINATION + n,
            message_body(self.parts, n),
            if self.dry_run { r#","DryRun":true"# } else { "" }
        );
        Ok((api.json10_request("SendTextMessage", Bytes::from(body))?, 1))
    }

    fn check(&self, status: StatusCode, body: &[u8], _units: u64) -> Result<u64> {
        if status != StatusCode::OK {
            bail!("SendTextMessage: HTTP {status}: {}", String::from_utf8_lossy(body));
        }
        let result: SendTextMessageResult<'_> = serde_json::from_slice(body)
            .with_context(|| format!("SendTextMessage answered {}", String::from_utf8_lossy(body)))?;
        match result.message_id {
            Some(id) if !id.is_empty() => Ok(1),
            _ => bail!("SendTextMessage answered no MessageId: {}", String::from_utf8_lossy(body)),
        }
    }
}

/// Submits the fake recorded, counted in `BUCKET_MS` buckets of their arrival time.
struct SubmitTally {
    base: SystemTime,
    accepted: AtomicU64,
    refused: AtomicU64,
    buckets: Mutex<Vec<u32>>,
}

impl SubmitTally {
    fn new(base: SystemTime) -> SubmitTally {
        SubmitTally { base, accepted: AtomicU64::new(0), refused: AtomicU64::new(0), buckets: Mutex::new(Vec::new()) }
    }

    /// Counts what the fake recorded since the last call and forgets it (which keeps the fake's
    /// memory flat).
    fn count(&self, smsc: &FakeSmsc) {
        let submits: Vec<RecordedSubmit> = smsc.take_submits();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut accepted, mut refused) = (0, 0);
        for submit in &submits {
            if submit.command_status != 0 {
                refused += 1;
                continue;
            }
            accepted += 1;
            let offset = submit.received_at.duration_since(self.base).unwrap_or_default();
            let bucket = usize::try_from(offset.as_millis() / u128::from(BUCKET_MS)).unwrap_or(usize::MAX);
            if bucket < MAX_BUCKETS {
                if buckets.len() <= bucket {
                    buckets.resize(bucket + 1, 0);
                }
                buckets[bucket] += 1;
            }
        }
        drop(buckets);
        self.accepted.fetch_add(accepted, Ordering::Relaxed);
        self.refused.fetch_add(refused, Ordering::Relaxed);
    }

    fn bucket_of(&self, at: SystemTime) -> usize {
        let offset = at.duration_since(self.base).unwrap_or_default();
        usize::try_from(offset.as_millis() / u128::from(BUCKET_MS)).unwrap_or(usize::MAX)
    }

    /// Accepted submits that arrived in [from, to).
    fn between(&self, from: SystemTime, to: SystemTime) -> u64 {
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let (first, last) = (self.bucket_of(from).min(buckets.len()), self.bucket_of(to).min(buckets.len()));
        buckets[first..last].iter().map(|&count| u64::from(count)).sum()
    }

    /// When the last accepted submit arrived.
    fn last(&self) -> Option<SystemTime> {
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let last = buckets.iter().rposition(|&count| count > 0)?;
        Some(self.base + Duration::from_millis((last as u64 + 1) * BUCKET_MS))
    }

    /// The busiest second (100 consecutive buckets) from `from` on: parts in it.
    fn peak_second(&self, from: SystemTime) -> u64 {
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let per_second = (1000 / BUCKET_MS) as usize;
        let first = self.bucket_of(from).min(buckets.len());
        let slice = &buckets[first..];
        if slice.len() < per_second {
            return slice.iter().map(|&count| u64::from(count)).sum();
        }
        let mut sum: u64 = slice[..per_second].iter().map(|&count| u64::from(count)).sum();
        let mut best = sum;
        for (leaving, entering) in slice.iter().zip(&slice[per_second..]) {
            sum = sum + u64::from(*entering) - u64::from(*leaving);
            best = best.max(sum);
        }
        best
    }
}

/// What Herald's events say about one message of the window.
#[derive(Clone, Copy, Default)]
struct Timeline {
    /// messageRequestTimestamp (Unix ms); 0 until an event of the message was read.
    requested: i64,
    /// TEXT_SUCCESSFUL: the carrier took every part.
    submitted: i64,
    /// The final event.
    finished: i64,
}

/// The window's messages, as Herald's events describe them, read page by page from the store.
struct Events {
    store: herald_store::Store,
    after: i64,
    /// Destination numbers first..first + len.
    first: u64,
    messages: Vec<Timeline>,
    finals: u64,
    /// Final events by messageStatus.
    statuses: BTreeMap<String, u64>,
    /// Final events for destinations outside the window (warm-up leftovers): none expected.
    strays: u64,
    /// Second and later final events of a message: none expected.
    duplicates: u64,
}

impl Events {
    async fn open(database_url: &str) -> Result<Events> {
        let store = herald_store::open(database_url).await.with_context(|| format!("opening {database_url}"))?;
        Ok(Events {
            store,
            after: 0,
            first: 0,
            messages: Vec::new(),
            finals: 0,
            statuses: BTreeMap::new(),
            strays: 0,
            duplicates: 0,
        })
    }

    /// From now on, collects the messages to destinations first..first + count.
    fn expect(&mut self, first: u64, count: u64) {
        self.first = first;
        self.messages = vec![Timeline::default(); usize::try_from(count).unwrap_or(0)];
        self.finals = 0;
        self.statuses.clear();
        self.strays = 0;
        self.duplicates = 0;
    }

    /// Reads every event stored since the last call.
    async fn read(&mut self) -> Result<()> {
        loop {
            let page = self.store.events_after(self.after, EVENT_PAGE).await.context("reading herald's events")?;
            let Some(last) = page.last() else { return Ok(()) };
            self.after = last.seq;
            let full = page.len() == EVENT_PAGE as usize;
            for event in &page {
                self.note(&event.record);
            }
            if !full {
                return Ok(());
            }
        }
    }

    fn note(&mut self, record: &Value) {
        let destination = record["destinationPhoneNumber"].as_str().unwrap_or_default();
        let number = destination.trim_start_matches('+').parse::<u64>().unwrap_or(0);
        let index = number.checked_sub(FIRST_DESTINATION).and_then(|n| n.checked_sub(self.first));
        let is_final = record["isFinal"].as_bool() == Some(true);
        let Some(timeline) = index.and_then(|i| usize::try_from(i).ok()).and_then(|i| self.messages.get_mut(i)) else {
            self.strays += u64::from(is_final);
            return;
        };
        let at = record["eventTimestamp"].as_i64().unwrap_or(0);
        timeline.requested = record["messageRequestTimestamp"].as_i64().unwrap_or(at);
        if record["messageStatus"] == "SUCCESSFUL" {
            timeline.submitted = at;
        }
        if is_final {
            if timeline.finished == 0 {
                self.finals += 1;
            } else {
                self.duplicates += 1;
            }
            timeline.finished = at;
            let status = record["messageStatus"].as_str().unwrap_or("?").to_owned();
            *self.statuses.entry(status).or_default() += 1;
        }
    }

    /// Reads until every expected message is final, or `deadline`.
    async fn wait_final(&mut self, deadline: Instant) -> Result<()> {
        loop {
            self.read().await?;
            if self.finals >= self.messages.len() as u64 {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let missing: Vec<String> = (self.messages.iter().enumerate())
                    .filter(|(_, timeline)| timeline.finished == 0)
                    .take(5)
                    .map(|(index, _)| format!("+{}", FIRST_DESTINATION + self.first + index as u64))
                    .collect();
                bail!(
                    "only {} of {} messages are final after the drain timeout; not final: {} ...",
                    self.finals,
                    self.messages.len(),
                    missing.join(", ")
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// CPU use over a phase.
struct Cpu {
    wall: Duration,
    herald: CpuSample,
    bench: CpuSample,
    machine: MachineCpu,
}

struct CpuStart {
    at: Instant,
    herald: CpuSample,
    bench: CpuSample,
    machine: MachineCpu,
}

impl CpuStart {
    fn now(herald_pid: &str) -> Result<CpuStart> {
        Ok(CpuStart {
            at: Instant::now(),
            herald: CpuSample::of(herald_pid)?,
            bench: CpuSample::of("self")?,
            machine: MachineCpu::now()?,
        })
    }

    fn end(&self, herald_pid: &str) -> Result<Cpu> {
        Ok(Cpu {
            wall: self.at.elapsed(),
            herald: CpuSample::of(herald_pid)?.since(&self.herald),
            bench: CpuSample::of("self")?.since(&self.bench),
            machine: MachineCpu::now()?.since(&self.machine),
        })
    }
}

/// The receipts of the window's messages: per message, how many and when the last was sent
/// (Unix µs).
struct Receipts {
    count: u64,
    unacknowledged: u64,
    last_sent: Vec<(u32, i64)>,
}

fn receipts_of(smsc: &FakeSmsc, first: u64, messages: usize) -> Receipts {
    let mut receipts = Receipts { count: 0, unacknowledged: 0, last_sent: vec![(0, 0); messages] };
    for receipt in smsc.receipts_sent() {
        let number = receipt.source.trim_start_matches('+').parse::<u64>().unwrap_or(0);
        let Some(index) = number.checked_sub(FIRST_DESTINATION + first).and_then(|i| usize::try_from(i).ok()) else {
            continue;
        };
        let Some(slot) = receipts.last_sent.get_mut(index) else { continue };
        receipts.count += 1;
        if receipt.response_status != Some(0) {
            receipts.unacknowledged += 1;
        }
        let sent = receipt.sent_at.duration_since(UNIX_EPOCH).unwrap_or_default().as_micros();
        slot.0 += 1;
        slot.1 = slot.1.max(i64::try_from(sent).unwrap_or(i64::MAX));
    }
    receipts
}

fn unix_ms(at: SystemTime) -> i64 {
    i64::try_from(at.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis()).unwrap_or(i64::MAX)
}

fn histogram() -> Result<Histogram<u64>> {
    Ok(Histogram::new_with_bounds(1, MAX_LATENCY_MICROS, 3)?)
}

pub fn run(args: SmsArgs) -> Result<()> {
    args.check()?;
    let binary = herald::binary(args.herald_bin.clone())?;
    let dir = tempfile::Builder::new().prefix("herald-bench-sms-").tempdir().context("temporary directory")?;

    let fakes = runtime("fakes", args.fake_threads)?;
    let smsc = Arc::new(fakes.block_on(FakeSmsc::try_start(FakeSmscConfig {
        receipt_delay: args.receipt_delay,
        deliver_window: usize::from(args.receipt_window),
        id_format: args.id_format.format(),
        ..FakeSmscConfig::with_credentials(SYSTEM_ID, PASSWORD)
    }))?);
    let base = SystemTime::now();
    let tally = Arc::new(SubmitTally::new(base));
    // Count and forget the fake's submits four times a second, on a blocking thread of the
    // fakes' runtime (its CPU still counts as the fakes').
    let stop_counting = Arc::new(tokio::sync::Notify::new());
    let counter = {
        let (smsc, tally, stop) = (Arc::clone(&smsc), Arc::clone(&tally), Arc::clone(&stop_counting));
        fakes.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = stop.notified() => break,
                }
                let (smsc, tally) = (Arc::clone(&smsc), Arc::clone(&tally));
                let _ = tokio::task::spawn_blocking(move || tally.count(&smsc)).await;
            }
            tally.count(&smsc);
        })
    };

    let mut herald = Herald::start(&binary, dir.path(), &config(&args, smsc.address().port()), &args.herald_log)?;
    eprintln!(
        "herald {} (pid {}) at {}, log in {}",
        binary.display(),
        herald.pid(),
        herald.endpoint,
        herald.log_file.display()
    );
    herald.admin(&["accounts", "production"])?;
    herald.admin(&["accounts", "spend-limit", "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT", "1000000000"])?;
    let api =
        Arc::new(Api::new(Service::SmsVoice, &herald.endpoint, &herald.access_key_id, &herald.secret_access_key)?);
    let bound = fakes.block_on(smsc.wait_for_binds(usize::from(args.binds), Duration::from_secs(30)));
    if bound.len() < usize::from(args.binds) {
        bail!(
            "only {} of {} binds came up at the fake SMSC; see {}",
            bound.len(),
            args.binds,
            herald.log_file.display()
        );
    }

    let client = runtime("client", args.client_threads)?;
    let herald_pid = herald.pid().to_string();
    let database_url = herald.database_url();
    let outcome = client.block_on(measure(&args, &api, &smsc, &tally, &herald_pid, &database_url));
    stop_counting.notify_one();
    fakes.block_on(counter).context("the fake's submit counter panicked")?;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            if !herald.running() {
                eprintln!("herald exited");
            }
            drop(herald);
            eprintln!("herald's data directory and log are kept in {}", dir.keep().display());
            return Err(error);
        }
    };
    if !herald.running() {
        bail!("herald exited during the run; see {}", herald.log_file.display());
    }
    let peak_rss = status_mib(herald.pid(), "VmHWM")?;
    let rss = status_mib(herald.pid(), "VmRSS")?;
    let receipts =
        outcome.delivery.as_ref().map(|delivery| receipts_of(&smsc, outcome.first, delivery.events.messages.len()));
    let log_file = herald.log_file.clone();
    drop(herald);
    let healthy = report(&args, &outcome, &tally, receipts.as_ref(), peak_rss, rss)?;
    drop(smsc);
    report_log_problems(&log_file);
    if args.keep || !healthy {
        println!("herald's data directory and log are kept in {}", dir.keep().display());
    }
    if !healthy {
        bail!("some messages did not end DELIVERED, or receipts went unacknowledged (see above)");
    }
    Ok(())
}

/// What the window and the drain measured.
struct Outcome {
    /// The window's first destination number.
    first: u64,
    measured: Measured,
    window_start: SystemTime,
    window_end: SystemTime,
    window_cpu: Cpu,
    /// What the drain measured; `None` for a dry run.
    delivery: Option<Delivery>,
}

struct Delivery {
    drain_cpu: Cpu,
    /// Parts the fake accepted during the window.
    parts_in_window: u64,
    events: Events,
}

/// Origination numbers, warm-up (delivered to the end), the measured window, then the drain.
async fn measure(
    args: &SmsArgs,
    api: &Arc<Api>,
    smsc: &Arc<FakeSmsc>,
    tally: &Arc<SubmitTally>,
    herald_pid: &str,
    database_url: &str,
) -> Result<Outcome> {
    let mut origins = Vec::new();
    for _ in 0..args.numbers {
        let number = api
            .call_json10(
                "RequestPhoneNumber",
                json!({"IsoCountryCode": "GB", "MessageType": "TRANSACTIONAL", "NumberCapabilities": ["SMS"],
                       "NumberType": "LONG_CODE"}),
            )
            .await?;
        let phone = number["PhoneNumber"].as_str().with_context(|| format!("RequestPhoneNumber answered {number}"))?;
        origins.push(phone.to_owned());
    }
    let workload = Arc::new(SmsWorkload { origins, parts: args.parts, dry_run: args.dry_run, next: AtomicU64::new(0) });
    let load = |duration| Load {
        workload: Arc::clone(&workload) as Arc<dyn Workload>,
        concurrency: usize::from(args.concurrency),
        duration,
        rate: args.rate,
    };
    let mut events = Events::open(database_url).await?;
    let progress = Arc::new(Progress::default());
    if !args.warmup.is_zero() {
        let warm = load::run(Arc::clone(api), load(args.warmup), Arc::clone(&progress)).await.context("warm-up")?;
        let rate = warm.units as f64 / warm.elapsed.as_secs_f64();
        if args.dry_run {
            eprintln!("warm-up: {} dry-run messages in {:.1} s ({rate:.0}/s)", warm.units, warm.elapsed.as_secs_f64());
        } else {
            let started = Instant::now();
            events.expect(0, warm.units);
            events.wait_final(started + args.drain_timeout).await.context("warm-up")?;
            eprintln!(
                "warm-up: {} messages accepted in {:.1} s ({rate:.0}/s), all final {:.1} s later",
                warm.units,
                warm.elapsed.as_secs_f64(),
                started.elapsed().as_secs_f64()
            );
            // Only the window's submits and receipts from here on.
            wait_receipts_settled(smsc, Instant::now() + Duration::from_secs(30)).await;
            smsc.clear();
        }
    }

    let first = workload.next.load(Ordering::Relaxed);
    let cpu = CpuStart::now(herald_pid)?;
    let window_start = SystemTime::now();
    let reporter = tokio::spawn(report_progress(Arc::clone(&progress), Arc::clone(tally)));
    let measured = load::run(Arc::clone(api), load(args.duration), Arc::clone(&progress)).await;
    reporter.abort();
    let window_end = SystemTime::now();
    let window_cpu = cpu.end(herald_pid)?;
    let measured = measured.context("measurement")?;
    let accepted = workload.next.load(Ordering::Relaxed) - first;
    if accepted != measured.units {
        bail!("{accepted} destinations handed out but {} messages accepted", measured.units);
    }
    if args.dry_run {
        return Ok(Outcome { first, measured, window_start, window_end, window_cpu, delivery: None });
    }

    // The drain: every part submitted, every receipt acknowledged, every message final.
    let drain = CpuStart::now(herald_pid)?;
    let deadline = Instant::now() + args.drain_timeout;
    let parts_expected = accepted * u64::from(args.parts);
    while tally.accepted.load(Ordering::Relaxed) < parts_expected {
        if Instant::now() >= deadline {
            bail!(
                "the fake SMSC received {} of {parts_expected} parts within the drain timeout",
                tally.accepted.load(Ordering::Relaxed)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_receipts_settled(smsc, deadline).await;
    events.expect(first, accepted);
    events.wait_final(deadline).await?;
    let drain_cpu = drain.end(herald_pid)?;
    // Every submit is counted by now (the counter runs four times a second).
    let parts_in_window = tally.between(window_start, window_end);
    let delivery = Delivery { drain_cpu, parts_in_window, events };
    Ok(Outcome { first, measured, window_start, window_end, window_cpu, delivery: Some(delivery) })
}

/// Waits until the fake has no receipt left to send or waiting for its answer.
async fn wait_receipts_settled(smsc: &FakeSmsc, deadline: Instant) {
    while smsc.pending_deliveries() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Prints accepted messages/s and submitted parts/s every 5 seconds.
async fn report_progress(progress: Arc<Progress>, tally: Arc<SubmitTally>) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.tick().await;
    let mut last = (progress.units.load(Ordering::Relaxed), tally.accepted.load(Ordering::Relaxed));
    loop {
        tick.tick().await;
        let now = (progress.units.load(Ordering::Relaxed), tally.accepted.load(Ordering::Relaxed));
        eprintln!(
            "  {:.0} messages/s accepted, {:.0} parts/s submitted",
            (now.0 - last.0) as f64 / 5.0,
            (now.1 - last.1) as f64 / 5.0
        );
        last = now;
    }
}

/// Percentiles of a histogram of microseconds, in milliseconds.
fn quantiles(histogram: &Histogram<u64>) -> String {
    let ms = |quantile: f64| histogram.value_at_quantile(quantile) as f64 / 1000.0;
    format!(
        "p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(0.5),
        ms(0.9),
        ms(0.99),
        histogram.max() as f64 / 1000.0
    )
}

/// The delivery figures of a run.
struct DeliveryFigures {
    parts_rate_window: f64,
    final_drain: f64,
    receipt_to_event: Histogram<u64>,
    healthy: bool,
}

/// Prints the figures; answers whether every message ended DELIVERED with every receipt
/// acknowledged.
fn report(
    args: &SmsArgs,
    outcome: &Outcome,
    tally: &SubmitTally,
    receipts: Option<&Receipts>,
    peak_rss: f64,
    rss: f64,
) -> Result<bool> {
    let measured = &outcome.measured;
    let seconds = measured.elapsed.as_secs_f64();
    let accepted = measured.units;
    let rate = accepted as f64 / seconds;
    let ms = |micros: u64| micros as f64 / 1000.0;
    let latency = &measured.latency;

    let mode = match args.rate {
        Some(rate) => format!("open loop at {rate} messages/s, at most {} in flight", args.concurrency),
        None => format!("{} closed-loop clients", args.concurrency),
    };
    println!(
        "sms: {mode}; {} part(s) per message; {} numbers at {} parts/s each; {} binds, window {}; receipts after {:?}, \
         receipt window {}, {:?} message ids{}",
        args.parts,
        args.numbers,
        args.number_mps,
        args.binds,
        args.window,
        args.receipt_delay,
        args.receipt_window,
        args.id_format,
        if args.dry_run { "; DRY RUN (nothing stored or delivered)" } else { "" }
    );
    println!("measured {seconds:.1} s: {accepted} SendTextMessage accepted (HTTP 200 with a MessageId), {rate:.0}/s");
    println!(
        "SendTextMessage latency: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, max {:.1} ms, mean {:.1} ms",
        ms(latency.value_at_quantile(0.5)),
        ms(latency.value_at_quantile(0.9)),
        ms(latency.value_at_quantile(0.99)),
        ms(latency.value_at_quantile(0.999)),
        ms(latency.max()),
        latency.mean() / 1000.0
    );
    let delivery = match (&outcome.delivery, receipts) {
        (Some(delivery), Some(receipts)) => Some(report_delivery(args, outcome, delivery, tally, receipts)?),
        _ => None,
    };
    println!("herald RSS: peak (VmHWM) {peak_rss:.1} MiB, at the end {rss:.1} MiB");
    let window = report_cpu("window", &outcome.window_cpu, accepted);
    if let Some(drain) = &outcome.delivery {
        report_cpu("drain", &drain.drain_cpu, accepted);
        let herald_total = outcome.window_cpu.herald.total + drain.drain_cpu.herald.total;
        println!(
            "herald CPU per message, window and drain together: {:.1} µs ({herald_total:.2} s for {accepted} messages)",
            herald_total / accepted.max(1) as f64 * 1e6,
        );
    }

    println!();
    println!(
        "| parts | binds × window | clients | accepted msg/s | p50 ms | p99 ms | max ms | parts/s in window \
         | drain s | receipt→event p50 / p99 ms | herald peak RSS MiB | CPU herald / fakes / client / idle |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let clients_column = match args.rate {
        Some(rate) => format!("{} (open loop, {rate}/s)", args.concurrency),
        None => args.concurrency.to_string(),
    };
    let delivery_columns = match &delivery {
        Some(figures) => format!(
            "{:.0} | {:.1} | {:.1} / {:.1}",
            figures.parts_rate_window,
            figures.final_drain,
            ms(figures.receipt_to_event.value_at_quantile(0.5)),
            ms(figures.receipt_to_event.value_at_quantile(0.99))
        ),
        None => "– | – | – (dry run)".to_owned(),
    };
    println!(
        "| {} | {} × {} | {clients_column} | {rate:.0} | {:.1} | {:.1} | {:.1} | {delivery_columns} | {peak_rss:.0} \
         | {:.0}% / {:.0}% / {:.0}% / {:.0}% |",
        args.parts,
        args.binds,
        args.window,
        ms(latency.value_at_quantile(0.5)),
        ms(latency.value_at_quantile(0.99)),
        ms(latency.max()),
        window[0],
        window[1],
        window[2],
        window[3],
    );
    Ok(delivery.is_none_or(|figures| figures.healthy))
}

/// Prints what the fake and Herald's events say about delivery.
fn report_delivery(
    args: &SmsArgs,
    outcome: &Outcome,
    delivery: &Delivery,
    tally: &SubmitTally,
    receipts: &Receipts,
) -> Result<DeliveryFigures> {
    let events = &delivery.events;
    let accepted = outcome.measured.units;
    let parts_total = accepted * u64::from(args.parts);
    let window_seconds = outcome.window_end.duration_since(outcome.window_start).unwrap_or_default().as_secs_f64();
    let parts_rate_window = delivery.parts_in_window as f64 / window_seconds;
    let last_submit = tally.last().unwrap_or(outcome.window_end);
    let submit_span = last_submit.duration_since(outcome.window_start).unwrap_or_default().as_secs_f64();
    let parts_rate_overall = parts_total as f64 / submit_span.max(f64::MIN_POSITIVE);
    let peak_parts = tally.peak_second(outcome.window_start);
    let last_final = events.messages.iter().map(|m| m.finished).max().unwrap_or(0);
    let end_ms = unix_ms(outcome.window_end);
    let submit_drain = (unix_ms(last_submit) - end_ms).max(0) as f64 / 1000.0;
    let final_drain = (last_final - end_ms).max(0) as f64 / 1000.0;

    // Latencies from Herald's event timestamps (milliseconds) and the fake's receipt times.
    let (mut receipt_to_event, mut to_submitted, mut to_final) = (histogram()?, histogram()?, histogram()?);
    let mut missing_receipts = 0u64;
    let millis_to_micros = |millis: i64| (u64::try_from(millis).unwrap_or(0) * 1000).max(1);
    for (timeline, &(count, last_sent)) in events.messages.iter().zip(&receipts.last_sent) {
        if count < u32::from(args.parts) {
            missing_receipts += 1;
        } else {
            // eventTimestamp is in whole milliseconds, cut down: count to the middle of its ms.
            let micros = timeline.finished * 1000 + 500 - last_sent;
            receipt_to_event.saturating_record(u64::try_from(micros).unwrap_or(0).max(1));
        }
        if timeline.submitted > 0 {
            to_submitted.saturating_record(millis_to_micros(timeline.submitted - timeline.requested));
        }
        to_final.saturating_record(millis_to_micros(timeline.finished - timeline.requested));
    }

    println!(
        "parts submitted at the fake: {} in the window ({parts_rate_window:.0}/s), {parts_total} in all, the last \
         {submit_drain:.1} s after the window ({parts_rate_overall:.0}/s from the window's start); busiest second \
         {peak_parts}; {} refused",
        delivery.parts_in_window,
        tally.refused.load(Ordering::Relaxed)
    );
    println!(
        "final: {} of {accepted} messages, the last {final_drain:.1} s after the window; statuses {:?}{}",
        events.finals,
        events.statuses,
        if events.strays > 0 { format!("; {} final events of other messages", events.strays) } else { String::new() }
    );
    if events.duplicates > 0 {
        println!("  {} messages had more than one final event", events.duplicates);
    }
    println!(
        "receipts: {} sent for the window's messages, {} not acknowledged with status 0, {missing_receipts} messages \
         with fewer than {} receipt(s)",
        receipts.count, receipts.unacknowledged, args.parts
    );
    println!("receipt → final event: {}", quantiles(&receipt_to_event));
    println!("accepted → TEXT_SUCCESSFUL (all parts submitted): {}", quantiles(&to_submitted));
    println!("accepted → final event: {}", quantiles(&to_final));
    let delivered = events.statuses.get("DELIVERED").copied().unwrap_or(0);
    let healthy =
        delivered == accepted && events.duplicates == 0 && receipts.unacknowledged == 0 && missing_receipts == 0;
    Ok(DeliveryFigures { parts_rate_window, final_drain, receipt_to_event, healthy })
}

/// Prints the CPU split of a phase; answers the shares of Herald, the fake, the clients and
/// idle time.
fn report_cpu(name: &str, cpu: &Cpu, messages: u64) -> [f64; 4] {
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    let machine = cpu.machine;
    let capacity = machine.busy + machine.idle + machine.steal;
    let share = |seconds: f64| 100.0 * seconds / capacity.max(f64::MIN_POSITIVE);
    let herald = cpu.herald.total;
    let fakes = cpu.bench.threads("fakes");
    let clients = cpu.bench.threads("client");
    let bench_other = (cpu.bench.total - fakes - clients).max(0.0);
    let others = (machine.busy - herald - cpu.bench.total).max(0.0);
    println!(
        "CPU over the {name} ({:.1} s on {cores} cores, {capacity:.1} core-seconds in /proc/stat):",
        cpu.wall.as_secs_f64()
    );
    let per_message = |seconds: f64| seconds / messages.max(1) as f64 * 1e6;
    for (who, seconds) in [
        ("herald", herald),
        ("fakes", fakes),
        ("client", clients),
        ("bench (other)", bench_other),
        ("other procs", others),
    ] {
        println!(
            "  {who:<14} {seconds:6.2} s  {:5.1}% of the machine  {:6.1} µs/message",
            share(seconds),
            per_message(seconds)
        );
    }
    println!("  {:<14} {:6.2} s  {:5.1}%", "idle", machine.idle, share(machine.idle));
    println!("  {:<14} {:6.2} s  {:5.1}%", "steal", machine.steal, share(machine.steal));
    if share(others) > 5.0 || share(machine.steal) > 5.0 {
        println!(
            "  WARNING: other processes ({:.0}%) or the hypervisor ({:.0}%) took CPU: run again",
            share(others),
            share(machine.steal)
        );
    }
    let threads = |sample: &CpuSample| {
        sample.by_thread.iter().map(|(name, cpu)| format!("{name} {cpu:.2} s")).collect::<Vec<_>>().join(", ")
    };
    println!("  herald threads: {}", threads(&cpu.herald));
    println!("  bench threads: {}", threads(&cpu.bench));
    [share(herald), share(fakes), share(clients), share(machine.idle)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_one_or_two_gsm_parts() {
        let gsm = |text: &str| text.chars().all(|c| c.is_ascii_alphanumeric() || " .,:;?'-".contains(c));
        let one = message_body(1, 12_345_678);
        assert!(one.len() <= 160 && gsm(&one), "{} characters: {one}", one.len());
        let two = message_body(2, 12_345_678);
        assert!(two.len() > 160 && two.len() <= 306 && gsm(&two), "{} characters: {two}", two.len());
    }

    #[test]
    fn the_config_names_every_number_and_the_carrier() {
        let args = SmsArgs {
            duration: Duration::from_secs(1),
            warmup: Duration::ZERO,
            concurrency: 1,
            rate: None,
            binds: 4,
            window: 10,
            parts: 1,
            numbers: 3,
            number_mps: 10_000,
            receipt_delay: Duration::ZERO,
            id_format: IdFormatArg::Uuid,
            receipt_window: 10,
            max_in_flight: Some(512),
            drain_timeout: Duration::from_secs(1),
            herald_bin: None,
            herald_log: "info".into(),
            fake_threads: 1,
            client_threads: 1,
            dry_run: false,
            keep: false,
        };
        let config: toml::Table = config(&args, 2775).parse().expect("TOML");
        let numbers = config["numbers"].as_array().expect("numbers");
        assert_eq!(numbers.len(), 3);
        assert_eq!(numbers[2]["phone_number"].as_str(), Some("+447700900102"));
        assert_eq!(config["smpp"]["carriers"][0]["binds"].as_integer(), Some(4));
        assert_eq!(config["sms"]["delivery"]["max_in_flight"].as_integer(), Some(512));
    }

    #[test]
    fn submits_are_counted_per_bucket() {
        let base = UNIX_EPOCH + Duration::from_secs(1_000);
        let tally = SubmitTally::new(base);
        *tally.buckets.lock().expect("lock") = vec![1; 300];
        assert_eq!(tally.between(base, base + Duration::from_secs(1)), 100);
        assert_eq!(tally.between(base + Duration::from_secs(2), base + Duration::from_secs(9)), 100);
        assert_eq!(tally.peak_second(base), 100);
        assert_eq!(tally.last(), Some(base + Duration::from_secs(3)));
    }
}
