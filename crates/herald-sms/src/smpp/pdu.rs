//! Building the PDUs Herald sends and reading the fields it needs out of the ones it receives.

use rusmpp::pdus::{BindReceiver, BindTransceiver, BindTransmitter, DataSm, DeliverSm, SubmitSm};
use rusmpp::tlvs::{Tlv, TlvValue};
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, InterfaceVersion, Npi, RegisteredDelivery, ServiceType, Ton};
use rusmpp::{Command, CommandId, CommandStatus, Pdu};

use super::address::{destination_address, source_address};
use super::codec::Frame;
use super::events::{SubmitOutcome, SubmitPart};
use super::receipt::ReceiptTlvs;
use super::settings::CarrierSettings;
use super::status::{ESME_RINVDSTADR, ESME_RINVMSGLEN, ESME_RINVSRCADR};

pub(crate) const ESM_CLASS_UDHI: u8 = 0x40;
/// Message-type bits of esm_class (bits 5..2).
const ESM_CLASS_TYPE_MASK: u8 = 0x3C;
pub(crate) const ESM_CLASS_SMSC_RECEIPT: u8 = 0x04;
const ESM_CLASS_INTERMEDIATE_NOTIFICATION: u8 = 0x20;
/// SMPP 3.4 caps short_message at 254 octets (sm_length 0..=254).
const MAX_SHORT_MESSAGE: usize = 254;

const TAG_RECEIPTED_MESSAGE_ID: u16 = 0x001E;
const TAG_NETWORK_ERROR_CODE: u16 = 0x0423;
const TAG_MESSAGE_PAYLOAD: u16 = 0x0424;
const TAG_MESSAGE_STATE: u16 = 0x0427;

/// Which kind of bind a connection makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Transceiver,
    Transmitter,
    Receiver,
}

impl Role {
    pub(crate) fn submits(self) -> bool {
        matches!(self, Role::Transceiver | Role::Transmitter)
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::Transceiver => "transceiver",
            Role::Transmitter => "transmitter",
            Role::Receiver => "receiver",
        }
    }

    pub(crate) fn response_id(self) -> CommandId {
        match self {
            Role::Transceiver => CommandId::BindTransceiverResp,
            Role::Transmitter => CommandId::BindTransmitterResp,
            Role::Receiver => CommandId::BindReceiverResp,
        }
    }
}

/// The bind request for `role`, or why the credentials cannot be put in one. Errors never quote
/// the password.
pub(crate) fn bind_command(role: Role, sequence_number: u32, settings: &CarrierSettings) -> Result<Command, String> {
    let system_id = COctetString::<1, 16>::from_string(settings.system_id.clone())
        .map_err(|e| format!("system_id unusable in a bind (at most 15 ASCII characters): {e}"))?;
    let password = COctetString::<1, 9>::from_string(settings.password.clone())
        .map_err(|_| "password unusable in a bind (at most 8 ASCII characters)".to_owned())?;
    let system_type = COctetString::<1, 13>::from_string(settings.system_type.clone())
        .map_err(|e| format!("system_type unusable in a bind (at most 12 ASCII characters): {e}"))?;
    let interface_version = InterfaceVersion::Smpp3_4;
    let address_range = COctetString::empty();
    let (ton, npi) = (Ton::Unknown, Npi::Unknown);
    let pdu: Pdu = match role {
        Role::Transceiver => {
            BindTransceiver::new(system_id, password, system_type, interface_version, ton, npi, address_range).into()
        }
        Role::Transmitter => {
            BindTransmitter::new(system_id, password, system_type, interface_version, ton, npi, address_range).into()
        }
        Role::Receiver => {
            BindReceiver::new(system_id, password, system_type, interface_version, ton, npi, address_range).into()
        }
    };
    Ok(Command::new(CommandStatus::EsmeRok, sequence_number, pdu))
}

fn rejected(command_status: u32) -> SubmitOutcome {
    SubmitOutcome::Rejected { command_status, permanent: true }
}

