//! One ESME connection: bind, submit_sm, enquire_link, unbind, and the deliver_sm the server
//! sends on it.
//!
//! A single task owns the socket. Delayed submit_sm_resp wait in a queue of the connection
//! while the task goes on reading PDUs, so that a slow answer never stops the next submit_sm
//! from arriving: that is what lets tests see a client's window. The queue (rather than a timer
//! per answer) keeps answers in submit order.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Instant, SystemTime};

use futures::{SinkExt as _, StreamExt as _};
use rusmpp::encode::{Encode as _, Length as _};
use rusmpp::pdus::{BindReceiverResp, BindTransceiverResp, BindTransmitterResp, SubmitSm, SubmitSmResp};
use rusmpp::types::AnyOctetString;
use rusmpp::values::InterfaceVersion;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::Interval;
use tokio_util::codec::Framed;

use super::codec::{Frame, SmppCodec};
use super::receipts::{self, ReceiptJob};
use super::record::{BindType, BoundSession, ConnectionStats, RecordedSubmit};
use super::script::status;
use super::text::{self, Udh};
use super::{SessionEntry, Shared, c_string};

type Transport = Framed<TcpStream, SmppCodec>;

/// TLV tag of message_payload.
const MESSAGE_PAYLOAD: u16 = 0x0424;
/// esm_class bit: short_message starts with a user data header.
const UDHI: u8 = 0x40;

/// What other tasks ask a connection to write.
pub(super) enum Outbound {
    /// A deliver_sm; the dispatcher already counts it as in flight under its sequence number.
    Deliver(Box<Command>),
    EnquireLink,
}

/// A connection's outbound channel and its own sequence numbers, shared with the dispatcher.
pub(super) struct Link {
    pub(super) outbound: mpsc::UnboundedSender<Outbound>,
    next_sequence: AtomicU32,
}

impl Link {
    /// Sequence numbers run from 1 to 0x7FFFFFFF and wrap, as SMPP 3.4 allows.
    pub(super) fn next_sequence(&self) -> u32 {
        self.next_sequence
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |sequence| {
                Some(if sequence >= 0x7FFF_FFFF { 1 } else { sequence + 1 })
            })
            .unwrap_or(1)
    }
}

/// A submit_sm_resp, and the receipt to schedule once it is written.
struct Answer {
    response: Command,
    receipt: Option<ReceiptJob>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Close,
}

struct Session {
    shared: Arc<Shared>,
    connection: u64,
    peer: SocketAddr,
    link: Arc<Link>,
    bind: Option<(BindType, String)>,
    /// Answers held back by the response delay, with when they are due, in submit order.
    delayed: VecDeque<(tokio::time::Instant, Answer)>,
}

/// Unregisters the connection however its task ends (closed, dropped on demand, aborted).
struct Closing {
    shared: Arc<Shared>,
    connection: u64,
}

impl Drop for Closing {
    fn drop(&mut self) {
        {
            let mut state = self.shared.lock();
            state.sessions.remove(&self.connection);
            if let Some(stats) = state.connections.get_mut(&self.connection) {
                stats.open = false;
                stats.outstanding = 0;
            }
            receipts::connection_closed(&mut state, self.connection);
        }
        self.shared.changed();
        self.shared.wake_dispatcher.notify_one();
    }
}

