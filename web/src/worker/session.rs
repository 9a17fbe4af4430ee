//! One open dump ([`Loaded`]): the graph and its dominator tree, the core's analyses run on
//! the first request that needs them and kept (class histogram, paths from GC roots, leak
//! suspects, threads, class loaders, waste, process memory, the comparison's digest), and the
//! lists kept between pages (a sorted list of 100,000 children costs one sort, not one per
//! page). The routes that answer from it are in [`super::routes`].

use heaplens::analysis::{
    self, histogram, histogram_from_totals, ClassTotals, Histogram, PathFinder, PathIndex,
    PathOptions,
};
use heaplens::compare::{digest_from, Diff, Digest};
use heaplens::graph::{Dominance, HeapGraph, Node};
use heaplens::hprof::Id;
use heaplens::report;
use std::rc::Rc;

use super::explore::ExploreCache;
use super::host::Host;
use super::open::Opened;
use super::service::announce;
use crate::protocol::*;

pub(super) struct ThreadsCache {
    pub(super) threads: Vec<analysis::ThreadInfo>,
    pub(super) groups: Vec<ThreadGroupInfo>,
    pub(super) findings: Vec<ThreadLocalFinding>,
    pub(super) filtered: Option<(String, Vec<u32>)>,
}

#[derive(Clone, PartialEq)]
pub(super) struct ChildrenKey {
    pub(super) parent: Node,
    pub(super) sort: TreeSort,
    pub(super) filter: String,
}

/// One analyzed dump.
///
/// It owns the graph; what borrows the graph (a [`PathFinder`]) is made per request from an
/// owned index ([`PathIndex`]), so nothing here borrows a sibling field.
pub(super) struct Loaded {
    pub(super) name: String,
    pub(super) file_size: u64,
    pub(super) settings: OpenSettings,
    /// Shared (read only) with a query running in slices.
    pub(super) graph: Rc<HeapGraph>,
    pub(super) d: Rc<Dominance>,
    /// Computed on first use (the histogram view, an object's class, the hand-over), not
    /// before the overview is shown.
    pub(super) hist: Option<Histogram>,
    pub(super) summary: analysis::Summary,
    /// The summary's class totals (one read of every object), which the leak suspects and the
    /// histogram reuse; `None` after a hand-over (both computed before it).
    totals: Option<ClassTotals>,
    pub(super) phases: Vec<PhaseTime>,
    pub(super) analysis_ms: f64,
    pub(super) memory: u64,
    pub(super) wasm_memory: u64,
    /// Paths from GC roots (strong only, and with weak references): the BFS results, kept;
    /// a finder borrows one with the graph per request.
    pub(super) paths: Option<PathIndex>,
    pub(super) weak_paths: Option<PathIndex>,
    pub(super) suspects: Option<SuspectsResult>,
    pub(super) process_memory: Option<Box<ProcessMemoryView>>,
    pub(super) threads: Option<ThreadsCache>,
    pub(super) loaders: Option<ClassLoadersResult>,
    pub(super) waste: Option<WasteResult>,
    pub(super) children_cache: Option<(ChildrenKey, Vec<Node>)>,
    pub(super) incoming_cache: Option<(Node, Vec<Node>)>,
    pub(super) instances_cache: Option<((u32, bool), Vec<Node>)>,
    /// This dump reduced for a comparison ([`req::Digest`], [`req::Compare`]).
    pub(super) digest: Option<Digest>,
    /// The comparison of a baseline with this dump ([`req::Compare`]), paged by
    /// [`req::CompareHistogram`].
    pub(super) diff: Option<Diff>,
    /// The investigation views' last results.
    pub(super) explore: ExploreCache,
}

pub(super) fn parse_id(text: &str) -> Result<Id, String> {
    let t = text.trim();
    let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"));
    match hex {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse::<u64>(),
    }
    .map(Id::new)
    .map_err(|_| format!("not an object id: {text:?} (expected 0x… hex)"))
}

