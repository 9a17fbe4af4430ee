//! The class histogram's walk counts the retained objects of every big node (at or above the
//! comparison's key floor) so that a digest need not walk the dominator tree again
//! (`Histogram::big_counts`). On dumps written by real JVMs: exactly the big nodes are counted,
//! each count is the size of the node's dominator subtree, and the digest's keyed objects carry
//! those counts.

mod common;

use heaplens::analysis::histogram;
use heaplens::compare::{digest, key_floor};
use heaplens::graph::{build_from_bytes, Dominance, Node};
use heaplens::hprof::Id;

#[test]
fn big_counts_are_the_dominator_subtrees_of_the_big_nodes() {
    for name in ["growth_new", "queue_backlog", "classloader_leak"] {
        let g = build_from_bytes(&common::read_fixture(&format!("{name}.hprof.gz")))
            .expect("fixture parses");
        let d = Dominance::compute(&g);
        let h = histogram(&g, &d);
        let floor = key_floor(&d);
        let big: Vec<Node> = g
            .nodes()
            .filter(|&v| d.is_reachable(v) && d.retained(v) >= floor)
            .collect();
        let counted: Vec<Node> = h.big_counts.iter().map(|&(v, _)| v).collect();
        assert_eq!(counted, big, "{name}: the big nodes, sorted");
        assert!(big.len() > 20, "{name}: {} big nodes", big.len());
        let tree = d.child_index();
        for &(v, count) in &h.big_counts {
            assert_eq!(count, tree.retained_count(v), "{name}: node {v}");
        }
        // The super-root's biggest child retains most of the heap: its count is not small.
        let top = d.children(g.super_root())[0];
        let top_count = h
            .big_counts
            .iter()
            .find(|&&(v, _)| v == top)
            .map(|&(_, c)| c);
        assert!(top_count.unwrap() > 1_000, "{name}: {top_count:?}");

        // The digest's keyed objects of one instance retain what their node's subtree holds.
        let dg = digest(&g, &d, None);
        let mut checked = 0;
        for k in dg.keyed.iter().filter(|k| k.count == 1) {
            let id = u64::from_str_radix(k.object_id.trim_start_matches("0x"), 16).unwrap();
            let v = g.node_of(Id::new(id)).expect("keyed object in the dump");
            assert_eq!(k.objects, tree.retained_count(v), "{name}: {}", k.path);
            checked += 1;
        }
        assert!(checked > 10, "{name}: {checked} single keyed objects");
    }
}
