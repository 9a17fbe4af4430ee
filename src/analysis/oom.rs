//! The out-of-memory finding: a file whose objects are largely unreachable.
//!
//! Unreachable objects are left out of the dominator tree, so no retained size and no
//! threshold suspect can show them. A JVM collects garbage before it throws OutOfMemoryError,
//! so what a dump written then (`-XX:+HeapDumpOnOutOfMemoryError`) still holds unreachable is
//! mostly what only the VM itself referenced while the failing allocation ran: typically a
//! giant array just allocated, or being copied, when memory ran out. In a dump taken without a
//! full GC (`jmap -dump` without `live`) they are ordinary garbage. Either way, when they are a
//! large share of the file, the suspects page says so and names the biggest.

use super::histogram::ClassTotals;
use super::paths::hex;
use super::patterns::*;
use super::suspects::{AccumulatedRow, SizedRef, Suspect, SuspectKind};
use crate::graph::{Dominance, HeapGraph, Node};

/// Share of the file's bytes that unreachable objects must reach (with [`MIN_SUSPECT_BYTES`]).
pub(crate) const UNREACHABLE_SHARE: f64 = 0.10;

/// The unreachable-objects finding, if they are ≥ [`UNREACHABLE_SHARE`] of the file's shallow
/// bytes and ≥ [`MIN_SUSPECT_BYTES`]. `retained` is their shallow total and `retained_pct`
/// their share of all objects in the file (not of the reachable heap).
pub(crate) fn unreachable_finding(
    g: &HeapGraph,
    d: &Dominance,
    totals: &ClassTotals,
) -> Option<Suspect> {
    let (all, bytes) = totals.shallow_sums();
    let count: u64 = totals.unreachable().iter().map(|c| c.0).sum();
    if count == 0 || bytes < MIN_SUSPECT_BYTES || (bytes as f64) < UNREACHABLE_SHARE * all as f64 {
        return None;
    }
    // The biggest unreachable object (the first of that size, in node order).
    let mut biggest: Option<(Node, u64)> = None;
    for v in g.nodes().filter(|&v| !d.is_reachable(v)) {
        let s = g.shallow(v);
        if biggest.is_none_or(|(_, b)| s > b) {
            biggest = Some((v, s));
        }
    }
    let (big, big_bytes) = biggest?;
    let share = pct(bytes, all);
    let class = g.display_class(big);
    let what = if g.class(big).is_array() && g.as_class(big).is_none() {
        format!(
            "{}[{}]",
            class.trim_end_matches("[]"),
            fmt_count(g.array_len(big) as u64)
        )
    } else {
        class.clone()
    };
    let big_share = pct(big_bytes, bytes);
    let explanation = format!(
        "{leak}: {} of the {} of objects in this file ({share:.1}%, {} objects) are \
         unreachable: no GC root leads to them, so they are in no retained size and behind no \
         other suspect. The biggest is {what} of {} at {} ({big_share:.1}% of them). A JVM \
         collects garbage before it throws OutOfMemoryError, so in a dump written then \
         (-XX:+HeapDumpOnOutOfMemoryError) a giant unreachable array is typically the one the \
         failing allocation had just made or was copying: look for code that allocates arrays of \
         about this size (the stack of the thread that threw the error is in the application's \
         log). In a dump taken without a full GC (jmap -dump without live) they are ordinary \
         garbage.",
        fmt_size(bytes),
        fmt_size(all),
        fmt_count(count),
        fmt_bytes(big_bytes),
        hex(g.id(big)),
        leak = LeakPattern::UnreachableObjects
    );
    let mut rows: Vec<(usize, (u64, u64))> = totals
        .unreachable()
        .iter()
        .copied()
        .enumerate()
        .filter(|e| e.1 .0 > 0)
        .collect();
    rows.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(&b.0)));
    rows.truncate(10);
    let obj = SizedRef {
        object_id: hex(g.id(big)),
        class: class.clone(),
        retained: big_bytes,
    };
    Some(Suspect {
        kind: SuspectKind::Unreachable,
        class,
        object_id: hex(g.id(big)),
        instances: count,
        retained: bytes,
        retained_pct: share,
        dominator: obj.clone(),
        accumulation_point: Some(obj),
        holder: None,
        path_to_root: Vec::new(),
        root_kind: None,
        root_detail: String::new(),
        accumulated: rows
            .into_iter()
            .map(|(c, (n, b))| AccumulatedRow {
                class: g.classes[c].name.clone(),
                count: n,
                bytes: b,
            })
            .collect(),
        pattern: LeakPattern::UnreachableObjects,
        explanation,
        collection: None,
        threads: None,
    })
}