impl Loaded {
    /// Keeps an opened (or restored) dump, with the analyses already computed.
    pub(super) fn new(
        opened: Opened,
        hist: Option<Histogram>,
        suspects: Option<SuspectsResult>,
        process_memory: Option<Box<ProcessMemoryView>>,
    ) -> Self {
        let Opened {
            name,
            file_size,
            settings,
            graph,
            d,
            summary,
            totals,
            phases,
            analysis_ms,
            memory,
            wasm_memory,
        } = opened;
        Loaded {
            name,
            file_size,
            settings,
            graph: Rc::new(graph),
            d: Rc::new(d),
            hist,
            summary,
            totals,
            phases,
            analysis_ms,
            memory,
            wasm_memory,
            paths: None,
            weak_paths: None,
            suspects,
            process_memory,
            threads: None,
            loaders: None,
            waste: None,
            children_cache: None,
            incoming_cache: None,
            instances_cache: None,
            digest: None,
            diff: None,
            explore: ExploreCache::default(),
        }
    }

    pub(super) fn g(&self) -> &HeapGraph {
        &self.graph
    }

    pub(super) fn node(&self, id: &str) -> Result<Node, String> {
        let id = parse_id(id)?;
        self.g()
            .node_of(id)
            .ok_or_else(|| format!("no object {} in this dump", report::format_id(id)))
    }

    pub(super) fn total(&self) -> u64 {
        self.d.reachable_bytes()
    }

    pub(super) fn row(&self, v: Node) -> TreeRow {
        TreeRow::new(&self.graph, &self.d, v)
    }

    pub(super) fn overview(&self) -> Overview {
        let mut summary = self.summary.clone();
        summary.warnings = summary
            .warnings
            .iter()
            .map(|w| page_warning(&self.summary, w))
            .collect();
        let root_children = self.d.children(self.g().super_root());
        Overview {
            file_name: self.name.clone(),
            file_size: self.file_size,
            summary,
            settings: self.settings,
            top_dominators: root_children
                .iter()
                .take(10)
                .map(|&v| self.row(v))
                .collect(),
            root_children: root_children.len() as u32,
            phases: self.phases.clone(),
            analysis_ms: self.analysis_ms,
            memory_bytes: self.memory,
            wasm_memory_bytes: self.wasm_memory,
        }
    }

