//! Herald's SMPP client against an SMPP 3.4 server it did not write: the `smpp34` crate's SMSC,
//! on 127.0.0.1. Between the two, where a test needs to break the link, sits a small TCP (or
//! TLS-terminating) relay.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use herald_sms::smpp::{
    BindMode, Carrier, CarrierEvent, CarrierSettings, DeliveryReceipt, InboundMessage, ReceiptState, SubmitOutcome,
    SubmitPart,
};
use smpp34::server::ESME;
use smpp34::{
    SmppConnectionInformation, SmppError, SmppServer, SmppServerListener, TlvTag, bind_receiver, bind_receiver_resp,
    bind_transceiver, bind_transceiver_resp, bind_transmitter, bind_transmitter_resp, submit_sm, submit_sm_resp,
    unbind, unbind_resp,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc};
use tokio::time::{Instant, timeout};

const SYSTEM_ID: &str = "herald";
const PASSWORD: &str = "s3cret";
/// Upper bound for anything a test waits for.
const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug)]
enum Answer {
    Accept,
    Reject(SmppError),
}

/// The SMSC's behaviour and what it saw.
struct Smsc {
    answer: Mutex<Answer>,
    delay: Mutex<Duration>,
    bind_attempts: AtomicUsize,
    binds_by_kind: Mutex<HashMap<&'static str, usize>>,
    submits: Mutex<Vec<submit_sm>>,
    in_flight: Mutex<HashMap<String, usize>>,
    max_in_flight_per_session: AtomicUsize,
    max_in_flight_total: AtomicUsize,
    next_id: AtomicU32,
    sessions: Mutex<Vec<(String, ESME)>>,
    session_bound: Notify,
    unbinds: AtomicUsize,
    interface_versions: Mutex<Vec<u8>>,
}

impl Smsc {
    fn new() -> Arc<Smsc> {
        Arc::new(Smsc {
            answer: Mutex::new(Answer::Accept),
            delay: Mutex::new(Duration::ZERO),
            bind_attempts: AtomicUsize::new(0),
            binds_by_kind: Mutex::new(HashMap::new()),
            submits: Mutex::new(Vec::new()),
            in_flight: Mutex::new(HashMap::new()),
            max_in_flight_per_session: AtomicUsize::new(0),
            max_in_flight_total: AtomicUsize::new(0),
            next_id: AtomicU32::new(1),
            sessions: Mutex::new(Vec::new()),
            session_bound: Notify::new(),
            unbinds: AtomicUsize::new(0),
            interface_versions: Mutex::new(Vec::new()),
        })
    }

    fn set_answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    fn credentials_ok(&self, kind: &'static str, system_id: &str, password: &str) -> bool {
        self.bind_attempts.fetch_add(1, Ordering::SeqCst);
        let ok = system_id == SYSTEM_ID && password == PASSWORD;
        if ok {
            *self.binds_by_kind.lock().unwrap().entry(kind).or_default() += 1;
        }
        ok
    }

    fn submits(&self) -> Vec<submit_sm> {
        self.submits.lock().unwrap().clone()
    }

    /// A bound session that can take deliver_sm (transceiver or receiver), waiting for one.
    async fn receiving_session(&self) -> ESME {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let bound = self.session_bound.notified();
            tokio::pin!(bound);
            bound.as_mut().enable();
            let found = {
                let mut sessions = self.sessions.lock().unwrap();
                let index = sessions.iter().rposition(|(_, esme)| esme.can_receive);
                index.map(|index| sessions.remove(index).1)
            };
            if let Some(esme) = found {
                return esme;
            }
            assert!(timeout(deadline - Instant::now(), bound).await.is_ok(), "no receiving session bound in time");
        }
    }
}

