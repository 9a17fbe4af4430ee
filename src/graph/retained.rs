//! Dominator tree over the reachable graph and retained sizes (MAT semantics: the virtual
//! super-root's successors are the GC roots; `Reference.referent` is an ordinary edge here).

use super::dominators::{compute, retained_sizes, NO_NODE};
use super::{HeapGraph, Node};

/// Dominator tree, retained sizes and the dominator-tree children of every reachable node.
pub struct Dominance {
    /// Immediate dominator; `NO_NODE` for unreachable objects; the super-root's is itself.
    pub idom: Vec<u32>,
    /// Retained bytes (0 for unreachable objects).
    pub retained: Vec<u64>,
    /// Retained object count (the node itself included).
    pub retained_count: Vec<u32>,
    /// Dominator-tree children as CSR, each list sorted by retained size, largest first.
    child_offsets: Vec<u32>,
    children: Vec<u32>,
    /// Reachable objects (super-root excluded).
    pub reachable: usize,
}

impl Dominance {
    pub fn compute(g: &HeapGraph) -> Dominance {
        let root = g.super_root();
        let tree = compute(g, root);
        let (retained, retained_count) = retained_sizes(&tree, |v| g.shallow(v));
        let reachable = tree.reachable_count().saturating_sub(1);
        let (child_offsets, mut children) = tree.children_csr();
        let idom = tree.idom;
        for w in child_offsets.windows(2) {
            children[w[0] as usize..w[1] as usize].sort_unstable_by(|&a, &b| {
                retained[b as usize].cmp(&retained[a as usize]).then(a.cmp(&b))
            });
        }
        Dominance { idom, retained, retained_count, child_offsets, children, reachable }
    }

    pub fn super_root(&self) -> Node {
        (self.idom.len() - 1) as Node
    }
    pub fn is_reachable(&self, v: Node) -> bool {
        self.idom.get(v as usize).is_some_and(|&d| d != NO_NODE)
    }
    /// Immediate dominator (`None` for the super-root and unreachable objects).
    pub fn idom(&self, v: Node) -> Option<Node> {
        match self.idom.get(v as usize) {
            Some(&d) if d != NO_NODE && d != v => Some(d),
            _ => None,
        }
    }
    /// Dominator-tree children, largest retained first.
    pub fn children(&self, v: Node) -> &[Node] {
        let v = v as usize;
        if v + 1 >= self.child_offsets.len() {
            return &[];
        }
        &self.children[self.child_offsets[v] as usize..self.child_offsets[v + 1] as usize]
    }
    /// Total retained heap of the reachable graph.
    pub fn reachable_bytes(&self) -> u64 {
        self.retained[self.super_root() as usize]
    }
    /// Whether `d` dominates `v` (reflexive).
    pub fn dominates(&self, d: Node, mut v: Node) -> bool {
        loop {
            if v == d {
                return true;
            }
            match self.idom(v) {
                Some(p) => v = p,
                None => return false,
            }
        }
    }
    pub fn heap_bytes(&self) -> usize {
        self.idom.capacity() * 4
            + self.retained.capacity() * 8
            + self.retained_count.capacity() * 4
            + self.child_offsets.capacity() * 4
            + self.children.capacity() * 4
    }
}
