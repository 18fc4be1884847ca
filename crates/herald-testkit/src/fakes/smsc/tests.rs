//! The fake SMSC driven by a tiny ESME built on rusmpp's codec, over loopback.

use std::str::FromStr as _;
use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use rusmpp::pdus::{BindReceiver, BindTransceiver, BindTransmitter, DeliverSm, DeliverSmResp, SubmitSm};
use rusmpp::tlvs::TlvValue;
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::{AnyOctetString, COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, Npi, RegisteredDelivery, Ton};
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use super::*;

/// Every wait in these tests is bounded by this.
const PATIENCE: Duration = Duration::from_secs(5);
/// How long to listen for something that must not come.
const QUIET: Duration = Duration::from_millis(300);

struct Esme {
    framed: Framed<TcpStream, CommandCodec>,
    sequence: u32,
}

impl Esme {
    async fn connect(smsc: &FakeSmsc) -> Esme {
        let tcp = tokio::time::timeout(PATIENCE, TcpStream::connect(smsc.address()))
            .await
            .expect("connecting in time")
            .expect("connecting to the fake SMSC");
        Esme { framed: Framed::new(tcp, CommandCodec::new()), sequence: 0 }
    }

    async fn bound(smsc: &FakeSmsc, bind_type: BindType) -> Esme {
        let mut esme = Esme::connect(smsc).await;
        let response = esme.bind(bind_type, "herald", "secret").await;
        assert_eq!(response.status(), CommandStatus::EsmeRok, "{response:?}");
        esme
    }

    /// Sends a request with the next sequence number; returns that number.
    async fn send(&mut self, pdu: impl Into<Pdu>) -> u32 {
        self.sequence += 1;
        let command = Command::new(CommandStatus::EsmeRok, self.sequence, pdu);
        tokio::time::timeout(PATIENCE, self.framed.send(command)).await.expect("sending in time").expect("sending");
        self.sequence
    }

    async fn respond(&mut self, sequence: u32, pdu: impl Into<Pdu>) {
        let command = Command::new(CommandStatus::EsmeRok, sequence, pdu);
        tokio::time::timeout(PATIENCE, self.framed.send(command)).await.expect("sending in time").expect("sending");
    }

    /// The next PDU, or `None` once the server closed the connection.
    async fn next(&mut self) -> Option<Command> {
        match tokio::time::timeout(PATIENCE, self.framed.next()).await.expect("a PDU or the end in time") {
            Some(Ok(command)) => Some(command),
            Some(Err(_)) | None => None,
        }
    }

    async fn receive(&mut self) -> Command {
        self.next().await.expect("a PDU, not the end of the connection")
    }

    /// Nothing arrives for a while.
    async fn expect_quiet(&mut self) {
        if let Ok(Some(Ok(command))) = tokio::time::timeout(QUIET, self.framed.next()).await {
            panic!("unexpected PDU {command:?}");
        }
    }

    async fn bind(&mut self, bind_type: BindType, system_id: &str, password: &str) -> Command {
        let (system_id, password) = (cstr(system_id), cstr(password));
        let pdu: Pdu = match bind_type {
            BindType::Transmitter => BindTransmitter::builder().system_id(system_id).password(password).build().into(),
            BindType::Receiver => BindReceiver::builder().system_id(system_id).password(password).build().into(),
            BindType::Transceiver => BindTransceiver::builder().system_id(system_id).password(password).build().into(),
        };
        let sequence = self.send(pdu).await;
        let response = self.receive().await;
        assert_eq!(response.sequence_number(), sequence);
        response
    }

    async fn submit(&mut self, destination: &str, registered_delivery: u8, text: &str) -> Command {
        self.submit_raw(destination, registered_delivery, 0x00, 0, text.as_bytes().to_vec()).await
    }

    async fn submit_raw(
        &mut self,
        destination: &str,
        registered_delivery: u8,
        esm_class: u8,
        data_coding: u8,
        short_message: Vec<u8>,
    ) -> Command {
        let sequence =
            self.send(submit_sm(destination, registered_delivery, esm_class, data_coding, short_message)).await;
        let response = self.receive().await;
        assert_eq!(response.id(), CommandId::SubmitSmResp, "{response:?}");
        assert_eq!(response.sequence_number(), sequence);
        response
    }

