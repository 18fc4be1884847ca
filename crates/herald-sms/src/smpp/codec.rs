//! Framing on top of rusmpp's `CommandCodec`.
//!
//! rusmpp decodes a PDU or fails, and a failure inside `Framed` ends the stream. A carrier that
//! sends one slightly off-spec PDU (a receipted_message_id without its NUL, a non-ASCII byte in
//! an address) would then cost a reconnect, and since the SMSC resends an unanswered deliver_sm,
//! it would cost one every time. So frames are cut here by command_length, handed to rusmpp one
//! at a time, and a frame rusmpp refuses still comes out, as its header plus raw body, for the
//! session to read leniently (see [`super::pdu`]) or answer with a generic_nack.

use bytes::{Buf, Bytes, BytesMut};
use rusmpp::Command;
use rusmpp::tokio_codec::{CommandCodec, EncodeError};
use tokio_util::codec::{Decoder, Encoder};

const HEADER_LENGTH: usize = 16;
/// Room for a deliver_sm or data_sm with a full 64 KiB message_payload.
const MAX_COMMAND_LENGTH: usize = 70_000;

/// The fixed SMPP header, read without rusmpp so it is known even for PDUs rusmpp refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub command_id: u32,
    pub command_status: u32,
    pub sequence_number: u32,
}

/// One received PDU.
#[derive(Debug)]
pub(crate) struct Frame {
    pub header: Header,
    /// The body after the header, kept for lenient parsing when `command` is None.
    pub body: Bytes,
    /// rusmpp's reading of the PDU, when it could read it.
    pub command: Option<Command>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum CodecError {
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The length field is unusable, so the stream cannot be re-synchronised.
    #[error("invalid command_length {0}")]
    Length(usize),
    #[error("encoding error: {0}")]
    Encode(String),
}

#[derive(Debug, Default)]
pub(crate) struct SmppCodec;

impl Decoder for SmppCodec {
    type Item = Frame;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        if src.len() < 4 {
            return Ok(None);
        }
        let command_length = u32::from_be_bytes([src[0], src[1], src[2], src[3]]) as usize;
        if !(HEADER_LENGTH..=MAX_COMMAND_LENGTH).contains(&command_length) {
            return Err(CodecError::Length(command_length));
        }
        if src.len() < command_length {
            src.reserve(command_length - src.len());
            return Ok(None);
        }
        let frame = src.split_to(command_length).freeze();
        let mut header_bytes = frame.slice(4..HEADER_LENGTH);
        let header = Header {
            command_id: header_bytes.get_u32(),
            command_status: header_bytes.get_u32(),
            sequence_number: header_bytes.get_u32(),
        };
        let body = frame.slice(HEADER_LENGTH..);
        let mut whole = BytesMut::from(&frame[..]);
        let command = match CommandCodec::new().without_max_length().decode(&mut whole) {
            Ok(Some(command)) => Some(command),
            Ok(None) | Err(_) => None,
        };
        Ok(Some(Frame { header, body, command }))
    }
}

impl Encoder<Command> for SmppCodec {
    type Error = CodecError;

    fn encode(&mut self, command: Command, dst: &mut BytesMut) -> Result<(), CodecError> {
        CommandCodec::new().encode(&command, dst).map_err(|error| match error {
            EncodeError::Io(e) => CodecError::Io(e),
            other => CodecError::Encode(other.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BufMut;
    use rusmpp::{CommandStatus, Pdu};

    fn encoded(command: Command) -> BytesMut {
        let mut buf = BytesMut::new();
        SmppCodec.encode(command, &mut buf).expect("encode");
        buf
    }

    #[test]
    fn round_trips_and_waits_for_whole_frames() {
        let mut buf = encoded(Command::new(CommandStatus::EsmeRok, 7, Pdu::EnquireLink));
        buf.extend_from_slice(&encoded(Command::new(CommandStatus::EsmeRok, 8, Pdu::EnquireLinkResp)));
        let mut partial = buf.split_to(20);
        assert_eq!(partial.len(), 20);
        let first = SmppCodec.decode(&mut partial).expect("decode").expect("frame");
        assert_eq!(first.header.sequence_number, 7);
        assert_eq!(first.header.command_id, 0x15);
        assert!(first.command.is_some());
        assert!(SmppCodec.decode(&mut partial).expect("decode").is_none());
        partial.unsplit(buf);
        let second = SmppCodec.decode(&mut partial).expect("decode").expect("frame");
        assert_eq!(second.header.sequence_number, 8);
        assert_eq!(second.header.command_id, 0x8000_0015);
    }

    #[test]
    fn frames_rusmpp_refuses_still_come_out_raw() {
        // A deliver_sm whose source_addr is not NUL-terminated within its 21 octets.
        let mut buf = BytesMut::new();
        let body: Vec<u8> = [&[0u8, 1, 1][..], &[b'1'; 30][..], &[0u8][..]].concat();
        buf.put_u32((16 + body.len()) as u32);
        buf.put_u32(0x0000_0005);
        buf.put_u32(0);
        buf.put_u32(42);
        buf.put_slice(&body);
        buf.extend_from_slice(&encoded(Command::new(CommandStatus::EsmeRok, 43, Pdu::EnquireLink)));
        let frame = SmppCodec.decode(&mut buf).expect("decode").expect("frame");
        assert!(frame.command.is_none());
        assert_eq!(frame.header, Header { command_id: 5, command_status: 0, sequence_number: 42 });
        assert_eq!(&frame.body[..], &body[..]);
        let next = SmppCodec.decode(&mut buf).expect("decode").expect("frame");
        assert_eq!(next.header.sequence_number, 43);
    }

    #[test]
    fn absurd_lengths_are_errors() {
        let mut buf = BytesMut::from(&[0u8, 0, 0, 4, 0, 0, 0, 0][..]);
        assert!(matches!(SmppCodec.decode(&mut buf), Err(CodecError::Length(4))));
        let mut buf = BytesMut::from(&[0x7fu8, 0, 0, 0][..]);
        assert!(SmppCodec.decode(&mut buf).is_err());
    }
}
