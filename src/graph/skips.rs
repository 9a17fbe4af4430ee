//! Which primitive-array payloads pass 2 need not read (see [`crate::hprof::Skip`]).
//!
//! Pass 2 reads references, a few JDK classes' fields and the text of Strings (and of JDK ≤ 8
//! thread names); the contents of every other primitive array are bytes it steps over. Pass 1
//! notes where the large payloads lie ([`SkipCandidates::record`]); once it knows which arrays
//! are texts ([`SkipCandidates::resolve`]), the rest become the ranges a caller of
//! [`GraphBuilder`](super::GraphBuilder) may leave out of pass 2's input on an uncompressed
//! file (a seek natively, `Blob.slice` in the browser).
//!
//! Only payloads of at least [`MIN_SKIP`] bytes: each skip costs the browser one more read
//! request, which a small payload does not pay for; what the analyses read later from the dump
//! (fields, array contents shown in the inspector) is read again by offset, not kept here.

use super::dominators::NO_IDX;
use crate::hprof::{PrimitiveArray, Skip};

/// Smallest payload left out of pass 2's input. In a typical dump most primitive-array bytes
/// are in arrays far larger than this (buffers, caches, blobs), and reading 64 KiB costs the
/// browser about what one more `Blob.slice` request does.
pub(crate) const MIN_SKIP: u64 = 64 << 10;

/// Pass 1's record of the large payloads: (stream position, range), in file order.
#[derive(Default)]
pub(crate) struct SkipCandidates {
    found: Vec<(u32, Skip)>,
}

impl SkipCandidates {
    /// The primitive array at stream position `seq` (its header was `array`).
    pub(crate) fn record(&mut self, seq: usize, array: &PrimitiveArray, id_size: u8) {
        if array.no_data {
            return;
        }
        let len = array.length as u64 * array.elem.size(id_size) as u64;
        let Ok(seq) = u32::try_from(seq) else {
            return; // beyond the graph's numbering: pass 1 fails on the count anyway
        };
        if len >= MIN_SKIP {
            // Header: tag, id, stack serial, length, element type.
            let start = array.offset + 1 + id_size as u64 + 9;
            self.found.push((seq, Skip { start, len }));
        }
    }

    /// The ranges pass 2 may leave out: the payloads of arrays that are not texts
    /// (`is_text(node)`), wholly within the `parsed` bytes pass 1 read (a payload cut by the
    /// end of a truncated file is read as far as it goes, as without skips). None when pass 2
    /// looks for texts of its own (`late_texts`: it reads every array's contents then).
    pub(crate) fn resolve(
        self,
        seq_to_node: &[u32],
        is_text: impl Fn(u32) -> bool,
        late_texts: bool,
        parsed: u64,
    ) -> Vec<Skip> {
        if late_texts {
            return Vec::new();
        }
        self.found
            .into_iter()
            .filter(|(seq, s)| {
                let node = seq_to_node.get(*seq as usize).copied().unwrap_or(NO_IDX);
                s.end() <= parsed && (node == NO_IDX || !is_text(node))
            })
            .map(|(_, s)| s)
            .collect()
    }
}