#[async_trait]
impl SmppServerListener for Smsc {
    async fn on_bind_transceiver(
        &self,
        req: bind_transceiver,
        _: &SmppConnectionInformation,
        _: &String,
    ) -> bind_transceiver_resp {
        self.interface_versions.lock().unwrap().push(req.interface_version);
        if self.credentials_ok("transceiver", &req.system_id, &req.password) {
            req.accept("smsc".to_owned(), Some(0x34))
        } else {
            req.reject(SmppError::ESME_RINVPASWD)
        }
    }

    async fn on_bind_transmitter(
        &self,
        req: bind_transmitter,
        _: &SmppConnectionInformation,
        _: &String,
    ) -> bind_transmitter_resp {
        if self.credentials_ok("transmitter", &req.system_id, &req.password) {
            req.accept("smsc".to_owned(), Some(0x34))
        } else {
            req.reject(SmppError::ESME_RINVPASWD)
        }
    }

    async fn on_bind_receiver(
        &self,
        req: bind_receiver,
        _: &SmppConnectionInformation,
        _: &String,
    ) -> bind_receiver_resp {
        if self.credentials_ok("receiver", &req.system_id, &req.password) {
            req.accept("smsc".to_owned(), Some(0x34))
        } else {
            req.reject(SmppError::ESME_RINVPASWD)
        }
    }

    async fn on_submit_sm(&self, req: submit_sm, _: &SmppConnectionInformation, session: &String) -> submit_sm_resp {
        self.submits.lock().unwrap().push(req.clone());
        {
            let mut in_flight = self.in_flight.lock().unwrap();
            let mine = in_flight.entry(session.clone()).or_default();
            *mine += 1;
            let mine = *mine;
            let total: usize = in_flight.values().sum();
            self.max_in_flight_per_session.fetch_max(mine, Ordering::SeqCst);
            self.max_in_flight_total.fetch_max(total, Ordering::SeqCst);
        }
        let delay = *self.delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        *self.in_flight.lock().unwrap().entry(session.clone()).or_default() -= 1;
        let answer = *self.answer.lock().unwrap();
        match answer {
            Answer::Accept => req.accept(format!("srv-{}", self.next_id.fetch_add(1, Ordering::SeqCst))),
            Answer::Reject(error) => req.reject(error),
        }
    }

    async fn on_unbind(&self, req: unbind, _: &SmppConnectionInformation, _: &String) -> unbind_resp {
        self.unbinds.fetch_add(1, Ordering::SeqCst);
        req.accept()
    }

    async fn on_esme_bound(&self, esme: ESME, session: &String) {
        self.sessions.lock().unwrap().push((session.clone(), esme));
        self.session_bound.notify_waiters();
    }

    async fn on_esme_unbound(&self, session: &String) {
        self.sessions.lock().unwrap().retain(|(id, _)| id != session);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("probe port").local_addr().expect("addr").port()
}

/// Starts the smpp34 SMSC on a free loopback port, with its own enquire_link every
/// `enquire_link_ms` (it drops the connection when one goes unanswered for a second).
async fn start_smsc(smsc: Arc<Smsc>, enquire_link_ms: u64) -> (SmppServer, u16) {
    for _ in 0..20 {
        let port = free_port();
        let mut server = SmppServer::new_with_default_timers(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            port,
            smsc.clone(),
            5_000,
            enquire_link_ms,
            300_000,
            1_000,
            4_096,
        );
        server.start().await;
        if server.is_alive() {
            return (server, port);
        }
    }
    panic!("could not start the SMSC on any port");
}

fn settings(port: u16) -> CarrierSettings {
    let mut settings = CarrierSettings::new("acme", "127.0.0.1", port, SYSTEM_ID, PASSWORD);
    settings.response_timeout = Duration::from_secs(2);
    settings.reconnect_min = Duration::from_millis(50);
    settings.reconnect_max = Duration::from_millis(400);
    settings
}

fn part(text: &str) -> SubmitPart {
    SubmitPart {
        source: "+15550001111".to_owned(),
        destination: "+15550002222".to_owned(),
        data_coding: 0,
        udhi: false,
        short_message: text.as_bytes().to_vec(),
        registered_delivery: true,
    }
}

/// The next event satisfying `wanted`, skipping others; panics after PATIENCE.
async fn wait_for(
    events: &mut mpsc::Receiver<CarrierEvent>,
    what: &str,
    wanted: impl Fn(&CarrierEvent) -> bool,
) -> CarrierEvent {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match timeout(deadline - Instant::now(), events.recv()).await {
            Ok(Some(event)) if wanted(&event) => return event,
            Ok(Some(_)) => {}
            Ok(None) => panic!("event channel closed while waiting for {what}"),
            Err(_) => panic!("no {what} within {PATIENCE:?}"),
        }
    }
}

