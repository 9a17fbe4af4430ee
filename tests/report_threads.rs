//! The report's analyses two at a time (`ReportOptions::threads`, the CLI's `--threads 2`) and
//! with the paths' index built beforehand (`report::build_report_with_index`: the CLI builds
//! it beside the dominator tree): on every real-JVM dump of the repository the report is
//! byte-for-byte the one-thread report, and the steps are named the same. The dominator tree
//! computed on two threads (`Dominance::compute_in`) is the one-thread tree too.

mod common;
use heaplens::analysis::{PathIndex, PathOptions};
use heaplens::graph::{build_from_bytes, Dominance};
use heaplens::report::{build_report_with_index, to_json, ReportOptions};

#[test]
fn same_report_on_two_threads_and_with_the_index_given() {
    let names = common::real_dump_names();
    assert!(names.len() >= 6, "the incident dumps: {names:?}");
    for rel in names {
        let g =
            build_from_bytes(&common::read_fixture(&rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let d = Dominance::compute(&g);
        let d2 = Dominance::compute_in(&g, 2, &mut |_| {});
        assert_eq!(d2.idom, d.idom, "{rel}");
        for v in (0..=g.node_count() as u32).map(heaplens::graph::Node::new) {
            assert_eq!(d2.retained(v), d.retained(v), "{rel}: node {v:?}");
            assert_eq!(d2.children(v), d.children(v), "{rel}: node {v:?}");
        }
        let run = |threads: usize, index: Option<&PathIndex>| {
            let opts = ReportOptions {
                threads,
                ..ReportOptions::default()
            };
            let mut steps = Vec::new();
            let r = build_report_with_index(&g, &d, index, &opts, &mut |s| steps.push(s));
            (to_json(&r), steps)
        };
        let (one, steps_one) = run(1, None);
        let index = PathIndex::new(&g, PathOptions::default());
        for (threads, index) in [(2, None), (1, Some(&index)), (2, Some(&index))] {
            let (json, steps) = run(threads, index);
            assert!(
                json == one,
                "{rel}: threads {threads}, index given {}: the report differs",
                index.is_some()
            );
            assert_eq!(steps, steps_one, "{rel}");
        }
        assert!(one.contains("\"suspects\""), "{rel}");
    }
}