    /// The next deliver_sm, answered OK.
    async fn deliver_sm(&mut self) -> DeliverSm {
        let command = self.receive().await;
        let Some(Pdu::DeliverSm(deliver)) = command.pdu() else { panic!("expected deliver_sm, got {command:?}") };
        let deliver = deliver.clone();
        self.respond(command.sequence_number(), DeliverSmResp::new(COctetString::empty(), Vec::new())).await;
        deliver
    }
}

fn cstr<const MIN: usize, const MAX: usize>(value: &str) -> COctetString<MIN, MAX> {
    COctetString::from_str(value).expect("a valid C string")
}

fn submit_sm(destination: &str, registered_delivery: u8, esm_class: u8, data_coding: u8, message: Vec<u8>) -> SubmitSm {
    SubmitSm::builder()
        .source_addr_ton(Ton::Alphanumeric)
        .source_addr_npi(Npi::Unknown)
        .source_addr(cstr("Herald"))
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(cstr(destination))
        // From the raw byte: rusmpp's default esm_class is 0x08.
        .esm_class(EsmClass::from(esm_class))
        .registered_delivery(RegisteredDelivery::from(registered_delivery))
        .data_coding(DataCoding::from(data_coding))
        .short_message(OctetString::from_vec(message).expect("a short message"))
        .build()
}

fn message_id(response: &Command) -> String {
    match response.pdu() {
        Some(Pdu::SubmitSmResp(body)) => body.message_id().to_string(),
        other => panic!("expected a submit_sm_resp body, got {other:?}"),
    }
}

fn receipt_tlvs(deliver: &DeliverSm) -> (Option<String>, Option<u8>) {
    let mut receipted = None;
    let mut state = None;
    for tlv in deliver.tlvs() {
        match tlv.value() {
            Some(TlvValue::ReceiptedMessageId(id)) => receipted = Some(id.to_string()),
            Some(TlvValue::MessageState(value)) => state = Some(u8::from(*value)),
            _ => {}
        }
    }
    (receipted, state)
}

fn text_of(deliver: &DeliverSm) -> String {
    String::from_utf8_lossy(deliver.short_message().as_ref()).into_owned()
}

#[tokio::test]
async fn binds_check_credentials() {
    let smsc = FakeSmsc::start(FakeSmscConfig::default()).await;

    let mut good = Esme::connect(&smsc).await;
    let response = good.bind(BindType::Transceiver, "herald", "secret").await;
    assert_eq!(response.status(), CommandStatus::EsmeRok);
    let Some(Pdu::BindTransceiverResp(body)) = response.pdu() else { panic!("bind body: {response:?}") };
    assert_eq!(body.system_id.to_string(), "FakeSMSC");
    let again = good.bind(BindType::Transceiver, "herald", "secret").await;
    assert_eq!(u32::from(again.status()), status::ALREADY_BOUND);

    let mut wrong_password = Esme::connect(&smsc).await;
    let response = wrong_password.bind(BindType::Transmitter, "herald", "wrong").await;
    assert_eq!(u32::from(response.status()), status::INVALID_PASSWORD);
    assert!(wrong_password.next().await.is_none(), "closed after a failed bind");

    let mut wrong_system = Esme::connect(&smsc).await;
    let response = wrong_system.bind(BindType::Receiver, "nobody", "secret").await;
    assert_eq!(u32::from(response.status()), status::INVALID_SYSTEM_ID);
    assert!(wrong_system.next().await.is_none());

    smsc.refuse_binds(true);
    let mut refused = Esme::connect(&smsc).await;
    assert_eq!(u32::from(refused.bind(BindType::Transceiver, "herald", "secret").await.status()), status::BIND_FAILED);
    smsc.refuse_binds(false);
    let _receiver = Esme::bound(&smsc, BindType::Receiver).await;

    let binds = smsc.wait_for_binds(2, PATIENCE).await;
    let mut kinds: Vec<(String, BindType)> = binds.into_iter().map(|bind| (bind.system_id, bind.bind_type)).collect();
    kinds.sort_by_key(|(_, bind_type)| bind_type.as_str());
    assert_eq!(kinds, [("herald".to_owned(), BindType::Receiver), ("herald".to_owned(), BindType::Transceiver)]);
    assert_eq!(smsc.bind_count(), 2);
    assert_eq!(smsc.total_binds_accepted(), 2);
}

