//! rusmpp's codec, made tolerant of PDUs whose body does not decode.
//!
//! `Framed` ends a stream after the first decoding error, which would turn one malformed PDU
//! into a dropped connection. An SMSC instead answers generic_nack and carries on, and tests
//! of a client's error handling need that; so this codec cuts out each frame by its
//! command_length first and only then lets rusmpp decode it.

use std::io;

use bytes::BytesMut;
use rusmpp::Command;
use rusmpp::tokio_codec::CommandCodec;
use tokio_util::codec::{Decoder, Encoder};

/// Header: command_length, command_id, command_status, sequence_number.
const HEADER_LENGTH: usize = 16;

/// One received frame.
#[derive(Debug)]
pub enum Frame {
    Command(Box<Command>),
    /// A frame whose body rusmpp could not decode (or a body where there should be none).
    Undecodable {
        command_id: u32,
        sequence: u32,
    },
}

#[derive(Debug)]
pub struct SmppCodec {
    max_length: usize,
    inner: CommandCodec,
}

impl SmppCodec {
    pub fn new(max_length: usize) -> SmppCodec {
        SmppCodec { max_length, inner: CommandCodec::new().without_max_length() }
    }
}

impl Decoder for SmppCodec {
    type Item = Frame;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, io::Error> {
        let Some(length) = src.get(..4) else { return Ok(None) };
        let length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]) as usize;
        // A length this wrong loses the framing: nothing after it can be trusted.
        if !(HEADER_LENGTH..=self.max_length).contains(&length) {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("command_length {length}")));
        }
        if src.len() < length {
            src.reserve(length - src.len());
            return Ok(None);
        }
        let mut frame = src.split_to(length);
        let word = |at: usize| u32::from_be_bytes([frame[at], frame[at + 1], frame[at + 2], frame[at + 3]]);
        let (command_id, sequence) = (word(4), word(12));
        Ok(Some(match self.inner.decode(&mut frame) {
            Ok(Some(command)) => Frame::Command(Box::new(command)),
            Ok(None) | Err(_) => Frame::Undecodable { command_id, sequence },
        }))
    }
}

impl Encoder<Command> for SmppCodec {
    type Error = io::Error;

    fn encode(&mut self, command: Command, dst: &mut BytesMut) -> Result<(), io::Error> {
        self.inner.encode(&command, dst).map_err(|error| io::Error::other(error.to_string()))
    }
}
