//! Counting and cutting a body into parts. Counting and cutting share one packer so that the part
//! count billed and reported before sending is always the number of parts actually sent.

use super::{BodyInfo, Encoding, Part, gsm7, ucs2, udh};

/// A body's budget in its encoding's units (GSM septets, UTF-16 units).
pub(crate) struct Limits {
    /// Fits in one part with no header.
    pub(crate) single: usize,
    /// Fits in each part once the 6-byte concatenation header takes its share.
    pub(crate) per_part: usize,
    /// The longest body the service accepts: ten parts' worth.
    pub(crate) max: usize,
}

pub(crate) fn limits(encoding: Encoding) -> Limits {
    match encoding {
        Encoding::Gsm7 => Limits { single: 160, per_part: 153, max: 1530 },
        Encoding::Ucs2 => Limits { single: 70, per_part: 67, max: 630 },
    }
}

/// A concatenation header numbers parts with one byte.
const MAX_PARTS: usize = u8::MAX as usize;

/// One character as it goes on the wire. A cell is never split across parts, which is what keeps
/// ESC with its extension septet, and a surrogate pair, together.
struct Cell {
    bytes: [u8; 4],
    len: usize,
    units: usize,
}

impl Cell {
    fn new(encoding: Encoding, c: char) -> Cell {
        match encoding {
            Encoding::Gsm7 => {
                // The body was classified GSM only because every character has septets; '?' stands
                // in should a caller ever pair a body with the wrong encoding.
                let septets = gsm7::encode_char(c).unwrap_or(gsm7::Septets::Basic(b'?'));
                let ([first, second], len) = septets.bytes();
                Cell { bytes: [first, second, 0, 0], len, units: len }
            }
            Encoding::Ucs2 => {
                let (bytes, len) = ucs2::encode_char(c);
                Cell { bytes, len, units: len / 2 }
            }
        }
    }

    fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

fn cells(encoding: Encoding, body: &str) -> impl Iterator<Item = Cell> + '_ {
    body.chars().map(move |c| Cell::new(encoding, c))
}

/// Fills parts greedily, starting a new one when the next cell would overflow the current one.
struct Packer {
    capacity: usize,
    used: usize,
}

impl Packer {
    fn new(capacity: usize) -> Packer {
        Packer { capacity, used: 0 }
    }

    /// Takes a cell of `units`; true when it has to open a new part. An empty part always takes
    /// the cell, so even a cell wider than the capacity cannot stall the packing.
    fn starts_new_part(&mut self, units: usize) -> bool {
        let new_part = self.used > 0 && self.used + units > self.capacity;
        if new_part {
            self.used = 0;
        }
        self.used += units;
        new_part
    }
}

pub(crate) fn analyse(body: &str) -> BodyInfo {
    let encoding = if body.chars().all(gsm7::is_gsm) { Encoding::Gsm7 } else { Encoding::Ucs2 };
    let limits = limits(encoding);
    let units = cells(encoding, body).map(|cell| cell.units).sum();
    let parts = if units <= limits.single {
        1
    } else {
        let mut packer = Packer::new(limits.per_part);
        1 + cells(encoding, body).filter(|cell| packer.starts_new_part(cell.units)).count()
    };
    BodyInfo { encoding, units, parts }
}

pub(crate) fn split(body: &str, reference: u8) -> Vec<Part> {
    let info = analyse(body);
    let data_coding = info.encoding.data_coding();
    if info.parts == 1 {
        let mut short_message = Vec::with_capacity(2 * info.units);
        for cell in cells(info.encoding, body) {
            short_message.extend_from_slice(cell.bytes());
        }
        return vec![Part { index: 1, total: 1, data_coding, udhi: false, short_message }];
    }

    let limits = limits(info.encoding);
    let mut packer = Packer::new(limits.per_part);
    let mut texts: Vec<Vec<u8>> = Vec::with_capacity(info.parts.min(MAX_PARTS));
    let mut current = Vec::new();
    for cell in cells(info.encoding, body) {
        if packer.starts_new_part(cell.units) {
            texts.push(std::mem::take(&mut current));
        }
        current.extend_from_slice(cell.bytes());
    }
    texts.push(current);
    // Beyond 255 parts there is no way to number them; callers reject such bodies with
    // `check_length` long before, so cutting here only keeps `split` total.
    texts.truncate(MAX_PARTS);

    let total = u8::try_from(texts.len()).unwrap_or(u8::MAX);
    (1..=total)
        .zip(texts)
        .map(|(index, text)| {
            let mut short_message = Vec::with_capacity(6 + text.len());
            short_message.extend_from_slice(&udh::concatenation(reference, total, index));
            short_message.extend_from_slice(&text);
            Part { index, total, data_coding, udhi: true, short_message }
        })
        .collect()
}
