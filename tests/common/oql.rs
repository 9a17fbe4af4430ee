//! A fixture opened for OQL as the CLI and the worker have it: its graph, dominance, and the
//! dump's bytes to read the fields the graph does not keep (tests/oql.rs, tests/oql_steps.rs).

use heaplens::graph::{build_from_bytes, Dominance, HeapGraph};
use heaplens::hprof::reread::{MemorySource, ObjectSource};
use heaplens::query::{execute, QueryEnv, QueryResult};

pub struct Dump {
    pub g: HeapGraph,
    pub d: Dominance,
    pub src: MemorySource,
}

/// Opens `tests/fixtures/REL`.
pub fn open(rel: &str) -> Dump {
    let bytes = super::read_fixture(rel);
    let g = build_from_bytes(&bytes).expect("fixture parses");
    let d = Dominance::compute(&g);
    let src = MemorySource::from_stored(&bytes).expect("inflates");
    Dump { g, d, src }
}

impl Dump {
    /// Everything a query may use (no cancel flag).
    pub fn env(&mut self) -> QueryEnv<'_> {
        QueryEnv {
            graph: &self.g,
            dominance: Some(&self.d),
            source: Some(&mut self.src as &mut dyn ObjectSource),
            cancel: None,
        }
    }

    /// The first `limit` rows of `text` (panics with the query's error).
    pub fn page(&mut self, text: &str, limit: usize) -> QueryResult {
        execute(self.env(), text, 0, limit).unwrap_or_else(|e| panic!("{text}: {e}"))
    }
}
