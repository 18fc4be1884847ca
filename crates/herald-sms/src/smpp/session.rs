//! One bind's connection loop: connect, bind, serve the connection until it ends, back off,
//! and again, until the carrier shuts down.
//!
//! A task owns its connection outright (no locks around the socket): submits reach it through a
//! channel, responses go back through each submit's oneshot, and everything the SMSC initiates
//! (deliver_sm, enquire_link, unbind) is answered from the same loop.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use rand::Rng;
use rusmpp::pdus::{DataSmResp, DeliverSmResp};
use rusmpp::types::COctetString;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_rustls::TlsConnector;
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::address::inbound_address;
use super::carrier::{BindState, SubmitRequest};
use super::codec::{Frame, SmppCodec};
use super::events::{CarrierEvent, DeliveryReceipt, InboundMessage, SubmitOutcome};
use super::pdu::{self, Role};
use super::receipt::build_receipt;
use super::settings::CarrierSettings;
use super::status::{self, ESME_RINVCMDID, ESME_RX_T_APPN, StatusClass};
use super::window::{Pending, Slot};

/// How connections are made.
pub(crate) enum Transport {
    Plain,
    Tls(TlsConnector),
    /// TLS was asked for but cannot be set up; every attempt fails with this reason.
    Broken(String),
}

/// Everything a bind task needs; it owns it for its whole life.
pub(crate) struct SessionContext {
    pub settings: Arc<CarrierSettings>,
    pub role: Role,
    pub index: usize,
    /// The submit side of the bind (None for a receiver connection).
    pub bind: Option<Arc<BindState>>,
    pub requests: Option<mpsc::Receiver<SubmitRequest>>,
    pub events: mpsc::Sender<CarrierEvent>,
    pub transport: Arc<Transport>,
    pub shutdown: CancellationToken,
}

trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

type Connection = Framed<Box<dyn Stream>, SmppCodec>;

/// A submit awaiting its submit_sm_resp; its window slot is freed when this is dropped.
struct PendingSubmit {
    reply: oneshot::Sender<SubmitOutcome>,
    _slot: Slot,
}

/// The bind task.
pub(crate) async fn run(mut ctx: SessionContext) {
    let mut requests = ctx.requests.take();
    let mut failures: u32 = 0;
    while !ctx.shutdown.is_cancelled() {
        refuse_queued(&mut requests, "bind is not bound");
        match connect_and_bind(&ctx).await {
            Ok(connection) => {
                let bound_at = Instant::now();
                if let Some(bind) = &ctx.bind {
                    bind.clear_throttle();
                    bind.set_bound(true);
                }
                info!(carrier = %ctx.settings.name, bind = ctx.index, role = ctx.role.name(), "SMPP bound");
                let _ = emit(&ctx, CarrierEvent::BindUp { carrier: ctx.settings.name.clone(), bind: ctx.index }).await;

                let mut session = Session::new(&ctx, connection);
                let reason = session.serve(&mut requests).await;
                if let Some(bind) = &ctx.bind {
                    bind.set_bound(false);
                }
                let lost = format!("connection lost: {reason}");
                for submit in session.pending.drain() {
                    let _ = submit.reply.send(SubmitOutcome::Unavailable { reason: lost.clone() });
                }
                refuse_queued(&mut requests, &lost);
                if ctx.shutdown.is_cancelled() {
                    info!(carrier = %ctx.settings.name, bind = ctx.index, role = ctx.role.name(), %reason, "SMPP unbound");
                } else {
                    warn!(carrier = %ctx.settings.name, bind = ctx.index, role = ctx.role.name(), %reason, "SMPP connection ended; reconnecting");
                }
                let _ =
                    emit(&ctx, CarrierEvent::BindDown { carrier: ctx.settings.name.clone(), bind: ctx.index, reason })
                        .await;
                // A connection that stayed up longer than the longest backoff was healthy; one
                // that keeps dropping right after binding is treated like a failing bind.
                failures = if bound_at.elapsed() >= ctx.settings.reconnect_max { 0 } else { failures + 1 };
            }
            Err(reason) => {
                if ctx.shutdown.is_cancelled() {
                    break;
                }
                failures += 1;
                warn!(carrier = %ctx.settings.name, bind = ctx.index, role = ctx.role.name(), %reason, attempt = failures, "SMPP bind failed");
                let _ =
                    emit(&ctx, CarrierEvent::BindDown { carrier: ctx.settings.name.clone(), bind: ctx.index, reason })
                        .await;
            }
        }
        if ctx.shutdown.is_cancelled() {
            break;
        }
        let delay = backoff(failures, ctx.settings.reconnect_min, ctx.settings.reconnect_max);
        debug!(carrier = %ctx.settings.name, bind = ctx.index, ?delay, "SMPP reconnecting after delay");
        wait_refusing(&ctx, &mut requests, delay).await;
    }
    if let Some(bind) = &ctx.bind {
        bind.set_bound(false);
    }
    if let Some(requests) = &mut requests {
        requests.close();
    }
    refuse_queued(&mut requests, "carrier is shut down");
}

