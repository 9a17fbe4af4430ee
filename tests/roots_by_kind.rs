//! GC roots by kind count distinct objects, as MAT does (an object named by several JNI Global
//! records is one JNI Global root), checked against the root records read by the parser alone.

mod common;

use heaplens::analysis::summarize;
use heaplens::graph::{build_from_bytes, Dominance};
use heaplens::hprof::*;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;

#[derive(Default)]
struct Roots {
    records: Vec<(&'static str, Id)>,
    objects: HashSet<Id>,
}

impl Visitor for Roots {
    fn gc_root(&mut self, r: &GcRoot) {
        self.records.push((r.kind.label(), r.object_id));
    }
    fn class_dump(&mut self, c: &ClassDump) {
        self.objects.insert(c.class_id);
    }
    fn instance(&mut self, i: &Instance<'_>) {
        self.objects.insert(i.id);
    }
    fn object_array(&mut self, a: &ObjectArray, first: u32, _: IdList<'_>) {
        if first == 0 {
            self.objects.insert(a.id);
        }
    }
    fn primitive_array(&mut self, a: &PrimitiveArray, _: Option<&[u8]>) {
        self.objects.insert(a.id);
    }
}

#[test]
fn roots_by_kind_count_distinct_objects() {
    for name in [
        "retry_buffer.hprof.gz",
        "thread_explosion.hprof.gz",
        "outside/mat/sun_jdk6_18_x32.hprof.gz",
        "outside/mat/oracle_jdk8_05_x64.hprof.gz",
        "outside/mat/openjdk_jdk11_04_x64.hprof.gz",
        "outside/netbeans-64bit.hprof.gz",
        "outside/jdk8-jhat-32bit.hprof.gz",
    ] {
        let gz = common::read_fixture(name);
        let mut raw = Vec::new();
        flate2::read::MultiGzDecoder::new(&gz[..])
            .read_to_end(&mut raw)
            .unwrap();
        let mut roots = Roots::default();
        parse_slice(&raw, &mut roots).unwrap();
        let mut distinct: BTreeMap<&str, HashSet<Id>> = BTreeMap::new();
        let mut records: BTreeMap<&str, u64> = BTreeMap::new();
        for &(kind, id) in &roots.records {
            if roots.objects.contains(&id) {
                distinct.entry(kind).or_default().insert(id);
                *records.entry(kind).or_insert(0) += 1;
            }
        }
        let g = build_from_bytes(&raw).unwrap();
        let s = summarize(&g, &Dominance::compute(&g));
        for (kind, ids) in &distinct {
            assert_eq!(
                s.roots_by_kind.get(*kind).copied(),
                Some(ids.len() as u64),
                "{name} {kind}"
            );
        }
        eprintln!(
            "{name}: objects {:?} (records {records:?})",
            s.roots_by_kind
        );
    }
}