#[tokio::test]
async fn session_commands() {
    let smsc = FakeSmsc::start(FakeSmscConfig::default()).await;
    let mut esme = Esme::connect(&smsc).await;

    // Before binding: enquire_link works, submit_sm does not.
    let sequence = esme.send(Pdu::EnquireLink).await;
    let response = esme.receive().await;
    assert_eq!((response.id(), response.sequence_number()), (CommandId::EnquireLinkResp, sequence));
    let response = esme.submit("15550001", 0, "early").await;
    assert_eq!(u32::from(response.status()), status::INVALID_BIND_STATUS);

    assert_eq!(esme.bind(BindType::Transmitter, "herald", "secret").await.status(), CommandStatus::EsmeRok);
    // A receiver cannot submit either.
    let mut receiver = Esme::bound(&smsc, BindType::Receiver).await;
    assert_eq!(u32::from(receiver.submit("15550001", 0, "no").await.status()), status::INVALID_BIND_STATUS);

    let unknown = Pdu::Other { command_id: CommandId::Other(0x0000_0099), body: AnyOctetString::empty() };
    let sequence = esme.send(unknown).await;
    let response = esme.receive().await;
    assert_eq!((response.id(), response.sequence_number()), (CommandId::GenericNack, sequence));
    assert_eq!(u32::from(response.status()), status::INVALID_COMMAND_ID);

    // A submit_sm whose body ends too early: generic_nack, and the session goes on.
    let truncated = [0, 0, 0, 20, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 77, 0, 1, 1, b'x'];
    esme.framed.get_mut().write_all(&truncated).await.expect("raw write");
    let response = esme.receive().await;
    assert_eq!((response.id(), response.sequence_number()), (CommandId::GenericNack, 77));
    assert_eq!(esme.submit("15550001", 0, "still bound").await.status(), CommandStatus::EsmeRok);

    // The fake's own enquire_link, answered by the client.
    assert_eq!(smsc.send_enquire_link(), 2);
    let request = esme.receive().await;
    assert_eq!(request.id(), CommandId::EnquireLink);
    esme.respond(request.sequence_number(), Pdu::EnquireLinkResp).await;
    let sequence = esme.send(Pdu::Unbind).await;
    let response = esme.receive().await;
    assert_eq!((response.id(), response.sequence_number()), (CommandId::UnbindResp, sequence));
    assert!(esme.next().await.is_none(), "closed after unbind");

    let stats = smsc.connection_stats();
    let first = stats.iter().find(|stats| stats.bind_type == Some(BindType::Transmitter)).expect("transmitter stats");
    assert_eq!(first.enquire_link_responses, 1);
    assert!(!first.open);
    assert_eq!(smsc.wait_for_binds(1, PATIENCE).await.len(), 1, "the receiver is still bound");
}

#[tokio::test]
async fn server_enquire_link_interval() {
    let config = FakeSmscConfig { enquire_link_interval: Some(Duration::from_millis(50)), ..FakeSmscConfig::default() };
    let smsc = FakeSmsc::start(config).await;
    let mut esme = Esme::bound(&smsc, BindType::Transmitter).await;
    for _ in 0..2 {
        let request = esme.receive().await;
        assert_eq!(request.id(), CommandId::EnquireLink);
        esme.respond(request.sequence_number(), Pdu::EnquireLinkResp).await;
    }
}

#[tokio::test]
async fn message_ids_in_every_format() {
    let cases =
        [(IdFormat::Hex, "0001A2F3"), (IdFormat::Decimal, "107251"), (IdFormat::DecimalLeadingZeros(10), "0000107251")];
    for (format, expected) in cases {
        let config = FakeSmscConfig { id_format: format, first_message_number: 0x1A2F3, ..FakeSmscConfig::default() };
        let smsc = FakeSmsc::start(config).await;
        let mut esme = Esme::bound(&smsc, BindType::Transceiver).await;
        assert_eq!(message_id(&esme.submit("15550001", 0, "a").await), expected);
        let next = message_id(&esme.submit("15550001", 0, "b").await);
        assert_ne!(next, expected, "unique");
    }

    let smsc = FakeSmsc::start(FakeSmscConfig { id_format: IdFormat::Uuid, ..FakeSmscConfig::default() }).await;
    let mut esme = Esme::bound(&smsc, BindType::Transceiver).await;
    let first = message_id(&esme.submit("15550001", 0, "a").await);
    let second = message_id(&esme.submit("15550001", 0, "b").await);
    assert!(uuid::Uuid::try_parse(&first).is_ok(), "{first}");
    assert_ne!(first, second);
}