/// The delay before reconnect attempt number `failures` (0 after a healthy connection): capped
/// exponential, with jitter in [delay/2, delay] so a carrier's binds, or several Herald
/// instances, do not reconnect in lock-step after an SMSC restart.
pub(crate) fn backoff(failures: u32, min: Duration, max: Duration) -> Duration {
    let exponent = failures.saturating_sub(1).min(20);
    let delay = min.saturating_mul(1 << exponent).min(max);
    let half = delay / 2;
    half + rand::rng().random_range(Duration::ZERO..=half)
}

/// Answers submits that reached a bind which is not bound (they raced its going down).
fn refuse_queued(requests: &mut Option<mpsc::Receiver<SubmitRequest>>, reason: &str) {
    let Some(requests) = requests else { return };
    while let Ok(request) = requests.try_recv() {
        let _ = request.reply.send(SubmitOutcome::Unavailable { reason: reason.to_owned() });
    }
}

async fn wait_refusing(ctx: &SessionContext, requests: &mut Option<mpsc::Receiver<SubmitRequest>>, delay: Duration) {
    let until = Instant::now() + delay;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(until) => return,
            _ = ctx.shutdown.cancelled() => return,
            Some(request) = next_request(requests) => {
                let _ = request.reply.send(SubmitOutcome::Unavailable { reason: "bind is reconnecting".to_owned() });
            }
        }
    }
}

async fn next_request(requests: &mut Option<mpsc::Receiver<SubmitRequest>>) -> Option<SubmitRequest> {
    match requests {
        Some(requests) => requests.recv().await,
        None => std::future::pending().await,
    }
}

/// Hands an event to the engine, waiting while its channel is full; true once it is in the
/// channel. Once the carrier is shutting down the engine may have stopped reading, so then only
/// free room is used and nothing waits.
async fn emit(ctx: &SessionContext, event: CarrierEvent) -> bool {
    if ctx.shutdown.is_cancelled() {
        return ctx.events.try_send(event).is_ok();
    }
    tokio::select! {
        sent = ctx.events.send(event) => sent.is_ok(),
        _ = ctx.shutdown.cancelled() => false,
    }
}

