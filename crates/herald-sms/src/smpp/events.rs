//! What a carrier's binds report to the engine, and what the engine hands them to send.

/// One SMPP short message (one part of a possibly concatenated body) to submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitPart {
    /// E.164 number (`+` then digits), short code (digits) or alphanumeric sender ID; see
    /// [`address`](super::address) for the TON/NPI each becomes.
    pub source: String,
    /// E.164 number, with or without the `+`.
    pub destination: String,
    pub data_coding: u8,
    /// `short_message` starts with a User Data Header (esm_class 0x40).
    pub udhi: bool,
    /// At most 254 bytes (the engine has already split the body).
    pub short_message: Vec<u8>,
    /// Ask the SMSC for a delivery receipt (registered_delivery 0x01).
    pub registered_delivery: bool,
}

/// How a submit ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// submit_sm_resp with status 0; `message_id` is the SMSC's id, which the delivery receipt
    /// will quote (see [`receipt_id_candidates`](super::receipt_id_candidates) for matching).
    Accepted { message_id: String },
    /// ESME_RTHROTTLED or ESME_RMSGQFUL: resend later. The bind that got it has slowed down.
    Throttled,
    /// Any other non-zero status; `permanent` per the table in [`status`](super::status).
    /// Parts Herald cannot put into a submit_sm at all (a destination that is not a phone number,
    /// an oversize short_message) come back as a permanent rejection with the status the SMSC
    /// would have used (ESME_RINVDSTADR, ESME_RINVSRCADR, ESME_RINVMSGLEN), without being sent.
    Rejected { command_status: u32, permanent: bool },
    /// Not submitted, or submitted without an answer (no bind up, window full for too long,
    /// connection lost, no submit_sm_resp within the response timeout). The part may or may
    /// not have reached the SMSC; the engine requeues it.
    Unavailable { reason: String },
}

/// Something a carrier's binds noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CarrierEvent {
    Receipt(DeliveryReceipt),
    Inbound(InboundMessage),
    /// A connection of bind number `bind` (0-based) is bound. In
    /// [`BindMode::TransmitterReceiver`](super::BindMode::TransmitterReceiver) both connections of
    /// a bind report, so count binds with [`Carrier::bound`](super::Carrier::bound), not events.
    BindUp {
        carrier: String,
        bind: usize,
    },
    /// A bind attempt failed or a bound connection ended; reconnection follows unless shutting down.
    BindDown {
        carrier: String,
        bind: usize,
        reason: String,
    },
}

/// A delivery receipt (deliver_sm with esm_class "SMSC delivery receipt").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReceipt {
    pub carrier: String,
    /// The id of the submitted message, as the receipt quotes it (receipted_message_id TLV if
    /// present, else the `id:` field), trimmed but otherwise verbatim. Match it against the
    /// submit_sm_resp id with [`receipt_id_candidates`](super::receipt_id_candidates).
    pub message_id: String,
    pub state: ReceiptState,
    /// The network error (network_error_code TLV as `"<network type>:<code>"`, else the `err:`
    /// field); None when absent or all zeros.
    pub error_code: Option<String>,
    /// The receipt's source_addr as written: usually the handset the message went to, which
    /// helps tell apart messages whose ids are easily confused; empty when the carrier leaves
    /// it out.
    pub handset: String,
    /// The receipt's text as received (decoded per its data_coding), for diagnostics.
    pub text: String,
}

/// The final (or intermediate) state a receipt reports, SMPP 3.4 §5.2.28 / receipt `stat:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiptState {
    /// ENROUTE (1): still on its way; an intermediate notification.
    Enroute,
    /// DELIVRD (2).
    Delivered,
    /// EXPIRED (3).
    Expired,
    /// DELETED (4).
    Deleted,
    /// UNDELIV (5).
    Undeliverable,
    /// ACCEPTD (6): accepted on the handset owner's behalf (e.g. by customer care).
    Accepted,
    /// UNKNOWN (7), or a receipt whose state could not be read.
    Unknown,
    /// REJECTD (8).
    Rejected,
    /// SKIPPED (9, SMPP 5.0).
    Skipped,
}

impl ReceiptState {
    /// Whether no later receipt is expected for the message.
    pub fn is_final(self) -> bool {
        !matches!(self, ReceiptState::Enroute | ReceiptState::Accepted)
    }
}

/// A mobile-originated message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    pub carrier: String,
    /// E.164 with `+` when the SMSC marked it international (TON 1), else as sent.
    pub source: String,
    /// Same rule as `source`; usually Herald's number or short code.
    pub destination: String,
    pub data_coding: u8,
    /// esm_class 0x40: `short_message` starts with a User Data Header.
    pub udhi: bool,
    /// The undecoded body (short_message, or the message_payload TLV when short_message is
    /// empty); [`crate::encoding::decode`] turns it into text.
    pub short_message: Vec<u8>,
}