/// The submit_sm for a part (sequence number set at sending), or the permanent rejection the
/// SMSC would give a part that cannot be expressed.
pub(crate) fn submit_sm(part: &SubmitPart) -> Result<SubmitSm, SubmitOutcome> {
    let source = source_address(&part.source).ok_or_else(|| rejected(ESME_RINVSRCADR))?;
    let destination = destination_address(&part.destination).ok_or_else(|| rejected(ESME_RINVDSTADR))?;
    if part.short_message.len() > MAX_SHORT_MESSAGE {
        return Err(rejected(ESME_RINVMSGLEN));
    }
    let source_addr = COctetString::<1, 21>::from_string(source.address).map_err(|_| rejected(ESME_RINVSRCADR))?;
    let destination_addr =
        COctetString::<1, 21>::from_string(destination.address).map_err(|_| rejected(ESME_RINVDSTADR))?;
    let short_message =
        OctetString::<0, 255>::from_slice(&part.short_message).map_err(|_| rejected(ESME_RINVMSGLEN))?;
    // rusmpp 0.4's EsmClass::default() encodes as 0x08, so the byte is built by hand.
    let esm_class = EsmClass::from(if part.udhi { ESM_CLASS_UDHI } else { 0 });
    Ok(SubmitSm::builder()
        .service_type(ServiceType::default())
        .source_addr_ton(Ton::from(source.ton))
        .source_addr_npi(Npi::from(source.npi))
        .source_addr(source_addr)
        .dest_addr_ton(Ton::from(destination.ton))
        .dest_addr_npi(Npi::from(destination.npi))
        .destination_addr(destination_addr)
        .esm_class(esm_class)
        .registered_delivery(RegisteredDelivery::from(u8::from(part.registered_delivery)))
        .data_coding(DataCoding::from(part.data_coding))
        .short_message(short_message)
        .build())
}

/// What Herald needs from a deliver_sm or data_sm.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct MessageFields {
    pub source_ton: u8,
    pub source_addr: String,
    pub dest_ton: u8,
    pub destination_addr: String,
    pub esm_class: u8,
    pub data_coding: u8,
    pub short_message: Vec<u8>,
    pub message_payload: Option<Vec<u8>>,
    pub receipt: ReceiptTlvs,
}

impl MessageFields {
    /// Delivery receipts and intermediate notifications, by esm_class; a receipted_message_id TLV
    /// also marks one, for the SMSCs that send receipts with esm_class 0.
    pub(crate) fn is_receipt(&self) -> bool {
        let message_type = self.esm_class & ESM_CLASS_TYPE_MASK;
        message_type & (ESM_CLASS_SMSC_RECEIPT | ESM_CLASS_INTERMEDIATE_NOTIFICATION) != 0
            || self.receipt.receipted_message_id.is_some()
    }

    pub(crate) fn udhi(&self) -> bool {
        self.esm_class & ESM_CLASS_UDHI != 0
    }

    /// The message body: short_message, or the message_payload TLV when short_message is empty
    /// (as SMPP 3.4 requires when the payload is used, and as data_sm always does).
    pub(crate) fn body(&self) -> &[u8] {
        match &self.message_payload {
            Some(payload) if self.short_message.is_empty() => payload,
            _ => &self.short_message,
        }
    }

    fn absorb_raw_tlv(&mut self, tag: u16, value: &[u8]) {
        match tag {
            TAG_RECEIPTED_MESSAGE_ID => {
                let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
                self.receipt.receipted_message_id = Some(String::from_utf8_lossy(&value[..end]).into_owned());
            }
            TAG_MESSAGE_STATE => self.receipt.message_state = value.first().copied(),
            TAG_NETWORK_ERROR_CODE => {
                self.receipt.network_error_code = match *value {
                    [network_type, high, low, ..] => Some((network_type, u16::from_be_bytes([high, low]))),
                    [high, low] => Some((0, u16::from_be_bytes([high, low]))),
                    [code] => Some((0, u16::from(code))),
                    [] => None,
                }
            }
            TAG_MESSAGE_PAYLOAD => self.message_payload = Some(value.to_vec()),
            _ => {}
        }
    }

    fn absorb_tlvs(&mut self, tlvs: &[Tlv]) {
        for tlv in tlvs {
            match tlv.value() {
                Some(TlvValue::ReceiptedMessageId(id)) => {
                    self.receipt.receipted_message_id = Some(id.as_str().to_owned());
                }
                Some(TlvValue::MessageState(state)) => self.receipt.message_state = Some(u8::from(*state)),
                Some(TlvValue::NetworkErrorCode(code)) => {
                    self.receipt.network_error_code = Some((u8::from(code.network_type), code.error_code));
                }
                Some(TlvValue::MessagePayload(payload)) => {
                    self.message_payload = Some(payload.value.clone().into_vec());
                }
                _ => {}
            }
        }
    }
}