async fn connect_and_bind(ctx: &SessionContext) -> Result<Connection, String> {
    let settings = &ctx.settings;
    let timeout = settings.response_timeout;
    let host = settings.host.as_str();
    let tcp = tokio::select! {
        connected = tokio::time::timeout(timeout, TcpStream::connect((host, settings.port))) => connected,
        _ = ctx.shutdown.cancelled() => return Err("shutting down".to_owned()),
    };
    let tcp = match tcp {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(e)) => return Err(format!("connect to {host}:{}: {e}", settings.port)),
        Err(_) => return Err(format!("connect to {host}:{} timed out", settings.port)),
    };
    let _ = tcp.set_nodelay(true);
    let stream: Box<dyn Stream> = match ctx.transport.as_ref() {
        Transport::Plain => Box::new(tcp),
        Transport::Broken(reason) => return Err(reason.clone()),
        Transport::Tls(connector) => {
            let name = rustls_pki_types::ServerName::try_from(host.to_owned())
                .map_err(|e| format!("TLS: {host:?} is not a valid server name: {e}"))?;
            match tokio::time::timeout(timeout, connector.connect(name, tcp)).await {
                Ok(Ok(tls)) => Box::new(tls),
                Ok(Err(e)) => return Err(format!("TLS handshake with {host}: {e}")),
                Err(_) => return Err(format!("TLS handshake with {host} timed out")),
            }
        }
    };
    let mut connection = Framed::new(stream, SmppCodec);

    const BIND_SEQUENCE: u32 = 1;
    let bind = pdu::bind_command(ctx.role, BIND_SEQUENCE, settings)?;
    match tokio::time::timeout(timeout, connection.send(bind)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("sending bind: {e}")),
        Err(_) => return Err("sending bind timed out".to_owned()),
    }
    let deadline = Instant::now() + timeout;
    loop {
        let frame = tokio::select! {
            frame = tokio::time::timeout_at(deadline, connection.next()) => frame,
            _ = ctx.shutdown.cancelled() => return Err("shutting down".to_owned()),
        };
        let frame = match frame {
            Err(_) => return Err(format!("no bind response within {timeout:?}")),
            Ok(None) => return Err("connection closed by the SMSC before answering the bind".to_owned()),
            Ok(Some(Err(e))) => return Err(format!("reading bind response: {e}")),
            Ok(Some(Ok(frame))) => frame,
        };
        let header = frame.header;
        let id = CommandId::from(header.command_id);
        if header.sequence_number == BIND_SEQUENCE && (id == ctx.role.response_id() || id == CommandId::GenericNack) {
            return if header.command_status == status::ESME_ROK && id != CommandId::GenericNack {
                Ok(connection)
            } else {
                Err(format!(
                    "bind refused: {} ({:#010x})",
                    status::status_name(header.command_status),
                    header.command_status
                ))
            };
        }
        if id == CommandId::EnquireLink {
            let reply = Command::new(CommandStatus::EsmeRok, header.sequence_number, Pdu::EnquireLinkResp);
            connection.send(reply).await.map_err(|e| format!("answering enquire_link during bind: {e}"))?;
        } else {
            debug!(carrier = %settings.name, bind = ctx.index, command_id = header.command_id, "ignoring PDU before bind response");
        }
    }
}

/// Why serving a connection stopped (for BindDown and logs).
type EndReason = String;

struct Session<'a> {
    ctx: &'a SessionContext,
    connection: Connection,
    next_sequence: u32,
    pending: Pending<PendingSubmit>,
    /// The outstanding enquire_link: sequence number and when its response is overdue.
    enquire_link: Option<(u32, Instant)>,
    /// Shutting down: no new submits; unbind once the window is empty or this passes.
    draining_until: Option<Instant>,
    /// The unbind we sent and when its response is overdue.
    unbind: Option<(u32, Instant)>,
}

impl<'a> Session<'a> {
    fn new(ctx: &'a SessionContext, connection: Connection) -> Self {
        Session {
            ctx,
            connection,
            next_sequence: 2,
            pending: Pending::default(),
            enquire_link: None,
            draining_until: None,
            unbind: None,
        }
    }

    fn timeout(&self) -> Duration {
        self.ctx.settings.response_timeout
    }

    fn sequence(&mut self) -> u32 {
        let sequence = self.next_sequence;
        // Sequence numbers run 1..=0x7FFFFFFF (SMPP 3.4 §5.1.4).
        self.next_sequence = if sequence >= 0x7FFF_FFFF { 1 } else { sequence + 1 };
        sequence
    }

