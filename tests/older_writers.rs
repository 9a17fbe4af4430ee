//! Dumps from older writers (issue 11 items 2 and 3): the JDK ≤ 8 `-agentlib:hprof` agent and
//! jhat name array classes in source form (`java.lang.Object[]`), and the agent appends one heap
//! dump per request to the same file.
//!
//! Expected values: Eclipse MAT opens dump `#1` of `oracle_jdk7_21_hprofagent` with 3,286
//! reachable objects (its count includes the one pseudo object MAT adds at address 0, see
//! /work/shared/hprof-and-mat-notes.md), and its `MultipleSnapshots` test says the file holds
//! two dumps (`#1`, `#2`) of different object counts.

mod common;
use common::*;
use heaplens::analysis::summarize;
use heaplens::graph::{ClassKind, Dominance, GraphBuilder, HeapGraph, PassOutcome};
use heaplens::hprof::ErrorKind;

fn build(rel: &str, dump: Option<u32>) -> Result<HeapGraph, heaplens::hprof::ParseError> {
    let bytes = read_fixture(rel);
    let mut b = GraphBuilder::new();
    if let Some(n) = dump {
        b = b.with_dump(n);
    }
    loop {
        b.feed(&bytes)?;
        if b.end_pass()? == PassOutcome::Done {
            return Ok(b.into_graph().unwrap());
        }
    }
}

const AGENT: &str = "outside/mat/oracle_jdk7_21_hprofagent.hprof.gz";

#[test]
fn hprof_agent_dump_one_matches_mat() {
    let g = build(AGENT, None).unwrap();
    let d = Dominance::compute(&g);
    let s = summarize(&g, &d);
    assert_eq!(g.stats.heap_dumps, 2);
    assert_eq!(g.stats.dump_shown, 1);
    // MAT: 3,286 with its pseudo object.
    assert_eq!(s.objects_reachable + 1, 3286);
    assert!(!g.stats.input_changed);
    assert_eq!(g.stats.duplicate_ids, 0);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("holds 2 heap dumps; dump 1 is shown")),
        "{:?}",
        s.warnings
    );
    assert!(!s.warnings.iter().any(|w| w.contains("changed")));
}

#[test]
fn hprof_agent_dumps_differ_and_only_two_exist() {
    let one = build(AGENT, Some(1)).unwrap();
    let two = build(AGENT, Some(2)).unwrap();
    assert_eq!(two.stats.dump_shown, 2);
    assert_ne!(
        one.node_count(),
        two.node_count(),
        "MAT's MultipleSnapshots"
    );
    assert!(!two.stats.input_changed);
    assert_eq!(two.stats.duplicate_ids, 0);
    let err = build(AGENT, Some(3)).err().expect("no dump 3");
    assert_eq!(
        err.kind,
        ErrorKind::NoSuchDump {
            wanted: 3,
            dumps: 2
        }
    );
}

/// Array classes named in source form are arrays: their elements are edges and they are sized
/// as arrays (header + length + elements), and the object-array records never disagree with
/// their class (the old false "dump changed between passes").
#[test]
fn source_form_array_classes_are_arrays() {
    for rel in [AGENT, "outside/jdk8-jhat-32bit.hprof.gz"] {
        let g = build(rel, None).unwrap();
        assert!(!g.stats.input_changed, "{rel}");
        let arrays: Vec<_> = g
            .classes
            .iter()
            .filter(|c| c.name.ends_with("[]"))
            .collect();
        assert!(!arrays.is_empty(), "{rel}");
        for c in arrays {
            assert_ne!(c.kind, ClassKind::Instance, "{rel}: {}", c.name);
        }
        let obj = g
            .classes
            .iter()
            .position(|c| c.name == "java.lang.Object[]")
            .expect("java.lang.Object[]") as u32;
        let with_elements = g
            .nodes()
            .filter(|&v| g.class_index(v) == obj && g.as_class(v).is_none())
            .filter(|&v| g.array_len(v) > 0)
            .inspect(|&v| {
                assert_eq!(
                    g.shallow(v),
                    g.sizes.object_array(g.array_len(v)),
                    "{rel}: sized as an array"
                )
            })
            .count();
        assert!(with_elements > 0, "{rel}");
    }
}
