//! Shared test support: fixture paths and a visitor that records everything it sees.
#![allow(dead_code)]

pub mod oql;
pub mod recorder;

use heaplens::hprof::*;
use std::path::PathBuf;

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub fn read_fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The bytes of a gzip fixture, inflated (every member, as `.hprof.gz` writers may concatenate).
pub fn gunzip(gz: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(gz)
        .read_to_end(&mut out)
        .expect("fixture inflates");
    out
}

/// Fixture `name`'s graph, its dominance and its facts (`name.facts.json`).
pub fn load_with_facts(
    name: &str,
) -> (
    heaplens::graph::HeapGraph,
    heaplens::graph::Dominance,
    serde_json::Value,
) {
    let g = heaplens::graph::build_from_bytes(&read_fixture(&format!("{name}.hprof.gz"))).unwrap();
    let d = heaplens::graph::Dominance::compute(&g);
    let facts = serde_json::from_slice(&read_fixture(&format!("{name}.facts.json"))).unwrap();
    (g, d, facts)
}

/// Counts of what a parse delivered.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    pub utf8: u64,
    pub load_class: u64,
    pub stack_frames: u64,
    pub stack_traces: u64,
    pub heap_records: u64,
    pub roots: u64,
    pub classes: u64,
    pub instances: u64,
    pub object_arrays: u64,
    pub primitive_arrays: u64,
    pub object_array_elements: u64,
}

impl Counts {
    pub fn objects(&self) -> u64 {
        self.classes + self.instances + self.object_arrays + self.primitive_arrays
    }
}

impl Visitor for Counts {
    fn utf8(&mut self, _: Id, _: &[u8]) {
        self.utf8 += 1;
    }
    fn load_class(&mut self, _: &LoadClass) {
        self.load_class += 1;
    }
    fn stack_frame(&mut self, _: &StackFrame) {
        self.stack_frames += 1;
    }
    fn stack_trace(&mut self, _: &StackTrace) {
        self.stack_traces += 1;
    }
    fn heap_dump_start(&mut self, _: u8, _: u64, _: u32) {
        self.heap_records += 1;
    }
    fn gc_root(&mut self, _: &GcRoot) {
        self.roots += 1;
    }
    fn class_dump(&mut self, _: &ClassDump) {
        self.classes += 1;
    }
    fn instance(&mut self, _: &Instance<'_>) {
        self.instances += 1;
    }
    fn object_array(&mut self, _: &ObjectArray, first: u32, e: IdList<'_>) {
        if first == 0 {
            self.object_arrays += 1;
        }
        self.object_array_elements += e.len() as u64;
    }
    fn primitive_array(&mut self, _: &PrimitiveArray, _: Option<&[u8]>) {
        self.primitive_arrays += 1;
    }
}

/// (class, instances) of the application's classes (`com.example.*`) in a fixture's JVM class
/// histogram (`FIXTURE.histo.txt`, `jmap -histo` format).
pub fn app_histogram(fixture: &str) -> Vec<(String, u64)> {
    let text = String::from_utf8(read_fixture(&format!("{fixture}.histo.txt"))).unwrap();
    text.lines()
        .filter_map(|l| {
            let p: Vec<&str> = l.split_whitespace().collect();
            (p.len() >= 4 && p[0].ends_with(':') && p[3].starts_with("com.example."))
                .then(|| (p[3].to_string(), p[1].parse().unwrap()))
        })
        .collect()
}

/// Every real-JVM dump stored in the repository (gzip), as fixture paths relative to
/// `tests/fixtures`: the project's incident dumps, then `outside/`, then MAT's `outside/mat/`,
/// each folder sorted by name.
#[allow(dead_code)]
pub fn real_dump_names() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["", "outside", "outside/mat"] {
        let mut names: Vec<_> = std::fs::read_dir(fixture(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".hprof.gz"))
            .collect();
        names.sort();
        out.extend(names.into_iter().map(|n| {
            if dir.is_empty() {
                n
            } else {
                format!("{dir}/{n}")
            }
        }));
    }
    assert!(out.len() >= 15, "fixtures found: {}", out.len());
    out
}