    async fn send(&mut self, command: Command) -> Result<(), EndReason> {
        match tokio::time::timeout(self.timeout(), self.connection.send(command)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("write error: {e}")),
            Err(_) => Err(format!("write stalled for {:?}", self.timeout())),
        }
    }

    async fn respond(&mut self, status: u32, sequence_number: u32, pdu: impl Into<Pdu>) -> Result<(), EndReason> {
        self.send(Command::new(CommandStatus::from(status), sequence_number, pdu)).await
    }

    /// The earliest moment something times out.
    fn next_timer(&mut self) -> Option<Instant> {
        // Once the unbind is out, the drain deadline has done its job (and, being past, would
        // otherwise fire on every turn of the loop).
        let draining_until = self.draining_until.filter(|_| self.unbind.is_none());
        [self.pending.next_deadline(), self.enquire_link.map(|e| e.1), self.unbind.map(|u| u.1), draining_until]
            .into_iter()
            .flatten()
            .min()
    }

    async fn serve(&mut self, requests: &mut Option<mpsc::Receiver<SubmitRequest>>) -> EndReason {
        match self.serve_inner(requests).await {
            Ok(()) => "unbound".to_owned(),
            Err(reason) => reason,
        }
    }

    async fn serve_inner(&mut self, requests: &mut Option<mpsc::Receiver<SubmitRequest>>) -> Result<(), EndReason> {
        let interval = self.ctx.settings.enquire_link_interval;
        let mut keepalive = tokio::time::interval_at(Instant::now() + interval, interval);
        keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let submits = self.ctx.role.submits();
        loop {
            let draining = self.draining_until.is_some();
            let timer = self.next_timer();
            tokio::select! {
                _ = self.ctx.shutdown.cancelled(), if !draining => {
                    if let Some(bind) = &self.ctx.bind {
                        bind.set_bound(false);
                    }
                    self.draining_until = Some(Instant::now() + self.timeout());
                }
                frame = self.connection.next() => match frame {
                    // Some SMSCs close right after (or instead of) answering our unbind.
                    None if self.unbind.is_some() => return Ok(()),
                    None => return Err("connection closed by the SMSC".to_owned()),
                    Some(Err(e)) => return Err(format!("read error: {e}")),
                    Some(Ok(frame)) => {
                        if self.handle(frame).await? {
                            return Ok(());
                        }
                    }
                },
                Some(request) = next_request(requests), if submits && !draining => self.submit(request).await?,
                _ = keepalive.tick() => {
                    if self.enquire_link.is_none() && self.unbind.is_none() {
                        let sequence = self.sequence();
                        self.enquire_link = Some((sequence, Instant::now() + self.timeout()));
                        self.send(Command::new(CommandStatus::EsmeRok, sequence, Pdu::EnquireLink)).await?;
                    }
                }
                _ = sleep_until_some(timer) => self.expire()?,
            }
            if self.unbind.is_none()
                && let Some(until) = self.draining_until
                && (self.pending.is_empty() || Instant::now() >= until)
            {
                let sequence = self.sequence();
                self.unbind = Some((sequence, Instant::now() + self.timeout()));
                self.send(Command::new(CommandStatus::EsmeRok, sequence, Pdu::Unbind)).await?;
            }
        }
    }

    fn expire(&mut self) -> Result<(), EndReason> {
        let now = Instant::now();
        let timeout = self.timeout();
        for submit in self.pending.expire(now) {
            let reason = format!("no submit_sm_resp within {timeout:?}");
            let _ = submit.reply.send(SubmitOutcome::Unavailable { reason });
        }
        if let Some((_, overdue)) = self.enquire_link
            && now >= overdue
        {
            return Err(format!("no enquire_link_resp within {timeout:?}; link presumed dead"));
        }
        if let Some((_, overdue)) = self.unbind
            && now >= overdue
        {
            return Err(format!("no unbind_resp within {timeout:?}"));
        }
        Ok(())
    }

    async fn submit(&mut self, request: SubmitRequest) -> Result<(), EndReason> {
        // The submitter gave up waiting; sending now could only duplicate what it requeues.
        if request.reply.is_closed() {
            return Ok(());
        }
        let sequence = self.sequence();
        let deadline = Instant::now() + self.timeout();
        self.pending.insert(sequence, deadline, PendingSubmit { reply: request.reply, _slot: request.slot });
        self.send(Command::new(CommandStatus::EsmeRok, sequence, request.submit_sm)).await
    }

    /// Handles one received PDU; Ok(true) when the session is over (our unbind was answered).
    async fn handle(&mut self, frame: Frame) -> Result<bool, EndReason> {
        let header = frame.header;
        let sequence = header.sequence_number;
        match CommandId::from(header.command_id) {
            CommandId::SubmitSmResp => {
                let Some(submit) = self.pending.complete(sequence) else {
                    debug!(carrier = %self.ctx.settings.name, sequence, "submit_sm_resp for no outstanding submit (late or unknown)");
                    return Ok(false);
                };
                let outcome = self.outcome(header.command_status, || pdu::submit_resp_message_id(&frame));
                let _ = submit.reply.send(outcome);
            }
            CommandId::GenericNack => {
                if let Some(submit) = self.pending.complete(sequence) {
                    let outcome = match self.outcome(header.command_status, String::new) {
                        // A generic_nack never accepts anything, whatever its status says.
                        SubmitOutcome::Accepted { .. } => {
                            SubmitOutcome::Rejected { command_status: header.command_status, permanent: false }
                        }
                        outcome => outcome,
                    };
                    let _ = submit.reply.send(outcome);
                } else if self.enquire_link.is_some_and(|(s, _)| s == sequence) {
                    // It answered, so the link is alive, even if it dislikes enquire_link.
                    self.enquire_link = None;
                } else if self.unbind.is_some_and(|(s, _)| s == sequence) {
                    return Ok(true);
                } else {
                    warn!(carrier = %self.ctx.settings.name, bind = self.ctx.index, sequence, status = header.command_status, "generic_nack from the SMSC");
                }
            }
            CommandId::EnquireLinkResp => {
                if self.enquire_link.is_some_and(|(s, _)| s == sequence) {
                    self.enquire_link = None;
                }
            }
            CommandId::EnquireLink => self.respond(status::ESME_ROK, sequence, Pdu::EnquireLinkResp).await?,
            CommandId::DeliverSm | CommandId::DataSm => self.message(frame).await?,
            CommandId::Unbind => {
                // Best effort: the SMSC is going away whether or not it reads this.
                let _ = self.respond(status::ESME_ROK, sequence, Pdu::UnbindResp).await;
                return Err("unbind from the SMSC".to_owned());
            }
            CommandId::UnbindResp => {
                if self.unbind.is_some() {
                    return Ok(true);
                }
            }
            // alert_notification has no response; outbind means nothing to a bound ESME.
            CommandId::AlertNotification | CommandId::Outbind => {}
            id if id.is_operation() => {
                debug!(carrier = %self.ctx.settings.name, command_id = header.command_id, "unsupported request; generic_nack");
                self.respond(ESME_RINVCMDID, sequence, Pdu::GenericNack).await?;
            }
            _ => {
                debug!(carrier = %self.ctx.settings.name, command_id = header.command_id, sequence, "ignoring unexpected response");
            }
        }
        Ok(false)
    }

    /// The outcome of a submit answered with `command_status`, slowing the bind on throttling.
    fn outcome(&self, command_status: u32, message_id: impl FnOnce() -> String) -> SubmitOutcome {
        match status::classify(command_status) {
            StatusClass::Ok => {
                if let Some(bind) = &self.ctx.bind {
                    bind.clear_throttle();
                }
                SubmitOutcome::Accepted { message_id: message_id().trim().to_owned() }
            }
            StatusClass::Throttled => {
                if let Some(bind) = &self.ctx.bind {
                    let pause = bind.throttle();
                    info!(carrier = %self.ctx.settings.name, bind = self.ctx.index, status = status::status_name(command_status), ?pause, "SMSC throttling; pausing this bind");
                }
                SubmitOutcome::Throttled
            }
            StatusClass::Transient => SubmitOutcome::Rejected { command_status, permanent: false },
            StatusClass::Permanent => SubmitOutcome::Rejected { command_status, permanent: true },
        }
    }

    /// A deliver_sm or data_sm: hand the receipt or inbound message to the engine, then
    /// acknowledge it. In that order, so a crash between the two makes the SMSC resend rather
    /// than lose it; a full channel holds the acknowledgement back (back-pressure).
    async fn message(&mut self, frame: Frame) -> Result<(), EndReason> {
        let header = frame.header;
        let deliver = header.command_id == u32::from(CommandId::DeliverSm);
        let respond_with = |status: u32| -> Command {
            let message_id = COctetString::empty();
            let pdu: Pdu = if deliver {
                DeliverSmResp::new(message_id, Vec::new()).into()
            } else {
                DataSmResp::new(message_id, Vec::new()).into()
            };
            Command::new(CommandStatus::from(status), header.sequence_number, pdu)
        };
        let carrier = &self.ctx.settings.name;
        let Some(fields) = pdu::message_fields(&frame) else {
            warn!(%carrier, bind = self.ctx.index, sequence = header.sequence_number, "unreadable deliver_sm/data_sm; generic_nack");
            return self.respond(status::ESME_RINVCMDLEN, header.sequence_number, Pdu::GenericNack).await;
        };
        let event = if fields.is_receipt() {
            match build_receipt(carrier, receipt_text(&fields), &fields.receipt) {
                Some(receipt) => Some(CarrierEvent::Receipt(DeliveryReceipt {
                    handset: fields.source_addr.trim().to_owned(),
                    ..receipt
                })),
                None => {
                    warn!(%carrier, bind = self.ctx.index, "delivery receipt without a message id; acknowledged and dropped");
                    None
                }
            }
        } else {
            Some(CarrierEvent::Inbound(InboundMessage {
                carrier: carrier.clone(),
                source: inbound_address(fields.source_ton, &fields.source_addr),
                destination: inbound_address(fields.dest_ton, &fields.destination_addr),
                data_coding: fields.data_coding,
                udhi: fields.udhi(),
                short_message: fields.body().to_vec(),
            }))
        };
        if let Some(event) = event
            && !emit(self.ctx, event).await
        {
            // Nobody to take it: a temporary error makes the SMSC keep it and retry later.
            return self.send(respond_with(ESME_RX_T_APPN)).await;
        }
        self.send(respond_with(status::ESME_ROK)).await
    }
}