async fn bind_up(events: &mut mpsc::Receiver<CarrierEvent>) {
    wait_for(events, "BindUp", |e| matches!(e, CarrierEvent::BindUp { .. })).await;
}

async fn bind_down(events: &mut mpsc::Receiver<CarrierEvent>) -> String {
    match wait_for(events, "BindDown", |e| matches!(e, CarrierEvent::BindDown { .. })).await {
        CarrierEvent::BindDown { reason, .. } => reason,
        _ => unreachable!(),
    }
}

async fn receipt(events: &mut mpsc::Receiver<CarrierEvent>) -> DeliveryReceipt {
    match wait_for(events, "Receipt", |e| matches!(e, CarrierEvent::Receipt(_))).await {
        CarrierEvent::Receipt(receipt) => receipt,
        _ => unreachable!(),
    }
}

async fn inbound(events: &mut mpsc::Receiver<CarrierEvent>) -> InboundMessage {
    match wait_for(events, "Inbound", |e| matches!(e, CarrierEvent::Inbound(_))).await {
        CarrierEvent::Inbound(message) => message,
        _ => unreachable!(),
    }
}

async fn submit(carrier: &Carrier, part: SubmitPart) -> SubmitOutcome {
    timeout(PATIENCE, carrier.submit(part)).await.expect("submit is bounded in time")
}