fn from_deliver_sm(sm: &DeliverSm) -> MessageFields {
    let mut fields = MessageFields {
        source_ton: u8::from(sm.source_addr_ton),
        source_addr: sm.source_addr.as_str().to_owned(),
        dest_ton: u8::from(sm.dest_addr_ton),
        destination_addr: sm.destination_addr.as_str().to_owned(),
        esm_class: u8::from(sm.esm_class),
        data_coding: u8::from(sm.data_coding),
        short_message: sm.short_message().as_ref().to_vec(),
        ..MessageFields::default()
    };
    fields.absorb_tlvs(sm.tlvs());
    fields
}

fn from_data_sm(sm: &DataSm) -> MessageFields {
    let mut fields = MessageFields {
        source_ton: u8::from(sm.source_addr_ton),
        source_addr: sm.source_addr.as_str().to_owned(),
        dest_ton: u8::from(sm.dest_addr_ton),
        destination_addr: sm.destination_addr.as_str().to_owned(),
        esm_class: u8::from(sm.esm_class),
        data_coding: u8::from(sm.data_coding),
        ..MessageFields::default()
    };
    fields.absorb_tlvs(sm.tlvs());
    fields
}

/// Reads a deliver_sm or data_sm: rusmpp's decoding when it had one, else the raw body read
/// leniently (any bytes in strings, TLVs of any length, a truncated tail ignored). None when
/// even the mandatory fields are not there.
pub(crate) fn message_fields(frame: &Frame) -> Option<MessageFields> {
    match frame.command.as_ref().and_then(Command::pdu) {
        Some(Pdu::DeliverSm(sm)) => return Some(from_deliver_sm(sm)),
        Some(Pdu::DataSm(sm)) => return Some(from_data_sm(sm)),
        _ => {}
    }
    let deliver = frame.header.command_id == u32::from(CommandId::DeliverSm);
    let mut reader = Reader { buf: &frame.body };
    let mut fields = MessageFields::default();
    reader.cstring()?; // service_type
    fields.source_ton = reader.u8()?;
    reader.u8()?; // source_addr_npi
    fields.source_addr = reader.cstring()?;
    fields.dest_ton = reader.u8()?;
    reader.u8()?; // dest_addr_npi
    fields.destination_addr = reader.cstring()?;
    fields.esm_class = reader.u8()?;
    if deliver {
        reader.u8()?; // protocol_id
        reader.u8()?; // priority_flag
        reader.cstring()?; // schedule_delivery_time
        reader.cstring()?; // validity_period
        reader.u8()?; // registered_delivery
        reader.u8()?; // replace_if_present_flag
        fields.data_coding = reader.u8()?;
        reader.u8()?; // sm_default_msg_id
        let sm_length = usize::from(reader.u8()?);
        fields.short_message = reader.take(sm_length)?.to_vec();
    } else {
        reader.u8()?; // registered_delivery
        fields.data_coding = reader.u8()?;
    }
    while reader.buf.len() >= 4 {
        let tag = u16::from_be_bytes([reader.buf[0], reader.buf[1]]);
        let length = usize::from(u16::from_be_bytes([reader.buf[2], reader.buf[3]]));
        reader.buf = &reader.buf[4..];
        let value = reader.take(length.min(reader.buf.len()))?;
        fields.absorb_raw_tlv(tag, value);
    }
    Some(fields)
}