#[tokio::test]
async fn submits_are_recorded_and_decoded() {
    let smsc = FakeSmsc::start(FakeSmscConfig::default()).await;
    let mut esme = Esme::bound(&smsc, BindType::Transmitter).await;

    let gsm = crate::fakes::smsc::text::encode_gsm("Price: 5€ {ok}").expect("GSM");
    esme.submit_raw("+15550001", 1, 0x00, 0, gsm.clone()).await;
    let mut part = vec![0x05, 0x00, 0x03, 0x2A, 0x02, 0x01];
    part.extend(crate::fakes::smsc::text::encode_ucs2("Привет"));
    esme.submit_raw("15550002", 0, 0x40, 8, part.clone()).await;

    let submits = smsc.wait_for_submits(2, PATIENCE).await;
    assert_eq!(submits.len(), 2);
    let first = &submits[0];
    assert_eq!((first.source.as_str(), first.source_ton, first.source_npi), ("Herald", 5, 0));
    assert_eq!((first.destination.as_str(), first.destination_ton, first.destination_npi), ("+15550001", 1, 1));
    assert_eq!((first.esm_class, first.data_coding, first.registered_delivery), (0x00, 0, 1));
    assert_eq!(first.short_message, gsm);
    assert_eq!(first.text.as_deref(), Some("Price: 5€ {ok}"));
    assert_eq!(first.udh, None);
    assert_eq!(first.system_id, "herald");
    assert_eq!(first.command_status, status::OK);
    assert_eq!(first.message_id.as_deref(), Some("00000001"));
    assert_eq!(first.outcome, Some(Outcome::Delivered));

    let second = &submits[1];
    assert_eq!(second.udh, Some(Udh { reference: 0x2A, total: 2, index: 1 }));
    assert_eq!(second.text.as_deref(), Some("Привет"));
    assert_eq!(second.short_message, part);
    assert_eq!(second.connection, first.connection);
    assert!(second.sequence > first.sequence);
}

#[tokio::test]
async fn receipts_carry_the_outcome_in_their_own_id_format() {
    let config = FakeSmscConfig {
        id_format: IdFormat::Hex,
        receipt_id_format: Some(IdFormat::Decimal),
        first_message_number: 0x1A2F3,
        receipt_delay: Duration::from_millis(20),
        ..FakeSmscConfig::default()
    };
    let smsc = FakeSmsc::start(config).await;
    smsc.set_outcome("15550002", Outcome::undeliverable("001"));
    let mut esme = Esme::bound(&smsc, BindType::Transceiver).await;

    let response = esme.submit("15550002", 1, "Your code is 123456, valid for 10 minutes").await;
    assert_eq!(message_id(&response), "0001A2F3");
    let receipt = esme.deliver_sm().await;
    assert_eq!(u8::from(receipt.esm_class), 0x04);
    assert_eq!(receipt.source_addr.to_string(), "15550002");
    assert_eq!(receipt.destination_addr.to_string(), "Herald");
    let text = text_of(&receipt);
    assert!(text.starts_with("id:107251 sub:001 dlvrd:000 submit date:"), "{text}");
    assert!(text.ends_with(" stat:UNDELIV err:001 text:Your code is 123456,"), "{text}");
    assert_eq!(receipt_tlvs(&receipt), (Some("107251".to_owned()), Some(5)));

    esme.submit("15550003", 1, "fine").await;
    let receipt = esme.deliver_sm().await;
    assert!(text_of(&receipt).contains("id:107252 sub:001 dlvrd:001"), "{}", text_of(&receipt));
    assert!(text_of(&receipt).contains("stat:DELIVRD err:000 text:fine"));
    assert_eq!(receipt_tlvs(&receipt), (Some("107252".to_owned()), Some(2)));

    let sent = smsc.wait_for_receipts(2, PATIENCE).await;
    assert_eq!(sent.len(), 2);
    assert_eq!((sent[0].submit_id.as_str(), sent[0].receipt_id.as_str()), ("0001A2F3", "107251"));
    assert_eq!(sent[0].outcome, Outcome::undeliverable("001"));
    assert_eq!((sent[0].response_status, sent[0].attempts), (Some(0), 1));
}

