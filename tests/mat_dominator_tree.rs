//! Eclipse MAT's `DominatorTreeTest` (plugins/org.eclipse.mat.tests): the object `R` of
//! `CreateSampleDump$DominatorTestData` immediately dominates 8 objects (A, B, C, D, E, H, I,
//! K) and retains 13; C dominates F and G, D dominates L, G dominates J; R retains 224 bytes on
//! MAT's 32-bit JDK 6 dump (`testDomTreeSunJdk6_32`), 376 on its JDK 5 64-bit dump.
//!
//! Of MAT's dumps in `tests/fixtures/outside/mat/`, only `oracle_jdk7_21_hprofagent` was
//! written by `CreateSampleDump` (the test's own dumps are not among them). The hprof agent
//! writes 4-byte ids, so MAT's size rule on it is the 32-bit one of `testDomTreeSunJdk6_32`
//! (pointer and reference 4, header 8, alignment 8), over the same 13 objects of the same
//! classes: MAT's expected 224 bytes, asserted here in MAT's size mode (`SizeMode::Mat`,
//! `--sizes mat`) with the whole tree under R.

mod common;

use heaplens::graph::*;
use std::collections::{BTreeMap, BTreeSet};

/// The last two characters of a class name: `$R`, `$A`, … as MAT's test names them.
fn tag(g: &HeapGraph, v: Node) -> String {
    let n = &g.class(v).name;
    n[n.len().saturating_sub(2)..].to_string()
}

fn check(sizes: SizeMode) -> u64 {
    let bytes = common::read_fixture("outside/mat/oracle_jdk7_21_hprofagent.hprof.gz");
    let g = build_from_bytes_with(&bytes, BuildOptions { sizes }).unwrap();
    let d = Dominance::compute(&g);
    let r_class = g
        .classes
        .iter()
        .position(|c| c.name == "org.eclipse.mat.tests.CreateSampleDump$DominatorTestData$R")
        .expect("class R") as u32;
    let r = g
        .nodes()
        .find(|&v| g.as_class(v).is_none() && g.class_index(v) == r_class)
        .expect("an R");

    let children: BTreeSet<String> = d.children(r).iter().map(|&c| tag(&g, c)).collect();
    let want: BTreeSet<String> = ["$A", "$B", "$C", "$D", "$E", "$H", "$I", "$K"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(children, want, "R's immediately dominated objects");
    assert_eq!(d.children(r).len(), 8);
    assert_eq!(d.retained_count(r), 13, "R retains 13 objects");

    // The whole subtree under R, child → parent, as MAT's test states it.
    let mut parent_of: BTreeMap<String, String> = BTreeMap::new();
    let mut stack = vec![r];
    while let Some(v) = stack.pop() {
        for &c in d.children(v) {
            parent_of.insert(tag(&g, c), tag(&g, v));
            stack.push(c);
        }
    }
    let expected: BTreeMap<String, String> = [
        ("$A", "$R"),
        ("$B", "$R"),
        ("$C", "$R"),
        ("$D", "$R"),
        ("$E", "$R"),
        ("$H", "$R"),
        ("$I", "$R"),
        ("$K", "$R"),
        ("$F", "$C"),
        ("$G", "$C"),
        ("$L", "$D"),
        ("$J", "$G"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(parent_of, expected);
    // The dump's ids are 4 bytes and not addresses: both modes use MAT's rule with 4-byte
    // pointers and references, 8-byte headers, 8-byte alignment (MAT's 32-bit rule).
    assert_eq!(g.sizes.mode, SizeMode::Mat);
    assert_eq!((g.sizes.pointer, g.sizes.reference), (4, 4));
    assert_eq!((g.sizes.instance_header, g.sizes.alignment), (8, 8));
    d.retained(r)
}

#[test]
fn mats_dominator_tree_test_in_mat_size_mode() {
    assert_eq!(
        check(SizeMode::Mat),
        224,
        "MAT's expected retained size of R"
    );
}

#[test]
fn jvm_size_mode_falls_back_to_mats_rule_on_an_agent_dump() {
    // Agent ids are not addresses: no gaps to read sizes from, so MAT's rule, and 224 again.
    assert_eq!(check(SizeMode::Jvm), 224);
}