/// Serves one accepted connection; `drops` was subscribed at accept time, so that a
/// `drop_connections` after the accept reaches it even before this task first runs.
pub(super) async fn serve(
    shared: Arc<Shared>,
    tcp: TcpStream,
    peer: SocketAddr,
    connection: u64,
    mut drops: watch::Receiver<u64>,
) {
    // Without this, Nagle's algorithm holds back answers until the client's delayed ACK.
    let _ = tcp.set_nodelay(true);
    shared.lock().connections.insert(
        connection,
        ConnectionStats {
            connection,
            peer,
            system_id: None,
            bind_type: None,
            submits: 0,
            outstanding: 0,
            max_outstanding: 0,
            enquire_link_responses: 0,
            open: true,
        },
    );
    shared.changed();

    let (outbound, mut outbound_rx) = mpsc::unbounded_channel();
    let link = Arc::new(Link { outbound, next_sequence: AtomicU32::new(1) });
    let mut transport = Framed::new(tcp, SmppCodec::new(shared.settings.max_pdu_length));
    let mut enquire_links = shared.settings.enquire_link_interval.map(|period| {
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval
    });
    let closing = Closing { shared: Arc::clone(&shared), connection };
    let mut session = Session { shared, connection, peer, link, bind: None, delayed: VecDeque::new() };

    loop {
        let flow = tokio::select! {
            biased;
            _ = drops.changed() => {
                tracing::debug!(connection, "fake SMSC dropped a connection on demand");
                Flow::Close
            }
            Some(outbound) = outbound_rx.recv() => session.write_outbound(&mut transport, outbound).await,
            frame = transport.next() => match frame {
                Some(Ok(frame)) => session.handle(&mut transport, frame).await,
                Some(Err(error)) => {
                    tracing::debug!(connection, %error, "fake SMSC: unreadable stream, closing");
                    Flow::Close
                }
                None => Flow::Close,
            },
            _ = tokio::time::sleep_until(session.next_due()), if !session.delayed.is_empty() => {
                session.answer_due(&mut transport).await
            }
            _ = tick(&mut enquire_links), if session.bind.is_some() => session.enquire_link(&mut transport).await,
        };
        if flow == Flow::Close {
            break;
        }
    }
    // Unregistered before the socket closes, so a client that sees the close finds the fake
    // already counting it gone.
    drop(closing);
}

