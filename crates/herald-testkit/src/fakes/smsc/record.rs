//! What the fake saw and did, as tests read it.

use std::net::SocketAddr;
use std::time::SystemTime;

use super::script::Outcome;
use super::text::Udh;

/// The three ways an ESME binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BindType {
    Transmitter,
    Receiver,
    Transceiver,
}

impl BindType {
    /// Whether the SMSC may send deliver_sm on this bind.
    pub fn can_receive(self) -> bool {
        matches!(self, BindType::Receiver | BindType::Transceiver)
    }

    /// Whether the ESME may submit on this bind.
    pub fn can_transmit(self) -> bool {
        matches!(self, BindType::Transmitter | BindType::Transceiver)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BindType::Transmitter => "transmitter",
            BindType::Receiver => "receiver",
            BindType::Transceiver => "transceiver",
        }
    }
}

/// A currently bound session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundSession {
    /// The connection's id, unique per server (also in `RecordedSubmit::connection`).
    pub connection: u64,
    pub peer: SocketAddr,
    pub system_id: String,
    pub bind_type: BindType,
}

/// One submit_sm as received and answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedSubmit {
    pub connection: u64,
    pub system_id: String,
    pub sequence: u32,
    pub service_type: String,
    pub source: String,
    pub source_ton: u8,
    pub source_npi: u8,
    pub destination: String,
    pub destination_ton: u8,
    pub destination_npi: u8,
    pub esm_class: u8,
    pub protocol_id: u8,
    pub registered_delivery: u8,
    pub data_coding: u8,
    /// The short_message octets as sent, user data header included.
    pub short_message: Vec<u8>,
    /// The message_payload TLV (0x0424), which long messages may use instead of short_message.
    pub message_payload: Option<Vec<u8>>,
    /// Every TLV as (tag, value octets), in order.
    pub tlvs: Vec<(u16, Vec<u8>)>,
    /// The concatenation element of the user data header, when esm_class has UDHI (0x40).
    pub udh: Option<Udh>,
    /// The text without the user data header, when data_coding is one the fake decodes (0 GSM
    /// 03.38 unpacked, 1 ASCII, 3 Latin-1, 8 UCS-2/UTF-16BE).
    pub text: Option<String>,
    /// The submit_sm_resp's command_status.
    pub command_status: u32,
    /// The id in the submit_sm_resp; `None` when the submit was refused.
    pub message_id: Option<String>,
    /// The same message's id as its receipt writes it (see `FakeSmscConfig::receipt_id_format`).
    pub receipt_id: Option<String>,
    /// The outcome the receipt will report, when the submit was accepted.
    pub outcome: Option<Outcome>,
    pub received_at: SystemTime,
}

/// One delivery receipt sent as deliver_sm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentReceipt {
    /// The connection it went out on (the last one, after a retry).
    pub connection: u64,
    pub system_id: String,
    pub sequence: u32,
    /// The message id as the submit_sm_resp wrote it.
    pub submit_id: String,
    /// The message id as the receipt writes it.
    pub receipt_id: String,
    pub outcome: Outcome,
    /// The handset: the submit's destination, the receipt's source.
    pub source: String,
    pub destination: String,
    /// The receipt text, `id:… sub:001 dlvrd:… stat:… err:… text:…`.
    pub text: String,
    /// How many times it was sent (2 after a retry).
    pub attempts: u32,
    /// The deliver_sm_resp's command_status; `None` until it arrives (or when it never did).
    pub response_status: Option<u32>,
    pub sent_at: SystemTime,
    pub(super) delivery: u64,
}

/// One mobile-originated message sent as deliver_sm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentInbound {
    pub connection: u64,
    pub system_id: String,
    pub sequence: u32,
    pub source: String,
    pub destination: String,
    pub text: String,
    /// 0 (GSM 03.38) or 8 (UCS-2).
    pub data_coding: u8,
    pub attempts: u32,
    pub response_status: Option<u32>,
    pub sent_at: SystemTime,
    pub(super) delivery: u64,
}

/// Traffic of one TCP connection, bound or not, open or closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionStats {
    pub connection: u64,
    pub peer: SocketAddr,
    /// Set once a bind succeeded.
    pub system_id: Option<String>,
    pub bind_type: Option<BindType>,
    pub submits: usize,
    /// submit_sm received but not yet answered, now.
    pub outstanding: usize,
    /// The most submit_sm ever outstanding at once: the client's window, when the fake answers
    /// slowly enough (`FakeSmsc::set_response_delay`).
    pub max_outstanding: usize,
    /// enquire_link_resp received for the fake's own enquire_link.
    pub enquire_link_responses: usize,
    pub open: bool,
}