#[tokio::test]
async fn receipts_follow_registered_delivery_and_scripts() {
    let config = FakeSmscConfig {
        receipt_tlvs: false,
        receipt_delay: Duration::from_millis(10),
        default_outcome: Outcome::Expired,
        ..FakeSmscConfig::default()
    };
    let smsc = FakeSmsc::start(config).await;
    smsc.set_outcome("15550009", Outcome::NoReceipt);
    smsc.set_outcome("15550008", Outcome::Delivered);
    let mut esme = Esme::bound(&smsc, BindType::Transceiver).await;

    esme.submit("15550001", 0, "no receipt asked").await;
    esme.submit("15550009", 1, "carrier drops it").await;
    esme.submit("15550008", 2, "failures only, delivered").await;
    esme.expect_quiet().await;

    esme.submit("15550001", 2, "failures only, expired").await;
    let receipt = esme.deliver_sm().await;
    assert!(text_of(&receipt).contains("stat:EXPIRED"), "{}", text_of(&receipt));
    assert!(receipt.tlvs().is_empty(), "text only");

    for (outcome, stat) in
        [(Outcome::rejected("012"), "stat:REJECTD err:012"), (Outcome::Unknown, "stat:UNKNOWN err:000")]
    {
        smsc.set_default_outcome(outcome);
        esme.submit("15550001", 1, "x").await;
        let receipt = esme.deliver_sm().await;
        assert!(text_of(&receipt).contains(stat), "{}", text_of(&receipt));
    }
}

#[tokio::test]
async fn receipts_wait_for_a_receiving_bind_and_are_retried() {
    let config = FakeSmscConfig {
        receipt_delay: Duration::from_millis(10),
        deliver_timeout: Duration::from_millis(200),
        ..FakeSmscConfig::default()
    };
    let smsc = FakeSmsc::start(config).await;
    let mut transmitter = Esme::bound(&smsc, BindType::Transmitter).await;
    let id = message_id(&transmitter.submit("15550001", 1, "hello").await);
    transmitter.expect_quiet().await;
    assert_eq!(smsc.pending_deliveries(), 1, "queued without a receiver");
    assert!(smsc.receipts_sent().is_empty());

    let mut receiver = Esme::bound(&smsc, BindType::Receiver).await;
    // First copy unanswered: it comes again after deliver_timeout.
    let first = receiver.receive().await;
    let Some(Pdu::DeliverSm(first_body)) = first.pdu() else { panic!("deliver_sm expected: {first:?}") };
    assert!(text_of(first_body).starts_with(&format!("id:{id} ")));
    let again = receiver.deliver_sm().await;
    assert_eq!(text_of(&again), text_of(first_body));
    let sent = smsc.wait_for_receipts(1, PATIENCE).await;
    assert_eq!((sent.len(), sent[0].attempts, sent[0].response_status), (1, 2, Some(0)));
    assert_eq!(smsc.pending_deliveries(), 0);
}

#[tokio::test]
async fn inbound_messages() {
    let smsc = FakeSmsc::start(FakeSmscConfig::default()).await;
    // Injected before any bind: delivered once one is up.
    smsc.inject_inbound("+15551234567", "12345", "STOP");
    let mut esme = Esme::bound(&smsc, BindType::Transceiver).await;
    let deliver = esme.deliver_sm().await;
    assert_eq!(u8::from(deliver.esm_class), 0x00);
    assert_eq!(u8::from(deliver.data_coding), 0);
    assert_eq!((deliver.source_addr.to_string(), u8::from(deliver.source_addr_ton)), ("15551234567".to_owned(), 1));
    assert_eq!(deliver.destination_addr.to_string(), "12345");
    assert_eq!(deliver.short_message().as_ref(), b"STOP");

    smsc.inject_inbound_to("herald", "+15551234567", "12345", "Да 👍");
    let deliver = esme.deliver_sm().await;
    assert_eq!(u8::from(deliver.data_coding), 8);
    assert_eq!(text::decode(8, deliver.short_message().as_ref()).as_deref(), Some("Да 👍"));

    smsc.inject_inbound_to("someone-else", "+15551234567", "12345", "not for herald");
    esme.expect_quiet().await;
    let sent = smsc.inbound_sent();
    assert_eq!(sent.len(), 2);
    assert_eq!((sent[1].data_coding, sent[1].response_status), (8, Some(0)));
    assert_eq!(smsc.pending_deliveries(), 1);
}

