//! Find an object by address (MAT's "Find Object by Address"): `0x…` (or bare hex) to the
//! object that starts there, with its class, sizes and GC-root kinds. An address inside an
//! object (from a native crash log, a pointer into an array) names the object it lies in.

use super::selection::parse_address;
use super::ObjectLink;
use crate::graph::{Dominance, HeapGraph, Node};
use crate::hprof::Id;
use serde::Serialize;

/// The object found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundObject {
    #[serde(flatten)]
    pub object: ObjectLink,
    /// The address asked for, when it lies inside the object rather than at its start.
    pub inside_at: Option<String>,
    pub shallow: u64,
    /// 0 when unreachable.
    pub retained: u64,
    pub reachable: bool,
    /// Array length (arrays only).
    pub length: Option<u32>,
    /// MAT's root kinds when the object is a GC root (`Thread`, `System Class`…).
    pub gc_roots: Vec<String>,
}

/// Why no object was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FindError {
    /// Not a hexadecimal address.
    NotAnAddress { text: String },
    /// No object starts at, or spans, the address.
    NoObject { address: String },
}

impl std::fmt::Display for FindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FindError::NotAnAddress { text } => {
                write!(f, "{text:?} is not an address (0x followed by hex digits)")
            }
            FindError::NoObject { address } => write!(f, "the dump has no object at {address}"),
        }
    }
}

impl std::error::Error for FindError {}

/// The object at (or spanning) the address `text`.
pub fn find_object(
    g: &HeapGraph,
    d: Option<&Dominance>,
    text: &str,
) -> Result<FoundObject, FindError> {
    let t = text.trim();
    let addr = parse_address(t).ok_or_else(|| FindError::NotAnAddress {
        text: t.to_string(),
    })?;
    let (node, inside) = match g.node_of(Id::new(addr)) {
        Some(n) if addr != 0 => (n, false),
        _ => (
            containing(g, addr).ok_or(FindError::NoObject {
                address: format!("0x{addr:x}"),
            })?,
            true,
        ),
    };
    let mut gc_roots: Vec<String> = g
        .roots
        .iter()
        .filter(|r| r.node == node)
        .map(|r| r.kind.label().to_string())
        .collect();
    gc_roots.sort();
    gc_roots.dedup();
    let is_array = g.as_class(node).is_none() && g.class(node).is_array();
    Ok(FoundObject {
        object: ObjectLink::new(g, node),
        inside_at: inside.then(|| format!("0x{addr:x}")),
        shallow: g.shallow(node),
        retained: d.map_or(0, |d| d.retained(node)),
        reachable: d.is_none_or(|d| d.is_reachable(node)),
        length: is_array.then(|| g.array_len(node)),
        gc_roots,
    })
}

/// The object whose span `[id, id + shallow)` holds `addr` (ids are addresses in HotSpot
/// dumps; node order is id order).
fn containing(g: &HeapGraph, addr: u64) -> Option<Node> {
    let n = g.node_count();
    // Last node with id <= addr.
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if g.id(Node::new(mid as u32)).get() <= addr {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let v = Node::new(lo.checked_sub(1)? as u32);
    let start = g.id(v).get();
    (addr > start && addr - start < g.shallow(v).max(1)).then_some(v)
}