/// The message_id of a submit_sm_resp, read leniently when rusmpp could not (missing NUL,
/// non-ASCII bytes). Empty when the response has no body, as error responses often do not.
pub(crate) fn submit_resp_message_id(frame: &Frame) -> String {
    if let Some(Pdu::SubmitSmResp(resp)) = frame.command.as_ref().and_then(Command::pdu) {
        return resp.message_id().as_str().to_owned();
    }
    let end = frame.body.iter().position(|&b| b == 0).unwrap_or(frame.body.len());
    String::from_utf8_lossy(&frame.body[..end]).into_owned()
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Option<u8> {
        let (&first, rest) = self.buf.split_first()?;
        self.buf = rest;
        Some(first)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.buf.len() < n {
            return None;
        }
        let (taken, rest) = self.buf.split_at(n);
        self.buf = rest;
        Some(taken)
    }

    fn cstring(&mut self) -> Option<String> {
        let end = self.buf.iter().position(|&b| b == 0)?;
        let text = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf = &self.buf[end + 1..];
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smpp::codec::SmppCodec;
    use bytes::BytesMut;
    use rusmpp::tlvs::MessageDeliveryRequestTlvValue;
    use rusmpp::values::{MessageState, NetworkErrorCode};
    use tokio_util::codec::{Decoder, Encoder};

    fn part(source: &str, udhi: bool) -> SubmitPart {
        SubmitPart {
            source: source.to_owned(),
            destination: "+14155550100".to_owned(),
            data_coding: 8,
            udhi,
            short_message: vec![0, 0x48, 0, 0x69],
            registered_delivery: true,
        }
    }

    fn wire(command: Command) -> Vec<u8> {
        let mut buf = BytesMut::new();
        SmppCodec.encode(command, &mut buf).expect("encode");
        buf.to_vec()
    }

    fn frame_of(bytes: &[u8]) -> Frame {
        SmppCodec.decode(&mut BytesMut::from(bytes)).expect("decode").expect("frame")
    }

    #[test]
    fn submit_sm_fields_on_the_wire() {
        let sm = submit_sm(&part("+15550001111", false)).expect("submit_sm");
        let bytes = wire(Command::new(CommandStatus::EsmeRok, 9, sm));
        let body = &bytes[16..];
        let expected: Vec<u8> = [
            &[0u8][..],                      // service_type ""
            &[1, 1],                         // source TON/NPI
            b"15550001111\0",                // source_addr
            &[1, 1],                         // dest TON/NPI
            b"14155550100\0",                // destination_addr
            &[0x00, 0x00, 0x00, 0x00, 0x00], // esm_class, protocol_id, priority, sched "", validity ""
            &[0x01, 0x00, 0x08, 0x00, 0x04], // registered_delivery, replace, data_coding, default id, sm_length
            &[0, 0x48, 0, 0x69],
        ]
        .concat();
        assert_eq!(body, &expected[..]);
    }

    #[test]
    fn submit_sm_udhi_and_sender_kinds() {
        let sm = submit_sm(&part("Herald", true)).expect("submit_sm");
        assert_eq!(u8::from(sm.esm_class), 0x40);
        assert_eq!((u8::from(sm.source_addr_ton), u8::from(sm.source_addr_npi)), (5, 0));
        let sm = submit_sm(&part("12345", false)).expect("submit_sm");
        assert_eq!(u8::from(sm.esm_class), 0x00);
        assert_eq!((u8::from(sm.source_addr_ton), u8::from(sm.source_addr_npi)), (3, 0));
        assert_eq!(u8::from(sm.registered_delivery), 1);
        let mut no_receipt = part("12345", false);
        no_receipt.registered_delivery = false;
        assert_eq!(u8::from(submit_sm(&no_receipt).expect("submit_sm").registered_delivery), 0);
    }

    #[test]
    fn inexpressible_parts_are_permanent_rejections() {
        let mut bad = part("+15550001111", false);
        bad.destination = "not a number".into();
        assert_eq!(submit_sm(&bad), Err(SubmitOutcome::Rejected { command_status: 0x0B, permanent: true }));
        let mut bad = part("", false);
        bad.source = String::new();
        assert_eq!(submit_sm(&bad), Err(SubmitOutcome::Rejected { command_status: 0x0A, permanent: true }));
        let mut bad = part("+15550001111", false);
        bad.short_message = vec![0; 255];
        assert_eq!(submit_sm(&bad), Err(SubmitOutcome::Rejected { command_status: 0x01, permanent: true }));
        let mut fits = part("+15550001111", false);
        fits.short_message = vec![0; 254];
        assert!(submit_sm(&fits).is_ok());
    }

    #[test]
    fn bind_refuses_long_credentials_without_quoting_the_password() {
        let mut settings = CarrierSettings::new("c", "h", 1, "sys", "averylongsecret");
        let error = bind_command(Role::Transceiver, 1, &settings).expect_err("too long");
        assert!(!error.contains("averylongsecret"), "{error}");
        settings.password = "secret".into();
        let bytes = wire(bind_command(Role::Transceiver, 1, &settings).expect("bind"));
        assert_eq!(&bytes[4..8], &[0, 0, 0, 9]);
        assert_eq!(&bytes[16..], b"sys\0secret\0\0\x34\0\0\0");
    }

    fn receipt_deliver_sm() -> DeliverSm {
        let mut sm = DeliverSm::builder()
            .source_addr_ton(Ton::International)
            .source_addr(COctetString::from_string("14155550100".into()).expect("addr"))
            .destination_addr(COctetString::from_string("12345".into()).expect("addr"))
            .esm_class(EsmClass::from(0x04))
            .short_message(OctetString::from_slice(b"id:42 stat:DELIVRD").expect("sm"))
            .build();
        sm.push_tlv(MessageDeliveryRequestTlvValue::ReceiptedMessageId(
            COctetString::from_string("2a".into()).expect("id"),
        ));
        sm.push_tlv(MessageDeliveryRequestTlvValue::MessageState(MessageState::Delivered));
        sm.push_tlv(MessageDeliveryRequestTlvValue::NetworkErrorCode(NetworkErrorCode::new(
            rusmpp::values::ErrorCodeNetworkType::Gsm,
            7,
        )));
        sm
    }

    #[test]
    fn reads_typed_and_raw_deliver_sm_alike() {
        let bytes = wire(Command::new(CommandStatus::EsmeRok, 3, receipt_deliver_sm()));
        let typed = message_fields(&frame_of(&bytes)).expect("fields");
        assert!(typed.is_receipt());
        assert_eq!(typed.source_ton, 1);
        assert_eq!(typed.source_addr, "14155550100");
        assert_eq!(typed.destination_addr, "12345");
        assert_eq!(typed.body(), b"id:42 stat:DELIVRD");
        assert_eq!(typed.receipt.receipted_message_id.as_deref(), Some("2a"));
        assert_eq!(typed.receipt.message_state, Some(2));
        assert_eq!(typed.receipt.network_error_code, Some((3, 7)));

        let raw = Frame { command: None, ..frame_of(&bytes) };
        assert_eq!(message_fields(&raw), Some(typed));
    }

    #[test]
    fn raw_reading_survives_what_rusmpp_refuses() {
        let mut bytes = wire(Command::new(CommandStatus::EsmeRok, 3, receipt_deliver_sm()));
        // Drop the NUL of receipted_message_id ("2a\0", the first TLV) and fix the lengths.
        let tlv_start = bytes.windows(4).position(|w| w == [0x00, 0x1E, 0x00, 0x03]).expect("tlv");
        bytes[tlv_start + 3] = 2;
        bytes.remove(tlv_start + 6);
        let total = bytes.len() as u32;
        bytes[..4].copy_from_slice(&total.to_be_bytes());
        let frame = frame_of(&bytes);
        assert!(frame.command.is_none(), "rusmpp should refuse it");
        let fields = message_fields(&frame).expect("fields");
        assert_eq!(fields.receipt.receipted_message_id.as_deref(), Some("2a"));
        assert_eq!(fields.receipt.message_state, Some(2));
        assert!(fields.is_receipt());
    }

    #[test]
    fn mo_fields_and_payload() {
        let mut sm = DeliverSm::builder()
            .source_addr(COctetString::from_string("14155550100".into()).expect("addr"))
            .destination_addr(COctetString::from_string("12345".into()).expect("addr"))
            .esm_class(EsmClass::from(0x40))
            .data_coding(DataCoding::from(8))
            .build();
        sm.push_tlv(MessageDeliveryRequestTlvValue::MessagePayload(rusmpp::values::MessagePayload::new(
            rusmpp::types::AnyOctetString::from_slice(b"payload"),
        )));
        let fields = message_fields(&frame_of(&wire(Command::new(CommandStatus::EsmeRok, 1, sm)))).expect("fields");
        assert!(!fields.is_receipt());
        assert!(fields.udhi());
        assert_eq!(fields.data_coding, 8);
        assert_eq!(fields.body(), b"payload");
    }

    #[test]
    fn truncated_bodies_are_none() {
        let bytes = wire(Command::new(CommandStatus::EsmeRok, 3, receipt_deliver_sm()));
        let frame = frame_of(&bytes);
        let truncated = Frame { command: None, body: frame.body.slice(..10), header: frame.header };
        assert_eq!(message_fields(&truncated), None);
    }
}