/// The text of a delivery receipt. SMSCs write receipts in ASCII whatever data_coding says
/// (0, "SMSC default", is not GSM 03.38 on the SMPP side of most of them, and reading it as GSM
/// would turn `_` into `§`), so bytes are taken as Latin-1 unless the receipt is declared UCS-2.
fn receipt_text(fields: &pdu::MessageFields) -> String {
    const UCS2: u8 = 0x08;
    if fields.data_coding == UCS2 {
        crate::encoding::decode(UCS2, fields.udhi(), fields.body())
    } else {
        fields.body().iter().map(|&b| char::from(b)).collect()
    }
}

async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_text_is_read_as_latin1_unless_ucs2() {
        let ascii = pdu::MessageFields { short_message: b"id:a_1 stat:DELIVRD".to_vec(), ..Default::default() };
        assert_eq!(receipt_text(&ascii), "id:a_1 stat:DELIVRD");
        let ucs2 = pdu::MessageFields {
            data_coding: 8,
            short_message: "id:7".encode_utf16().flat_map(u16::to_be_bytes).collect(),
            ..Default::default()
        };
        assert_eq!(receipt_text(&ucs2), "id:7");
    }

    #[test]
    fn backoff_grows_jitters_and_caps() {
        let min = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        for _ in 0..50 {
            let first = backoff(1, min, max);
            assert!(first >= min / 2 && first <= min, "{first:?}");
            let third = backoff(3, min, max);
            assert!(third >= min * 2 && third <= min * 4, "{third:?}");
            let capped = backoff(30, min, max);
            assert!(capped >= max / 2 && capped <= max, "{capped:?}");
            let after_healthy = backoff(0, min, max);
            assert!(after_healthy <= min, "{after_healthy:?}");
        }
    }
}
