//! Issue 11's "done when" on every dump written outside this project (Eclipse MAT's test dumps
//! from JDK 6, 7 (hprof agent), 8 and 11; OpenJDK 8's jhat test dump; NetBeans' profiler test
//! dump; copies of `/work/shared/real-dumps/` in `tests/fixtures/outside/`): no false warning
//! (only the agent file's "2 heap dumps"), no object stream that "changed" between the passes,
//! no repeated ids or short instances, and every live thread named by its real name (JDK ≤ 8
//! `char[]` names included) — none `<unnamed>`.

mod common;

use heaplens::analysis::patterns::live_threads;
use heaplens::analysis::summarize;
use heaplens::analysis::thread_name;
use heaplens::graph::*;

/// (dump, live threads, the summary's warnings)
const DUMPS: &[(&str, usize, &[&str])] = &[
    ("outside/mat/sun_jdk6_18_x32.hprof.gz", 13, &[]),
    (
        "outside/mat/oracle_jdk7_21_hprofagent.hprof.gz",
        6,
        &["the file holds 2 heap dumps; dump 1 is shown (choose another with `heaplens analyze --dump N`)"],
    ),
    ("outside/mat/oracle_jdk8_05_x64.hprof.gz", 5, &[]),
    ("outside/mat/openjdk_jdk11_04_x64.hprof.gz", 6, &[]),
    ("outside/jdk8-jhat-32bit.hprof.gz", 7, &[]),
    ("outside/netbeans-64bit.hprof.gz", 9, &[]),
];

#[test]
fn no_false_warning_and_every_thread_named() {
    for &(dump, threads, warnings) in DUMPS {
        let g = build_from_bytes(&common::read_fixture(dump)).unwrap();
        let d = Dominance::compute(&g);
        let s = summarize(&g, &d);
        assert_eq!(s.warnings, warnings, "{dump}");
        assert!(!g.stats.input_changed, "{dump}");
        assert_eq!(g.stats.duplicate_ids, 0, "{dump}");
        assert_eq!(g.stats.malformed_instances, 0, "{dump}");
        let live = live_threads(&g, &d);
        assert_eq!(live.len(), threads, "{dump}");
        let names: Vec<String> = live
            .iter()
            .map(|&t| thread_name(&g, t).unwrap_or_else(|| "<unnamed>".into()))
            .collect();
        for n in &names {
            assert!(!n.is_empty() && n != "<unnamed>", "{dump}: {names:?}");
        }
        for want in [
            "main",
            "Reference Handler",
            "Finalizer",
            "Signal Dispatcher",
        ] {
            assert!(
                names.iter().any(|n| n == want),
                "{dump}: {want} in {names:?}"
            );
        }
    }
}