    /// The path finder (`include_weak`: through weak references too). Its search starts on
    /// first use and runs only as far as the queries need (`PathIndex::lazy`: the suspects'
    /// paths are among its first nodes); a later view that needs more runs it on.
    pub(super) fn paths(&mut self, include_weak: bool) -> PathFinder<'_> {
        let slot = if include_weak {
            &mut self.weak_paths
        } else {
            &mut self.paths
        };
        if slot.is_none() {
            *slot = Some(PathIndex::lazy(
                &self.graph,
                &self.d,
                PathOptions { include_weak },
            ));
        }
        self.finder(include_weak).expect("built above")
    }

    /// A finder over the path index built by [`Self::paths`], if it was.
    pub(super) fn finder(&self, include_weak: bool) -> Option<PathFinder<'_>> {
        let index = if include_weak {
            &self.weak_paths
        } else {
            &self.paths
        };
        Some(index.as_ref()?.finder(&self.graph))
    }

    /// This dump's digest for a comparison (computed once; reuses the kept histogram and
    /// strong paths).
    pub(super) fn digest(&mut self, host: &mut dyn Host) -> &Digest {
        if self.digest.is_none() {
            self.hist(host);
            self.paths(false);
            announce(host, "comparison digest");
            let paths = self.finder(false).expect("strong paths computed above");
            let hist = self.hist.as_ref().expect("computed above");
            let d = digest_from(&self.graph, &self.d, hist, &paths, Some(self.name.clone()));
            self.digest = Some(d);
        }
        self.digest.as_ref().expect("filled")
    }

    pub(super) fn hist(&mut self, host: &mut dyn Host) -> &Histogram {
        if self.hist.is_none() {
            announce(host, "class histogram");
            self.hist = Some(match self.totals.clone() {
                Some(totals) => histogram_from_totals(self.g(), &self.d, totals),
                None => histogram(self.g(), &self.d),
            });
        }
        self.hist.as_ref().expect("filled")
    }

    pub(super) fn suspects(&mut self, host: &mut dyn Host) -> &SuspectsResult {
        if self.suspects.is_none() {
            self.paths(false);
            announce(host, "leak suspects");
            let finder = self.finder(false).expect("built above");
            let found = match self.totals.clone() {
                Some(totals) => {
                    analysis::find_suspects_from_totals(&self.graph, &self.d, &finder, totals)
                }
                None => analysis::find_suspects(&self.graph, &self.d, &finder),
            };
            self.suspects = Some(SuspectsResult {
                suspects: found,
                heap_reachable: self.total(),
            });
        }
        self.suspects.as_ref().expect("filled")
    }

    /// Memory beyond the heap: the core's analysis over the thread list (cached for the
    /// Threads view), the class loaders and the paths from GC roots without weak references.
    pub(super) fn process_memory(&mut self, host: &mut dyn Host) -> &ProcessMemoryView {
        if self.process_memory.is_none() {
            self.paths(false);
            self.threads_cache(host);
            announce(host, "process memory");
            let g = &self.graph;
            let loaders = analysis::class_loaders(g, &self.d);
            let finder = self.finder(false).expect("built above");
            let threads = &self.threads.as_ref().expect("built above").threads;
            let pm = analysis::process_memory(g, &self.d, &finder, threads, &loaders);
            self.process_memory = Some(Box::new(pm.into()));
        }
        self.process_memory.as_ref().expect("filled")
    }

    pub(super) fn threads_cache(&mut self, host: &mut dyn Host) -> &mut ThreadsCache {
        if self.threads.is_none() {
            let g = self.g();
            announce(host, "threads");
            // The leak suspects' PathFinder, when built, spares the walk for stale keys.
            let finder = self.paths.as_ref().map(|i| i.finder(g));
            let threads = analysis::threads_with(g, &self.d, finder.as_ref());
            let groups = analysis::thread_groups(&threads);
            let findings = analysis::thread_local_findings(g, &self.d, &threads).findings;
            self.threads = Some(ThreadsCache {
                threads,
                groups,
                findings,
                filtered: None,
            });
        }
        self.threads.as_mut().expect("filled")
    }

    pub(super) fn class_loaders(&mut self, host: &mut dyn Host) -> &ClassLoadersResult {
        if self.loaders.is_none() {
            announce(host, "class loaders");
            let mut r = analysis::class_loaders(self.g(), &self.d);
            // A message carries a page, not every duplicate and jar of a big application.
            r.duplicate_classes.truncate(200);
            r.open_jar_files.truncate(500);
            self.loaders = Some(r);
        }
        self.loaders.as_ref().expect("filled")
    }

    pub(super) fn waste(&mut self, host: &mut dyn Host) -> &WasteResult {
        if self.waste.is_none() {
            self.paths(false);
            announce(host, "duplicate strings, arrays and collections");
            let finder = self.finder(false).expect("built above");
            self.waste = Some(WasteResult::new(&self.graph, &self.d, &finder));
        }
        self.waste.as_ref().expect("filled")
    }
}

/// A summary warning as the page words it: a multi-dump file points at the page's chooser, not
/// at the command line's `--dump N`.
fn page_warning(s: &analysis::Summary, w: &str) -> String {
    use analysis::{multi_dump_warning, DumpChoice};
    if *w == multi_dump_warning(s.heap_dumps, s.dump_shown, DumpChoice::Cli) {
        multi_dump_warning(s.heap_dumps, s.dump_shown, DumpChoice::Page)
    } else {
        w.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(parse_id("0x1F"), Ok(Id::new(31)));
        assert_eq!(parse_id("31"), Ok(Id::new(31)));
        assert!(parse_id("zz").is_err());
    }
}
