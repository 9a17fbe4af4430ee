//! Small readers shared by the thread, ThreadLocal, class-loader and waste analyses: id
//! formatting, class-hierarchy tests, fast reference-field lookup, primitive field values, and
//! "strong" reachability (GC roots without `Reference.referent` edges).

use crate::graph::{HeapGraph, Node, NO_CLASS};
use crate::hprof::Value;

/// `0x…` form of an object id, as every JSON result writes ids.
pub(crate) fn id_str(g: &HeapGraph, node: Node) -> String {
    format!("0x{:x}", g.id(node))
}

/// Per class index: whether the class is `base` or one of its subclasses (by name).
pub(crate) fn subclasses_of(g: &HeapGraph, base: &str) -> Vec<bool> {
    subclasses_of_any(g, &[base])
}

/// Per class index: whether the class is one of `bases` or a subclass of one.
pub(crate) fn subclasses_of_any(g: &HeapGraph, bases: &[&str]) -> Vec<bool> {
    (0..g.classes.len())
        .map(|c| ancestor_in(g, c as u32, bases).is_some())
        .collect()
}

/// The first class (the class itself, then its superclasses) whose name is in `names`.
pub(crate) fn ancestor_in<'a>(g: &HeapGraph, mut c: u32, names: &[&'a str]) -> Option<&'a str> {
    let mut depth = 0;
    while c != NO_CLASS && depth < 64 {
        let name = g.classes[c as usize].name.as_str();
        if let Some(n) = names.iter().find(|n| **n == name) {
            return Some(n);
        }
        c = g.classes[c as usize].super_class;
        depth += 1;
    }
    None
}

/// Target of the reference field `name` of an instance (see [`HeapGraph::ref_field`]).
pub(crate) fn field_ref(g: &HeapGraph, node: Node, name: &str) -> Option<Node> {
    g.ref_field(node, name)
}

/// An integral field (int, long, short, byte, char) of a kept instance.
pub(crate) fn int_field(g: &HeapGraph, node: Node, name: &str) -> Option<i64> {
    match g.field_value(node, name)? {
        Value::Int(v) => Some(v as i64),
        Value::Long(v) => Some(v),
        Value::Short(v) => Some(v as i64),
        Value::Byte(v) => Some(v as i64),
        Value::Char(v) => Some(v as i64),
        _ => None,
    }
}

/// A boolean field of a kept instance.
pub(crate) fn bool_field(g: &HeapGraph, node: Node, name: &str) -> Option<bool> {
    match g.field_value(node, name)? {
        Value::Boolean(b) => Some(b),
        Value::Byte(b) => Some(b != 0),
        _ => None,
    }
}

/// Non-null elements of an object array (edges; dangling ids are not edges).
pub(crate) fn non_null_elements(g: &HeapGraph, array: Node) -> u64 {
    g.edges(array).count() as u64
}

/// Per class index: the edge index of `Reference.referent` for `java.lang.ref.Reference` and
/// its subclasses (`None` for every other class).
pub(crate) fn referent_index(g: &HeapGraph) -> Vec<Option<u32>> {
    let is_ref = subclasses_of(g, "java.lang.ref.Reference");
    g.classes
        .iter()
        .enumerate()
        .map(|(c, _)| {
            if !is_ref[c] {
                return None;
            }
            g.field_slot(c as u32, "referent")
                .filter(|f| f.ref_index != u32::MAX)
                .map(|f| f.ref_index)
        })
        .collect()
}

/// Explicit edges of a node (after a thread's stack locals) with their exact field / element
/// / class-link index (see [`HeapGraph::indexed_edges`], the one slot decoder).
pub(crate) fn indexed_edges(g: &HeapGraph, node: Node) -> impl Iterator<Item = (Node, u64)> + '_ {
    g.indexed_edges(node).map(|(t, i)| (t, i as u64))
}

/// Calls `f` for every successor of `v` except `Reference.referent` edges (`referent` from
/// [`referent_index`]). The class edge is not included.
pub(crate) fn for_each_strong_edge(
    g: &HeapGraph,
    referent: &[Option<u32>],
    v: Node,
    mut f: impl FnMut(Node),
) {
    // Class objects have class `java.lang.Class`, never a Reference subclass; Reference
    // objects are never threads, so all their edges are fields.
    match referent[g.class_index(v) as usize] {
        None => g.edges(v).for_each(|(t, _)| f(t)),
        Some(want) => indexed_edges(g, v)
            .filter(|&(_, i)| i != want as u64)
            .for_each(|(t, _)| f(t)),
    }
}

/// Objects reachable from the GC roots without following `Reference.referent` (the
/// weak/soft/phantom/final referent of every `java.lang.ref.Reference` subclass): a bitset
/// indexed by node. An object outside it is at most weakly (softly…) reachable.
pub(crate) struct StrongReach {
    bits: Vec<u64>,
}

impl StrongReach {
    pub(crate) fn compute(g: &HeapGraph) -> StrongReach {
        let referent = referent_index(g);
        let mut bits = vec![0u64; g.node_count().div_ceil(64)];
        let mut stack: Vec<Node> = Vec::new();
        fn mark(bits: &mut [u64], stack: &mut Vec<Node>, v: Node) {
            let (w, b) = (v.index() / 64, v.get() % 64);
            if bits[w] & (1 << b) == 0 {
                bits[w] |= 1 << b;
                stack.push(v);
            }
        }
        for &r in g.root_nodes() {
            mark(&mut bits, &mut stack, r);
        }
        while let Some(v) = stack.pop() {
            if let Some(c) = g.class_node(v) {
                mark(&mut bits, &mut stack, c);
            }
            for_each_strong_edge(g, &referent, v, |t| mark(&mut bits, &mut stack, t));
        }
        StrongReach { bits }
    }

    pub(crate) fn contains(&self, v: Node) -> bool {
        self.bits
            .get(v.index() / 64)
            .is_some_and(|w| w & (1 << (v.get() % 64)) != 0)
    }
}

/// The text of a `String` instance; a preview cut at [`crate::graph::STRING_PREVIEW_CHARS`]
/// characters ends with `…`.
pub(crate) fn string_text(g: &HeapGraph, string: Node) -> Option<String> {
    let s = g.string_value(string)?;
    let chars = g.string_len(string).unwrap_or(0);
    // The preview holds whole chars: fewer UTF-16 units than the text means it was cut.
    if chars > s.encode_utf16().count() as u64 {
        Some(format!("{s}…"))
    } else {
        Some(s.to_string())
    }
}

/// Bytes in a human unit (`256.1 KiB`), for explanations.
pub(crate) fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    if b < 1024 {
        return format!("{b} B");
    }
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn human() {
        assert_eq!(human_bytes(10), "10 B");
        assert_eq!(human_bytes(262_144), "256.0 KiB");
        assert_eq!(human_bytes(4_195_968), "4.0 MiB");
    }
}