async fn tick(interval: &mut Option<Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// A response without a body, as SMPP 3.4 sends with every error status.
fn bare_response(command_id: CommandId, status: u32, sequence: u32) -> Command {
    let pdu = match command_id {
        CommandId::GenericNack => Pdu::GenericNack,
        _ => Pdu::Other { command_id, body: AnyOctetString::empty() },
    };
    Command::new(CommandStatus::from(status), sequence, pdu)
}

impl Session {
    async fn send(&self, transport: &mut Transport, command: Command) -> Flow {
        match transport.send(command).await {
            Ok(()) => Flow::Continue,
            Err(error) => {
                tracing::debug!(connection = self.connection, %error, "fake SMSC: writing failed, closing");
                Flow::Close
            }
        }
    }

    async fn write_outbound(&mut self, transport: &mut Transport, outbound: Outbound) -> Flow {
        match outbound {
            Outbound::Deliver(command) => self.send(transport, *command).await,
            Outbound::EnquireLink => self.enquire_link(transport).await,
        }
    }

    async fn enquire_link(&self, transport: &mut Transport) -> Flow {
        let command = Command::new(CommandStatus::EsmeRok, self.link.next_sequence(), Pdu::EnquireLink);
        self.send(transport, command).await
    }

    async fn handle(&mut self, transport: &mut Transport, frame: Frame) -> Flow {
        let command = match frame {
            Frame::Command(command) => *command,
            Frame::Undecodable { command_id, sequence } => {
                if command_id & 0x8000_0000 != 0 {
                    // Nobody answers a response; a bad one is only worth a log line.
                    tracing::debug!(command_id, "fake SMSC: undecodable response ignored");
                    return Flow::Continue;
                }
                let nack = bare_response(CommandId::GenericNack, status::INVALID_COMMAND_LENGTH, sequence);
                return self.send(transport, nack).await;
            }
        };
        let sequence = command.sequence_number();
        match (command.id(), command.pdu()) {
            (_, Some(Pdu::BindTransmitter(bind))) => {
                let (system_id, password) = (bind.system_id.to_string(), bind.password.to_string());
                self.bind(transport, BindType::Transmitter, &system_id, &password, sequence).await
            }
            (_, Some(Pdu::BindReceiver(bind))) => {
                let (system_id, password) = (bind.system_id.to_string(), bind.password.to_string());
                self.bind(transport, BindType::Receiver, &system_id, &password, sequence).await
            }
            (_, Some(Pdu::BindTransceiver(bind))) => {
                let (system_id, password) = (bind.system_id.to_string(), bind.password.to_string());
                self.bind(transport, BindType::Transceiver, &system_id, &password, sequence).await
            }
            (_, Some(Pdu::SubmitSm(submit))) => self.submit(transport, sequence, submit).await,
            (CommandId::EnquireLink, _) => {
                self.send(transport, Command::new(CommandStatus::EsmeRok, sequence, Pdu::EnquireLinkResp)).await
            }
            (CommandId::Unbind, _) => {
                self.send(transport, Command::new(CommandStatus::EsmeRok, sequence, Pdu::UnbindResp)).await;
                Flow::Close
            }
            (CommandId::DeliverSmResp, _) => {
                receipts::acknowledge(&self.shared, self.connection, sequence, u32::from(command.status()));
                Flow::Continue
            }
            (CommandId::EnquireLinkResp, _) => {
                if let Some(stats) = self.shared.lock().connections.get_mut(&self.connection) {
                    stats.enquire_link_responses += 1;
                }
                self.shared.changed();
                Flow::Continue
            }
            (id, _) if id.is_response() => Flow::Continue,
            (id, _) => {
                tracing::debug!(?id, "fake SMSC: unsupported command, generic_nack");
                self.send(transport, bare_response(CommandId::GenericNack, status::INVALID_COMMAND_ID, sequence)).await
            }
        }
    }

    async fn bind(
        &mut self,
        transport: &mut Transport,
        bind_type: BindType,
        system_id: &str,
        password: &str,
        sequence: u32,
    ) -> Flow {
        let response_id = match bind_type {
            BindType::Transmitter => CommandId::BindTransmitterResp,
            BindType::Receiver => CommandId::BindReceiverResp,
            BindType::Transceiver => CommandId::BindTransceiverResp,
        };
        if self.bind.is_some() {
            return self.send(transport, bare_response(response_id, status::ALREADY_BOUND, sequence)).await;
        }
        let verdict = {
            let mut state = self.shared.lock();
            let verdict = if state.refuse_binds {
                status::BIND_FAILED
            } else {
                match self.shared.settings.credentials.get(system_id) {
                    None => status::INVALID_SYSTEM_ID,
                    Some(expected) if expected != password => status::INVALID_PASSWORD,
                    Some(_) => status::OK,
                }
            };
            if verdict == status::OK {
                let bound = BoundSession {
                    connection: self.connection,
                    peer: self.peer,
                    system_id: system_id.to_owned(),
                    bind_type,
                };
                state
                    .sessions
                    .insert(self.connection, SessionEntry { bound, link: Arc::clone(&self.link), in_flight: 0 });
                state.total_binds_accepted += 1;
                if let Some(stats) = state.connections.get_mut(&self.connection) {
                    stats.system_id = Some(system_id.to_owned());
                    stats.bind_type = Some(bind_type);
                }
            }
            verdict
        };
        if verdict != status::OK {
            tracing::debug!(system_id, verdict, "fake SMSC refused a bind");
            self.send(transport, bare_response(response_id, verdict, sequence)).await;
            return Flow::Close;
        }
        self.bind = Some((bind_type, system_id.to_owned()));
        let smsc_id = c_string::<16>(&self.shared.settings.smsc_system_id);
        let version = Some(InterfaceVersion::Smpp3_4);
        let pdu = match bind_type {
            BindType::Transmitter => Pdu::BindTransmitterResp(BindTransmitterResp::new(smsc_id, version)),
            BindType::Receiver => Pdu::BindReceiverResp(BindReceiverResp::new(smsc_id, version)),
            BindType::Transceiver => Pdu::BindTransceiverResp(BindTransceiverResp::new(smsc_id, version)),
        };
        let flow = self.send(transport, Command::new(CommandStatus::EsmeRok, sequence, pdu)).await;
        self.shared.changed();
        // Receipts may have been waiting for a bind that can take them.
        self.shared.wake_dispatcher.notify_one();
        flow
    }

    async fn submit(&mut self, transport: &mut Transport, sequence: u32, submit: &SubmitSm) -> Flow {
        let system_id = match &self.bind {
            Some((bind_type, system_id)) if bind_type.can_transmit() => system_id.clone(),
            _ => {
                let refusal = bare_response(CommandId::SubmitSmResp, status::INVALID_BIND_STATUS, sequence);
                return self.send(transport, refusal).await;
            }
        };
        let mut record = record(self.connection, system_id, sequence, submit);
        let settings = &self.shared.settings;
        let (answer, delay) = {
            let mut state = self.shared.lock();
            let decision = state.scripts.decide(&record.destination, Instant::now());
            record.command_status = decision.status;
            let response = if decision.status == status::OK {
                let id = state.ids.next_id();
                let message_id = settings.id_format.render(&id);
                let response = SubmitSmResp::new(c_string::<65>(&message_id), Vec::new());
                record.receipt_id = Some(settings.receipt_id_format.render(&id));
                record.message_id = Some(message_id);
                record.outcome = Some(decision.outcome.clone());
                Command::new(CommandStatus::EsmeRok, sequence, Pdu::SubmitSmResp(response))
            } else {
                bare_response(CommandId::SubmitSmResp, decision.status, sequence)
            };
            let receipt = ReceiptJob::for_submit(&record);
            if let Some(stats) = state.connections.get_mut(&self.connection) {
                stats.submits += 1;
                stats.outstanding += 1;
                stats.max_outstanding = stats.max_outstanding.max(stats.outstanding);
            }
            state.submits.push(record);
            (Answer { response, receipt }, state.response_delay)
        };
        self.shared.changed();
        if delay.is_zero() {
            return self.answer(transport, answer).await;
        }
        self.delayed.push_back((tokio::time::Instant::now() + delay, answer));
        Flow::Continue
    }

    fn next_due(&self) -> tokio::time::Instant {
        self.delayed.front().map_or_else(tokio::time::Instant::now, |(due, _)| *due)
    }

    /// Writes the delayed answers that are due, in order.
    async fn answer_due(&mut self, transport: &mut Transport) -> Flow {
        let now = tokio::time::Instant::now();
        while self.delayed.front().is_some_and(|(due, _)| *due <= now) {
            let Some((_, answer)) = self.delayed.pop_front() else { break };
            if self.answer(transport, answer).await == Flow::Close {
                return Flow::Close;
            }
        }
        Flow::Continue
    }

    async fn answer(&mut self, transport: &mut Transport, answer: Answer) -> Flow {
        let flow = self.send(transport, answer.response).await;
        {
            let mut state = self.shared.lock();
            if let Some(stats) = state.connections.get_mut(&self.connection) {
                stats.outstanding = stats.outstanding.saturating_sub(1);
            }
            // A receipt never overtakes its submit_sm_resp: it is scheduled only now.
            if let (Some(job), Flow::Continue) = (answer.receipt, flow) {
                let due = Instant::now() + state.receipt_delay;
                receipts::schedule_receipt(&mut state, &self.shared.settings, job, due);
                self.shared.wake_dispatcher.notify_one();
            }
        }
        self.shared.changed();
        flow
    }
}

/// The submit as tests read it; status and ids are filled in once decided.
fn record(connection: u64, system_id: String, sequence: u32, submit: &SubmitSm) -> RecordedSubmit {
    let esm_class = u8::from(submit.esm_class);
    let data_coding = u8::from(submit.data_coding);
    let short_message = submit.short_message().as_ref().to_vec();
    let tlvs: Vec<(u16, Vec<u8>)> = submit
        .tlvs()
        .iter()
        .map(|tlv| {
            let mut encoded = vec![0; tlv.length()];
            let written = tlv.encode(&mut encoded);
            // Tag and length come first; the value is the rest.
            let value = encoded.get(4..written).map(<[u8]>::to_vec).unwrap_or_default();
            (u16::from(tlv.tag()), value)
        })
        .collect();
    let message_payload = tlvs.iter().find(|(tag, _)| *tag == MESSAGE_PAYLOAD).map(|(_, value)| value.clone());
    let user_data = match &message_payload {
        Some(payload) if short_message.is_empty() => payload.as_slice(),
        _ => short_message.as_slice(),
    };
    let (udh, payload): (Option<Udh>, &[u8]) =
        if esm_class & UDHI != 0 { text::split_udh(user_data).unwrap_or((None, user_data)) } else { (None, user_data) };
    RecordedSubmit {
        connection,
        system_id,
        sequence,
        service_type: submit.service_type.value().to_string(),
        source: submit.source_addr.to_string(),
        source_ton: u8::from(submit.source_addr_ton),
        source_npi: u8::from(submit.source_addr_npi),
        destination: submit.destination_addr.to_string(),
        destination_ton: u8::from(submit.dest_addr_ton),
        destination_npi: u8::from(submit.dest_addr_npi),
        esm_class,
        protocol_id: submit.protocol_id,
        registered_delivery: u8::from(submit.registered_delivery),
        data_coding,
        text: text::decode(data_coding, payload),
        udh,
        short_message,
        message_payload,
        tlvs,
        command_status: status::OK,
        message_id: None,
        receipt_id: None,
        outcome: None,
        received_at: SystemTime::now(),
    }
}