#[tokio::test]
async fn throttling_and_scripted_statuses() {
    let smsc = FakeSmsc::start(FakeSmscConfig::default()).await;
    let mut esme = Esme::bound(&smsc, BindType::Transmitter).await;

    smsc.throttle_next(2);
    let statuses: Vec<u32> = [
        esme.submit("15550001", 0, "a").await,
        esme.submit("15550001", 0, "b").await,
        esme.submit("15550001", 0, "c").await,
    ]
    .iter()
    .map(|response| u32::from(response.status()))
    .collect();
    assert_eq!(statuses, [status::THROTTLED, status::THROTTLED, status::OK]);

    smsc.set_submit_status("+15550404", status::INVALID_DESTINATION);
    let refused = esme.submit("15550404", 1, "nobody").await;
    assert_eq!(u32::from(refused.status()), status::INVALID_DESTINATION);
    assert!(refused.pdu().is_none(), "error answers have no body");

    smsc.set_max_rate(Some(2));
    let statuses: Vec<u32> = [
        esme.submit("15550001", 0, "d").await,
        esme.submit("15550001", 0, "e").await,
        esme.submit("15550001", 0, "f").await,
    ]
    .iter()
    .map(|response| u32::from(response.status()))
    .collect();
    assert_eq!(statuses, [status::OK, status::OK, status::THROTTLED]);

    let submits = smsc.submits();
    assert_eq!(submits.len(), 7, "refused submits are recorded too");
    assert_eq!(submits[0].message_id, None);
    assert_eq!(submits[3].command_status, status::INVALID_DESTINATION);
}

#[tokio::test]
async fn slow_answers_show_the_client_window() {
    let smsc = FakeSmsc::start(FakeSmscConfig::default()).await;
    smsc.set_response_delay(Duration::from_millis(200));
    let mut esme = Esme::bound(&smsc, BindType::Transmitter).await;

    let mut sequences = Vec::new();
    for index in 0..10 {
        sequences.push(esme.send(submit_sm("15550001", 0, 0, 0, format!("m{index}").into_bytes())).await);
    }
    let mut answered = Vec::new();
    for _ in 0..10 {
        let response = esme.receive().await;
        assert_eq!(response.status(), CommandStatus::EsmeRok);
        answered.push(response.sequence_number());
    }
    assert_eq!(answered, sequences, "in order");
    assert_eq!(smsc.max_outstanding(), 10);
    let stats = smsc.connection_stats();
    assert_eq!((stats[0].submits, stats[0].outstanding, stats[0].max_outstanding), (10, 0, 10));
}

#[tokio::test]
async fn dropped_connections_can_bind_again() {
    let smsc = FakeSmsc::start(FakeSmscConfig::default()).await;
    let mut first = Esme::bound(&smsc, BindType::Transceiver).await;
    let mut unbound = Esme::connect(&smsc).await;
    assert_eq!(smsc.wait_for_binds(1, PATIENCE).await.len(), 1);
    // A connection still in the listen backlog is not the fake's yet, so wait until it is.
    tokio::time::timeout(PATIENCE, async {
        while smsc.connection_stats().len() < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("both connections accepted");

    smsc.drop_connections();
    assert!(first.next().await.is_none(), "bound connection closed");
    assert!(unbound.next().await.is_none(), "unbound connection closed");
    assert_eq!(smsc.bind_count(), 0, "unregistered before the sockets closed");

    let mut second = Esme::bound(&smsc, BindType::Transceiver).await;
    assert_eq!(second.submit("15550001", 0, "again").await.status(), CommandStatus::EsmeRok);
    assert_eq!(smsc.total_binds_accepted(), 2);
}

#[tokio::test]
async fn shutdown_closes_everything() {
    let smsc = FakeSmsc::start(FakeSmscConfig::default()).await;
    let address = smsc.address();
    let mut esme = Esme::bound(&smsc, BindType::Transceiver).await;
    tokio::time::timeout(PATIENCE, smsc.shutdown()).await.expect("shutdown in time");
    assert!(esme.next().await.is_none());
    assert!(TcpStream::connect(address).await.is_err(), "no longer listening");
}
