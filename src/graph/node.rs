//! [`Node`]: a dense node index of the heap graph, as a type of its own.
//!
//! Not a `u32` alias, so that a node index cannot be passed where an object id
//! ([`crate::hprof::Id`]), a class index or a count is expected. Zero-cost: `repr(transparent)`,
//! and serde writes it as the plain number, so every JSON, wire and snapshot format is
//! unchanged. Bulk columns (CSR arrays, dominator working arrays, the preorder) keep raw `u32`s
//! for memory and speed; [`Node::new`], [`Node::get`] and [`Node::index`] cross that border.

use serde::{Deserialize, Serialize};

/// A node index: dense, `0..node_count()` for objects, `node_count()` for the super-root.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
#[repr(transparent)]
pub struct Node(u32);

impl Node {
    /// "No node" (an unreachable object's dominator, an id not in the dump).
    pub(crate) const NONE: Node = Node(u32::MAX);

    /// The node at raw index `raw` (as stored in a column).
    #[inline(always)]
    pub const fn new(raw: u32) -> Node {
        Node(raw)
    }

    /// The raw index, as columns store it.
    #[inline(always)]
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The index into a per-node column.
    #[inline(always)]
    pub(crate) const fn index(self) -> usize {
        self.0 as usize
    }
}

/// `Node(42)`: a test failure says which kind of number it is.
impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Node({})", self.0)
    }
}

/// The plain number (labels such as `#42`).
impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_is_a_plain_number_on_the_wire() {
        assert_eq!(std::mem::size_of::<Node>(), 4);
        assert_eq!(serde_json::to_string(&Node::new(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<Node>("7").unwrap(), Node::new(7));
        assert_eq!(format!("{:?}", Node::new(7)), "Node(7)");
        assert_eq!(Node::new(7).index(), 7);
        assert_eq!(Node::NONE.get(), u32::MAX);
    }
}