async fn shutdown(carrier: &Carrier) {
    timeout(PATIENCE, carrier.shutdown()).await.expect("shutdown is bounded in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binds_and_submits_with_the_right_fields() {
    let smsc = Smsc::new();
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let (tx, mut events) = mpsc::channel(64);
    let carrier = Carrier::start(settings(port), tx);
    bind_up(&mut events).await;
    assert_eq!(carrier.bound(), 1);
    assert_eq!(carrier.name(), "acme");

    assert_eq!(submit(&carrier, part("hello")).await, SubmitOutcome::Accepted { message_id: "srv-1".into() });
    let ucs2_with_udh = SubmitPart {
        source: "Herald".into(),
        destination: "15550003333".into(),
        data_coding: 8,
        udhi: true,
        short_message: vec![5, 0, 3, 7, 2, 1, 0, 0x48],
        registered_delivery: false,
    };
    assert_eq!(submit(&carrier, ucs2_with_udh).await, SubmitOutcome::Accepted { message_id: "srv-2".into() });
    let short_code = SubmitPart { source: "12345".into(), ..part("short") };
    assert!(matches!(submit(&carrier, short_code).await, SubmitOutcome::Accepted { .. }));

    assert_eq!(*smsc.interface_versions.lock().unwrap(), vec![0x34]);
    let seen = smsc.submits();
    assert_eq!(seen.len(), 3);
    let first = &seen[0];
    assert_eq!(first.service_type, "");
    assert_eq!((first.source_addr_ton, first.source_addr_npi, first.source_addr.as_str()), (1, 1, "15550001111"));
    assert_eq!((first.dest_addr_ton, first.dest_addr_npi, first.destination_addr.as_str()), (1, 1, "15550002222"));
    assert_eq!((first.esm_class, first.registered_delivery, first.data_coding), (0x00, 0x01, 0x00));
    assert_eq!(first.short_message, b"hello");
    let second = &seen[1];
    assert_eq!((second.source_addr_ton, second.source_addr_npi, second.source_addr.as_str()), (5, 0, "Herald"));
    assert_eq!((second.dest_addr_ton, second.dest_addr_npi, second.destination_addr.as_str()), (1, 1, "15550003333"));
    assert_eq!((second.esm_class, second.registered_delivery, second.data_coding), (0x40, 0x00, 0x08));
    assert_eq!(second.short_message, vec![5, 0, 3, 7, 2, 1, 0, 0x48]);
    assert_eq!((seen[2].source_addr_ton, seen[2].source_addr_npi, seen[2].source_addr.as_str()), (3, 0, "12345"));

    shutdown(&carrier).await;
    assert_eq!(smsc.unbinds.load(Ordering::SeqCst), 1, "shutdown unbinds politely");
    assert_eq!(carrier.bound(), 0);
    assert!(matches!(submit(&carrier, part("late")).await, SubmitOutcome::Unavailable { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_never_binds_and_keeps_retrying() {
    let smsc = Smsc::new();
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let (tx, mut events) = mpsc::channel(64);
    let mut settings = settings(port);
    settings.password = "wrong".into();
    settings.response_timeout = Duration::from_millis(300);
    let carrier = Carrier::start(settings, tx);
    for _ in 0..3 {
        let reason = bind_down(&mut events).await;
        assert!(reason.contains("ESME_RINVPASWD"), "{reason}");
        assert!(!reason.contains("wrong"), "the password must not leak into events: {reason}");
    }
    assert!(smsc.bind_attempts.load(Ordering::SeqCst) >= 3);
    assert_eq!(carrier.bound(), 0);
    let outcome = submit(&carrier, part("nope")).await;
    assert!(matches!(outcome, SubmitOutcome::Unavailable { .. }), "{outcome:?}");
    shutdown(&carrier).await;
    while let Ok(event) = events.try_recv() {
        assert!(!matches!(event, CarrierEvent::BindUp { .. }), "never bound");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_limits_outstanding_submits_per_bind() {
    let smsc = Smsc::new();
    *smsc.delay.lock().unwrap() = Duration::from_millis(250);
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let (tx, mut events) = mpsc::channel(64);
    let mut settings = settings(port);
    settings.binds = 2;
    settings.window = 3;
    settings.response_timeout = Duration::from_secs(5);
    let carrier = Carrier::start(settings, tx);
    bind_up(&mut events).await;
    bind_up(&mut events).await;
    assert_eq!(carrier.bound(), 2);

    let submits: Vec<_> = (0..18)
        .map(|n| {
            let carrier = carrier.clone();
            tokio::spawn(async move { carrier.submit(part(&format!("message {n}"))).await })
        })
        .collect();
    for submit in submits {
        let outcome = timeout(PATIENCE, submit).await.expect("bounded").expect("task");
        assert!(matches!(outcome, SubmitOutcome::Accepted { .. }), "{outcome:?}");
    }
    let per_session = smsc.max_in_flight_per_session.load(Ordering::SeqCst);
    let total = smsc.max_in_flight_total.load(Ordering::SeqCst);
    assert!(per_session <= 3, "a bind had {per_session} outstanding submits with a window of 3");
    assert!(total <= 6, "{total} outstanding across two binds with a window of 3");
    assert!(per_session >= 2, "submits should be pipelined, saw at most {per_session} at once");
    assert!(total > per_session, "both binds should be used");
    shutdown(&carrier).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_and_inbound_messages_arrive_as_events() {
    let smsc = Smsc::new();
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let (tx, mut events) = mpsc::channel(64);
    let carrier = Carrier::start(settings(port), tx);
    bind_up(&mut events).await;
    let esme = smsc.receiving_session().await;

    let text =
        "id:0000A1F sub:001 dlvrd:001 submit date:2401021530 done date:2401021531 stat:DELIVRD err:000 text:hello";
    let resp = esme
        .deliver_sm()
        .source_addr_ton(1)
        .source_addr_npi(1)
        .source_addr("15550002222")
        .destination_addr("15550001111")
        .esm_class(0x04)
        .short_message(text.as_bytes())
        .tlv(TlvTag::ReceiptedMessageId, b"a1f\0".to_vec())
        .tlv(TlvTag::MessageStateTlv, vec![2])
        .send()
        .await
        .expect("deliver_sm answered");
    assert!(resp.is_success());
    let delivered = receipt(&mut events).await;
    assert_eq!(delivered.carrier, "acme");
    assert_eq!(delivered.message_id, "a1f");
    assert_eq!(delivered.state, ReceiptState::Delivered);
    assert_eq!(delivered.error_code, None);
    assert_eq!(delivered.text, text);

    // Text only, in lower case and another order.
    esme.deliver_sm()
        .source_addr("15550002222")
        .destination_addr("15550001111")
        .esm_class(0x04)
        .short_message(&b"stat:undeliv err:034 id:2591 done date:2401021531"[..])
        .send()
        .await
        .expect("deliver_sm answered");
    let undelivered = receipt(&mut events).await;
    assert_eq!(undelivered.message_id, "2591");
    assert_eq!(undelivered.state, ReceiptState::Undeliverable);
    assert_eq!(undelivered.error_code.as_deref(), Some("034"));
    assert!(herald_sms::smpp::message_ids_match("000A1F", &undelivered.message_id));

    let body: Vec<u8> = "hé".encode_utf16().flat_map(u16::to_be_bytes).collect();
    esme.deliver_sm()
        .source_addr_ton(1)
        .source_addr_npi(1)
        .source_addr("15550002222")
        .dest_addr_ton(3)
        .destination_addr("12345")
        .data_coding(8)
        .short_message(body.clone())
        .send()
        .await
        .expect("deliver_sm answered");
    let mo = inbound(&mut events).await;
    assert_eq!(mo.carrier, "acme");
    assert_eq!(mo.source, "+15550002222");
    assert_eq!(mo.destination, "12345");
    assert_eq!((mo.data_coding, mo.udhi), (8, false));
    assert_eq!(mo.short_message, body);
    shutdown(&carrier).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_sm_is_acknowledged_only_once_the_event_is_taken() {
    let smsc = Smsc::new();
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let (tx, mut events) = mpsc::channel(1);
    let carrier = Carrier::start(settings(port), tx);
    bind_up(&mut events).await;
    let esme = Arc::new(smsc.receiving_session().await);
    let deliver = |n: u32| {
        let esme = esme.clone();
        tokio::spawn(async move {
            esme.deliver_sm()
                .source_addr("15550002222")
                .destination_addr("12345")
                .short_message(format!("mo {n}").into_bytes())
                .send()
                .await
        })
    };
    // The first fills the one-slot channel and is acknowledged; the second must wait.
    timeout(PATIENCE, deliver(1)).await.expect("first acknowledged").expect("task").expect("deliver_sm_resp");
    let second = deliver(2);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!second.is_finished(), "deliver_sm acknowledged before its event was taken");
    assert_eq!(inbound(&mut events).await.short_message, b"mo 1");
    timeout(PATIENCE, second).await.expect("second acknowledged").expect("task").expect("deliver_sm_resp");
    assert_eq!(inbound(&mut events).await.short_message, b"mo 2");
    shutdown(&carrier).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_rejections() {
    let smsc = Smsc::new();
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let (tx, mut events) = mpsc::channel(64);
    let carrier = Carrier::start(settings(port), tx);
    bind_up(&mut events).await;

    smsc.set_answer(Answer::Reject(SmppError::ESME_RTHROTTLED));
    assert_eq!(submit(&carrier, part("a")).await, SubmitOutcome::Throttled);
    smsc.set_answer(Answer::Reject(SmppError::ESME_RMSGQFUL));
    let throttled_at = Instant::now();
    assert_eq!(submit(&carrier, part("b")).await, SubmitOutcome::Throttled);
    // The second throttle paused the bind for 500 ms; the next submit waits that out.
    smsc.set_answer(Answer::Accept);
    assert!(matches!(submit(&carrier, part("c")).await, SubmitOutcome::Accepted { .. }));
    assert!(throttled_at.elapsed() >= Duration::from_millis(400), "{:?}", throttled_at.elapsed());
    // Success reset the pause.
    let started = Instant::now();
    assert!(matches!(submit(&carrier, part("d")).await, SubmitOutcome::Accepted { .. }));
    assert!(started.elapsed() < Duration::from_millis(200), "{:?}", started.elapsed());

    smsc.set_answer(Answer::Reject(SmppError::ESME_RINVDSTADR));
    assert_eq!(submit(&carrier, part("e")).await, SubmitOutcome::Rejected { command_status: 0x0B, permanent: true });
    smsc.set_answer(Answer::Reject(SmppError::ESME_RSYSERR));
    assert_eq!(submit(&carrier, part("f")).await, SubmitOutcome::Rejected { command_status: 0x08, permanent: false });
    shutdown(&carrier).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_without_response_is_unavailable() {
    let smsc = Smsc::new();
    *smsc.delay.lock().unwrap() = Duration::from_millis(1_500);
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let (tx, mut events) = mpsc::channel(64);
    let mut settings = settings(port);
    settings.response_timeout = Duration::from_millis(500);
    let carrier = Carrier::start(settings, tx);
    bind_up(&mut events).await;
    let started = Instant::now();
    let outcome = submit(&carrier, part("slow")).await;
    assert!(
        matches!(&outcome, SubmitOutcome::Unavailable { reason } if reason.contains("submit_sm_resp")),
        "{outcome:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(1_200), "{:?}", started.elapsed());
    shutdown(&carrier).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_spaces_submits() {
    let smsc = Smsc::new();
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let (tx, mut events) = mpsc::channel(64);
    let mut settings = settings(port);
    settings.binds = 2;
    settings.max_parts_per_second = Some(20);
    let carrier = Carrier::start(settings, tx);
    bind_up(&mut events).await;
    bind_up(&mut events).await;
    let started = Instant::now();
    let submits: Vec<_> = (0..11)
        .map(|n| {
            let carrier = carrier.clone();
            tokio::spawn(async move { carrier.submit(part(&format!("{n}"))).await })
        })
        .collect();
    for submit in submits {
        let outcome = timeout(PATIENCE, submit).await.expect("bounded").expect("task");
        assert!(matches!(outcome, SubmitOutcome::Accepted { .. }), "{outcome:?}");
    }
    // 11 parts at 20 per second: the last one no earlier than 500 ms after the first.
    assert!(started.elapsed() >= Duration::from_millis(480), "{:?}", started.elapsed());
    shutdown(&carrier).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalive_both_ways() {
    let smsc = Smsc::new();
    // The SMSC sends enquire_link every 200 ms and drops us if we do not answer.
    let (_server, port) = start_smsc(smsc.clone(), 200).await;
    let (tx, mut events) = mpsc::channel(64);
    let mut settings = settings(port);
    settings.enquire_link_interval = Duration::from_millis(150);
    settings.response_timeout = Duration::from_millis(500);
    let carrier = Carrier::start(settings, tx);
    bind_up(&mut events).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    while let Ok(event) = events.try_recv() {
        assert!(!matches!(event, CarrierEvent::BindDown { .. }), "link dropped: {event:?}");
    }
    assert_eq!(carrier.bound(), 1);
    assert!(matches!(submit(&carrier, part("alive")).await, SubmitOutcome::Accepted { .. }));
    shutdown(&carrier).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_the_smsc_unbinds() {
    let smsc = Smsc::new();
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let (tx, mut events) = mpsc::channel(64);
    let carrier = Carrier::start(settings(port), tx);
    bind_up(&mut events).await;
    let esme = smsc.receiving_session().await;
    // smpp34's server never matches an unbind_resp to its unbind (its read loop has no case for
    // it), so the result of send_unbind says nothing; what counts is that Herald lets go and
    // binds again.
    let unbind = tokio::spawn(async move { esme.send_unbind().await });
    let reason = bind_down(&mut events).await;
    assert!(reason.contains("unbind"), "{reason}");
    bind_up(&mut events).await;
    assert!(matches!(submit(&carrier, part("again")).await, SubmitOutcome::Accepted { .. }));
    let _ = timeout(PATIENCE, unbind).await;
    shutdown(&carrier).await;
}

/// A loopback TCP relay in front of the SMSC that can cut or silence its connections.
struct Relay {
    port: u16,
    cut: Arc<Notify>,
    connections: Arc<Mutex<Vec<Arc<AtomicBool>>>>,
}

impl Relay {
    async fn start(upstream: u16, tls: Option<tokio_rustls::TlsAcceptor>) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("relay listen");
        let port = listener.local_addr().expect("addr").port();
        let cut = Arc::new(Notify::new());
        let connections: Arc<Mutex<Vec<Arc<AtomicBool>>>> = Arc::default();
        let (cut_all, registry) = (cut.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(SocketAddr::from((Ipv4Addr::LOCALHOST, upstream))).await else {
                    continue;
                };
                let silenced = Arc::new(AtomicBool::new(false));
                registry.lock().unwrap().push(silenced.clone());
                let cut = cut_all.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let cut = cut.notified();
                    tokio::pin!(cut);
                    cut.as_mut().enable();
                    let relay = async {
                        match tls {
                            Some(acceptor) => {
                                if let Ok(client) = acceptor.accept(client).await {
                                    relay(client, server, silenced).await;
                                }
                            }
                            None => relay(client, server, silenced).await,
                        }
                    };
                    tokio::select! {
                        _ = cut => {}
                        _ = relay => {}
                    }
                });
            }
        });
        Relay { port, cut, connections }
    }

    /// Closes every open connection.
    fn cut_all(&self) {
        self.cut.notify_waiters();
    }

    /// Makes every open connection swallow what it carries, like a dead link.
    fn silence_all(&self) {
        for connection in self.connections.lock().unwrap().iter() {
            connection.store(true, Ordering::SeqCst);
        }
    }
}

async fn relay<C: AsyncRead + AsyncWrite + Unpin>(client: C, server: TcpStream, silenced: Arc<AtomicBool>) {
    let (mut client_read, mut client_write) = tokio::io::split(client);
    let (mut server_read, mut server_write) = server.into_split();
    let up = pump(&mut client_read, &mut server_write, &silenced);
    let down = pump(&mut server_read, &mut client_write, &silenced);
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

async fn pump(from: &mut (impl AsyncRead + Unpin), to: &mut (impl AsyncWrite + Unpin), silenced: &AtomicBool) {
    let mut buf = vec![0u8; 4096];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if !silenced.load(Ordering::SeqCst) && to.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_the_connection_drops() {
    let smsc = Smsc::new();
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let relay = Relay::start(port, None).await;
    let (tx, mut events) = mpsc::channel(64);
    let carrier = Carrier::start(settings(relay.port), tx);
    bind_up(&mut events).await;
    assert!(matches!(submit(&carrier, part("before")).await, SubmitOutcome::Accepted { .. }));
    relay.cut_all();
    let reason = bind_down(&mut events).await;
    assert!(reason.contains("closed"), "{reason}");
    bind_up(&mut events).await;
    assert!(matches!(submit(&carrier, part("after")).await, SubmitOutcome::Accepted { .. }));
    shutdown(&carrier).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_enquire_link_resp_means_a_dead_link() {
    let smsc = Smsc::new();
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let relay = Relay::start(port, None).await;
    let (tx, mut events) = mpsc::channel(64);
    let mut settings = settings(relay.port);
    settings.enquire_link_interval = Duration::from_millis(200);
    settings.response_timeout = Duration::from_millis(400);
    let carrier = Carrier::start(settings, tx);
    bind_up(&mut events).await;
    relay.silence_all();
    let reason = bind_down(&mut events).await;
    assert!(reason.contains("enquire_link_resp"), "{reason}");
    bind_up(&mut events).await;
    assert!(matches!(submit(&carrier, part("revived")).await, SubmitOutcome::Accepted { .. }));
    shutdown(&carrier).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transmitter_receiver_mode_uses_two_connections() {
    let smsc = Smsc::new();
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let (tx, mut events) = mpsc::channel(64);
    let mut settings = settings(port);
    settings.bind_mode = BindMode::TransmitterReceiver;
    let carrier = Carrier::start(settings, tx);
    bind_up(&mut events).await;
    bind_up(&mut events).await;
    {
        let kinds = smsc.binds_by_kind.lock().unwrap();
        assert_eq!(kinds.get("transmitter"), Some(&1));
        assert_eq!(kinds.get("receiver"), Some(&1));
        assert_eq!(kinds.get("transceiver"), None);
    }
    assert_eq!(carrier.bound(), 1);
    assert!(matches!(submit(&carrier, part("tx")).await, SubmitOutcome::Accepted { .. }));
    let receiver = smsc.receiving_session().await;
    // smpp34's server only matches deliver_sm_resp on sessions it counts as transmitting, which
    // excludes receiver binds, so the response it waits for here never registers; the receipt
    // event is what this test checks.
    let deliver = tokio::spawn(async move {
        receiver
            .deliver_sm()
            .source_addr("15550002222")
            .destination_addr("15550001111")
            .esm_class(0x04)
            .short_message(&b"id:srv-1 stat:DELIVRD err:000"[..])
            .send()
            .await
    });
    let delivered = receipt(&mut events).await;
    assert_eq!((delivered.message_id.as_str(), delivered.state), ("srv-1", ReceiptState::Delivered));
    let _ = timeout(PATIENCE, deliver).await;
    shutdown(&carrier).await;
    assert_eq!(smsc.unbinds.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_an_extra_ca() {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &issuer)
        .expect("leaf cert");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));

    let smsc = Smsc::new();
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let relay = Relay::start(port, Some(acceptor)).await;
    let (tx, mut events) = mpsc::channel(64);
    let mut settings = settings(relay.port);
    settings.tls = true;
    settings.tls_ca = Some(ca_cert.pem().into_bytes());
    let carrier = Carrier::start(settings, tx);
    bind_up(&mut events).await;
    assert!(matches!(submit(&carrier, part("secret")).await, SubmitOutcome::Accepted { .. }));
    shutdown(&carrier).await;

    // Without the CA the handshake fails and the bind never comes up.
    let (tx, mut events) = mpsc::channel(64);
    let mut untrusted = self::settings(relay.port);
    untrusted.tls = true;
    let carrier = Carrier::start(untrusted, tx);
    let reason = bind_down(&mut events).await;
    assert!(reason.contains("TLS"), "{reason}");
    assert_eq!(carrier.bound(), 0);
    shutdown(&carrier).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_outstanding_submits_finish_then_unbinds() {
    let smsc = Smsc::new();
    *smsc.delay.lock().unwrap() = Duration::from_millis(400);
    let (_server, port) = start_smsc(smsc.clone(), 30_000).await;
    let (tx, mut events) = mpsc::channel(64);
    let carrier = Carrier::start(settings(port), tx);
    bind_up(&mut events).await;
    let in_flight = {
        let carrier = carrier.clone();
        tokio::spawn(async move { carrier.submit(part("last one")).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    shutdown(&carrier).await;
    let outcome = timeout(PATIENCE, in_flight).await.expect("bounded").expect("task");
    assert!(matches!(outcome, SubmitOutcome::Accepted { .. }), "{outcome:?}");
    assert_eq!(smsc.unbinds.load(Ordering::SeqCst), 1);
    let reason = bind_down(&mut events).await;
    assert_eq!(reason, "unbound");
}
