//! Message ids. Carriers often print one message's id differently in the submit_sm_resp and in
//! the delivery receipt (hex "0001A2F3" in one, decimal "107251" in the other), and a client
//! that matches receipts to messages must cope; so every message gets one number and each place
//! renders it in its own format.

use uuid::Uuid;

/// How a message id is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdFormat {
    /// Upper-case hexadecimal, zero-padded to at least 8 digits: "0001A2F3".
    #[default]
    Hex,
    /// Decimal without padding: "107251".
    Decimal,
    /// Decimal zero-padded to at least this many digits: "0000107251" for 10.
    DecimalLeadingZeros(usize),
    /// A random UUID, hyphenated lower case; the same one wherever a message's id is a UUID.
    Uuid,
}

impl IdFormat {
    /// Longest width SMPP's 65-octet message_id can carry.
    const MAX_WIDTH: usize = 64;

    pub(super) fn render(self, id: &MessageId) -> String {
        match self {
            IdFormat::Hex => format!("{:08X}", id.number),
            IdFormat::Decimal => id.number.to_string(),
            IdFormat::DecimalLeadingZeros(width) => {
                format!("{:0width$}", id.number, width = width.min(Self::MAX_WIDTH))
            }
            IdFormat::Uuid => id.uuid.to_string(),
        }
    }
}

/// One message's identity, from which both rendered ids come.
#[derive(Debug, Clone, Copy)]
pub struct MessageId {
    pub number: u64,
    pub uuid: Uuid,
}

/// Hands out numbers unique per server.
#[derive(Debug)]
pub struct IdGenerator {
    next: u64,
    uses_uuid: bool,
}

impl IdGenerator {
    pub fn new(first: u64, formats: [IdFormat; 2]) -> IdGenerator {
        IdGenerator { next: first, uses_uuid: formats.contains(&IdFormat::Uuid) }
    }

    pub fn next_id(&mut self) -> MessageId {
        let number = self.next;
        self.next = self.next.wrapping_add(1);
        // Random UUIDs cost a little; a benchmark with numeric ids should not pay for them.
        let uuid = if self.uses_uuid { Uuid::new_v4() } else { Uuid::nil() };
        MessageId { number, uuid }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_number_in_every_format() {
        let id = MessageId { number: 0x1A2F3, uuid: Uuid::nil() };
        assert_eq!(IdFormat::Hex.render(&id), "0001A2F3");
        assert_eq!(IdFormat::Decimal.render(&id), "107251");
        assert_eq!(IdFormat::DecimalLeadingZeros(10).render(&id), "0000107251");
        assert_eq!(IdFormat::DecimalLeadingZeros(2).render(&id), "107251");
        assert_eq!(IdFormat::Uuid.render(&id), "00000000-0000-0000-0000-000000000000");
    }

    #[test]
    fn ids_are_unique() {
        let mut ids = IdGenerator::new(7, [IdFormat::Uuid, IdFormat::Hex]);
        let (first, second) = (ids.next_id(), ids.next_id());
        assert_eq!((first.number, second.number), (7, 8));
        assert_ne!(first.uuid, second.uuid);
    }
}
