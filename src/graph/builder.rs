//! Driving the two passes: a push API for the browser worker (which reads `File` slices
//! asynchronously) and blocking conveniences for native callers.

use super::build::{Pass1, Pass2};
use super::classes::{ClassKind, SizeMode, SizeRule};
use super::dumps::DumpSelect;
use super::front::{Front, Seen};
use super::HeapGraph;
use super::NO_NODE;
use crate::hprof::*;
use std::io::{Read, Seek, SeekFrom};

/// Where a build is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Phase {
    /// Pass 1: numbering objects, reading classes and metadata.
    Indexing,
    /// Pass 2: reading references.
    Linking,
    Done,
}

/// What [`GraphBuilder::end_pass`] asks for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassOutcome {
    /// Feed the whole input again from the start, then call `end_pass` again.
    NeedsSecondPass,
    /// The graph is ready: [`GraphBuilder::into_graph`].
    Done,
}

enum State {
    Pass1(Box<Pass1>),
    Pass2(Box<Pass2>),
    Done(Box<HeapGraph>),
    Failed,
}

/// Push-based graph builder: feed the dump once, `end_pass`, feed it again, `end_pass`.
pub struct GraphBuilder {
    state: State,
    decoder: DumpDecoder,
    /// What pass 1 has seen so far.
    seen: Seen,
    /// Which heap dump of the file is read.
    select: DumpSelect,
    /// Whether the caller reads pass 2 without the ranges [`GraphBuilder::skips`] lists.
    leaves_out: bool,
    /// Threads pass 2 may use (see [`GraphBuilder::with_threads`]).
    threads: usize,
}

impl Default for GraphBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// Choices that change what a build computes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// Shallow sizes: the JVM's (inferred from the dump, the default) or Eclipse MAT's rule.
    pub sizes: SizeMode,
}

impl GraphBuilder {
    /// A builder with the default [`BuildOptions`].
    pub fn new() -> Self {
        Self::with_options(BuildOptions::default())
    }

    pub fn with_options(options: BuildOptions) -> Self {
        let mut pass1 = Box::<Pass1>::default();
        pass1.size_mode = options.sizes;
        GraphBuilder {
            state: State::Pass1(pass1),
            decoder: DumpDecoder::new(),
            seen: Seen::default(),
            select: DumpSelect::new(None),
            leaves_out: false,
            threads: 1,
        }
    }

    /// Reads heap dump `n` (1-based) of a file that holds several (see `graph::dumps`); the
    /// first by default. Set before the first `feed`.
    pub fn with_dump(mut self, n: u32) -> Self {
        self.select = DumpSelect::new(Some(n.max(1)));
        self
    }

    /// Heap dumps in the file: seen so far during pass 1, all of them after it.
    pub fn heap_dumps(&self) -> u32 {
        match &self.state {
            State::Pass1(_) => self.select.dumps(),
            State::Pass2(p) => p.stats().heap_dumps,
            State::Done(g) => g.stats.heap_dumps,
            State::Failed => self.select.dumps(),
        }
    }

    /// Whether class objects link to their signers and protection domain (Eclipse MAT's
    /// `hprofAddClassRefs` preference, off there by default and here). Set before the first
    /// `feed`; ignored after pass 1.
    pub fn with_class_refs(mut self, on: bool) -> Self {
        if let State::Pass1(p) = &mut self.state {
            p.class_refs = on;
        }
        self
    }

    /// Threads the build may use (default 1): with 2 or more, the end of pass 1 sorts the ids
    /// on two threads and pass 2 builds the String previews on a second thread
    /// (`graph::strings_ahead`). The graph is the same whatever
    /// the number. Native only: wasm32 has no threads without shared memory, and stays on one.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Declares that the caller will feed pass 2 of an uncompressed file without the ranges
    /// [`skips`](Self::skips) lists then (primitive-array contents the graph does not need:
    /// ~45% of a typical dump's bytes), reading around them by seeking or slicing. Set before
    /// the first `feed`.
    pub fn leaving_out_payloads(mut self) -> Self {
        self.leaves_out = true;
        self
    }

    /// During pass 2 of an uncompressed input, after
    /// [`leaving_out_payloads`](Self::leaving_out_payloads): the ranges of the file (sorted,
    /// disjoint) that the caller must leave out of what it feeds, which then is the file's
    /// bytes in order without them ([`read_ranges`](crate::hprof::read_ranges) lists the
    /// reads). Empty otherwise: feed the whole file.
    pub fn skips(&self) -> &[Skip] {
        match &self.state {
            State::Pass2(p) if self.leaves_out => p.skips(),
            _ => &[],
        }
    }

    pub fn phase(&self) -> Phase {
        match self.state {
            State::Pass1(_) => Phase::Indexing,
            State::Pass2(_) => Phase::Linking,
            State::Done(_) | State::Failed => Phase::Done,
        }
    }

    /// Bytes of the input (as stored) fed in the current pass.
    pub fn input_bytes(&self) -> u64 {
        self.decoder.input_bytes()
    }

    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), ParseError> {
        let r = match &mut self.state {
            State::Pass1(p) => self.decoder.feed(
                chunk,
                &mut Front {
                    inner: p.as_mut(),
                    select: &mut self.select,
                    seen: Some(&mut self.seen),
                },
            ),
            State::Pass2(p) => {
                p.allocate_edges();
                self.decoder.feed(
                    chunk,
                    &mut Front {
                        inner: p.as_mut(),
                        select: &mut self.select,
                        seen: None,
                    },
                )
            }
            State::Done(_) | State::Failed => Ok(()),
        };
        if r.is_err() {
            self.state = State::Failed;
        }
        r
    }

    /// Object records (instances, arrays, class objects) read in pass 1 so far; after pass 1,
    /// all of them (duplicated ids included). Lets a caller with bounded memory (the browser)
    /// stop a dump too big for it while pass 1 runs.
    pub fn objects_seen(&self) -> u64 {
        self.seen.objects
    }

    /// An upper bound of the references pass 2 can find in what pass 1 has read so far: array
    /// elements, reference-sized words of instance field data, class links and statics, and
    /// root records, all counted from bytes present in the file (never from a claimed count).
    /// With [`objects_seen`](Self::objects_seen) and [`strings_seen`](Self::strings_seen), lets
    /// a caller with bounded memory decide "too big" *before* ending pass 1, which is where
    /// the graph's large arrays are allocated.
    pub fn references_seen(&self) -> u64 {
        self.seen.references
    }

    /// `java.lang.String` instances read in pass 1 so far (each costs pass 1 and pass 2 a
    /// little memory of its own).
    pub fn strings_seen(&self) -> u64 {
        self.seen.strings
    }

    /// What pass 1 found, between the passes (after the first [`end_pass`](Self::end_pass),
    /// until the graph is done): counts, shallow sizes by class, an upper bound of the
    /// references. Costs one walk over the objects; `None` at other times.
    pub fn first_pass(&self) -> Option<FirstPass> {
        let State::Pass2(p) = &self.state else {
            return None;
        };
        // The upper bound of the references is the room pass 2 reserved for them.
        let (class_len, classes, sizes, meta, roots, root_nodes, edges) = p.first_pass_view();
        let n = class_len.node_count();
        let class_of = |v: usize| class_len.class(v).unwrap_or(0);
        let shallow = |c: u32, len: u32| match classes[c as usize].kind {
            ClassKind::Instance => classes[c as usize].instance_size as u64,
            ClassKind::ObjectArray => sizes.object_array(len),
            ClassKind::PrimitiveArray(e) => sizes.primitive_array(e, len),
        };
        let mut rows = vec![(0u64, 0u64); classes.len()];
        for v in 0..n {
            let (c, len) = (class_of(v), class_len.len(v));
            let r = &mut rows[c as usize];
            r.0 += 1;
            r.1 += shallow(c, len);
        }
        // Class objects: sized and linked as classes, not as instances of java.lang.Class (as
        // `HeapGraph::shallow`; the last class naming a node wins, as there).
        let mut class_nodes: Vec<(u32, usize)> = classes
            .iter()
            .enumerate()
            .filter(|(_, k)| k.node != NO_NODE && k.node.index() < n)
            .map(|(i, k)| (k.node.get(), i))
            .collect();
        class_nodes.reverse();
        class_nodes.sort_by_key(|e| e.0);
        class_nodes.dedup_by_key(|e| e.0);
        for &(node, k) in &class_nodes {
            let (c, len) = (class_of(node as usize), class_len.len(node as usize));
            let r = &mut rows[c as usize];
            r.1 = r.1.saturating_sub(shallow(c, len)) + classes[k].class_object_size as u64;
        }
        let mut histogram: Vec<(u32, String, u64, u64)> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.0 > 0)
            .map(|(c, r)| (c as u32, classes[c].name.clone(), r.0, r.1))
            .collect();
        histogram.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| a.1.cmp(&b.1)));
        Some(FirstPass {
            objects: n as u64,
            classes: classes.iter().filter(|k| k.node != NO_NODE).count() as u64,
            gc_roots: root_nodes.len() as u64,
            threads: roots
                .iter()
                .filter(|r| r.kind == RootKind::ThreadObject)
                .count() as u64,
            shallow_total: rows.iter().map(|r| r.1).sum(),
            edges_upper_bound: edges,
            strings: histogram
                .iter()
                .filter(|r| r.1 == "java.lang.String")
                .map(|r| r.2)
                .sum(),
            sizes: *sizes,
            header: meta.header.clone(),
            dump_bytes: meta.bytes,
            heap_dumps: p.stats().heap_dumps,
            warnings: meta.warnings.clone(),
            histogram,
        })
    }

    /// Ends the current pass over the input.
    pub fn end_pass(&mut self) -> Result<PassOutcome, ParseError> {
        self.end_pass_with_progress(&mut |_| {})
    }

    /// [`end_pass`](Self::end_pass), reporting the fraction done (0.0..=1.0) of the work that
    /// ends the pass (sorting ids, placing edges: a second or two on large dumps) as it goes.
    pub fn end_pass_with_progress(
        &mut self,
        progress: &mut dyn FnMut(f64),
    ) -> Result<PassOutcome, ParseError> {
        let decoder = std::mem::take(&mut self.decoder);
        let was_gzip = decoder.is_gzip();
        match std::mem::replace(&mut self.state, State::Failed) {
            State::Pass1(mut p) => {
                let summary = decoder.finish(&mut Front {
                    inner: p.as_mut(),
                    select: &mut self.select,
                    seen: None,
                })?;
                let (dumps, chosen) = (self.select.dumps(), self.select.chosen());
                if chosen > dumps.max(1) {
                    return Err(ParseError {
                        offset: summary.bytes,
                        item: Item::Header,
                        kind: ErrorKind::NoSuchDump {
                            wanted: chosen,
                            dumps,
                        },
                    });
                }
                let mut pass2 = p.finish(&summary, self.threads, progress)?;
                pass2.set_dumps(dumps, chosen);
                if was_gzip || !self.leaves_out {
                    pass2.clear_skips();
                }
                self.decoder.skip_ranges(pass2.skips().to_vec());
                if cfg!(not(target_arch = "wasm32")) && self.threads >= 2 {
                    pass2.strings_on_second_thread();
                }
                self.select.restart();
                self.state = State::Pass2(Box::new(pass2));
                Ok(PassOutcome::NeedsSecondPass)
            }
            State::Pass2(mut p) => {
                p.allocate_edges();
                // Warnings were recorded in pass 1; the same input gives the same ones.
                decoder.finish(&mut Front {
                    inner: p.as_mut(),
                    select: &mut self.select,
                    seen: None,
                })?;
                self.state = State::Done(Box::new(p.finish(progress)));
                Ok(PassOutcome::Done)
            }
            State::Done(g) => {
                self.state = State::Done(g);
                Ok(PassOutcome::Done)
            }
            State::Failed => decoder.finish(&mut NullVisitor).map(|_| PassOutcome::Done),
        }
    }

    pub fn into_graph(self) -> Option<HeapGraph> {
        match self.state {
            State::Done(g) => Some(*g),
            _ => None,
        }
    }
}

/// What pass 1 tells about a dump before its references are read: see
/// [`GraphBuilder::first_pass`]. Counts cover every object, reachable or not (reachability needs
/// the references).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstPass {
    /// Objects (distinct ids).
    pub objects: u64,
    /// Class objects (CLASS DUMP records).
    pub classes: u64,
    /// Distinct GC-root objects.
    pub gc_roots: u64,
    /// Thread objects listed as GC roots.
    pub threads: u64,
    /// Shallow bytes of all objects.
    pub shallow_total: u64,
    /// At least as many references as pass 2 will find: every reference field, array element
    /// and class link counted as non-null, as far as the records carry them. Pass 2 allocates
    /// room for this many (5 bytes each) when it starts, after this is known.
    pub edges_upper_bound: u64,
    /// `java.lang.String` instances (pass 2 keeps a preview of each).
    pub strings: u64,
    pub sizes: SizeRule,
    pub header: Header,
    /// Decompressed bytes parsed.
    pub dump_bytes: u64,
    /// Heap dumps in the file (one is analyzed: see [`GraphBuilder::with_dump`]).
    pub heap_dumps: u32,
    pub warnings: Vec<Warning>,
    /// Per class with objects: (class index, name, objects, shallow bytes), largest shallow
    /// first. Class indices are those of the finished graph.
    pub histogram: Vec<(u32, String, u64, u64)>,
}

/// Error of the blocking builders.
#[derive(Debug)]
pub enum BuildError {
    Io(std::io::Error),
    Parse(ParseError),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Io(e) => write!(f, "cannot read the dump: {e}"),
            BuildError::Parse(e) => write!(f, "cannot parse the dump: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

impl From<ParseError> for BuildError {
    fn from(e: ParseError) -> Self {
        BuildError::Parse(e)
    }
}

impl From<std::io::Error> for BuildError {
    fn from(e: std::io::Error) -> Self {
        BuildError::Io(e)
    }
}

/// Builds from an in-memory dump (raw or gzip) with the default [`BuildOptions`].
pub fn build_from_bytes(bytes: &[u8]) -> Result<HeapGraph, ParseError> {
    build_from_bytes_with(bytes, BuildOptions::default())
}

/// Builds from an in-memory dump (raw or gzip).
pub fn build_from_bytes_with(bytes: &[u8], options: BuildOptions) -> Result<HeapGraph, ParseError> {
    let mut b = GraphBuilder::with_options(options);
    loop {
        b.feed(bytes)?;
        if b.end_pass()? == PassOutcome::Done {
            return Ok(b.into_graph().expect("done"));
        }
    }
}

/// Feeds one pass of `file` (`size` bytes, from its start) into `b`, reading around the ranges
/// [`GraphBuilder::skips`] lists (a seek each; see [`GraphBuilder::leaving_out_payloads`]), then
/// whatever follows `size` (a file that grew). `buf` sets the reads' size; `progress` gets how
/// far into the file the pass is. Stops early, without error, where the file ends.
pub fn feed_pass<R: Read + Seek>(
    b: &mut GraphBuilder,
    file: &mut R,
    size: u64,
    buf: &mut [u8],
    mut progress: impl FnMut(u64),
) -> Result<(), BuildError> {
    let skips = b.skips().to_vec();
    let mut pos = 0u64;
    if !skips.is_empty() {
        for (offset, len) in read_ranges(&skips, size, buf.len() as u64) {
            if offset != pos {
                file.seek(SeekFrom::Start(offset))?;
            }
            let n = read_full(file, &mut buf[..len as usize])?;
            b.feed(&buf[..n])?;
            progress(b.input_bytes());
            pos = offset + n as u64;
            if n < len as usize {
                return Ok(());
            }
        }
        if pos != size {
            file.seek(SeekFrom::Start(size))?;
        }
    }
    loop {
        let n = read_full(file, buf)?;
        if n == 0 {
            return Ok(());
        }
        b.feed(&buf[..n])?;
        progress(b.input_bytes());
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
pub(crate) fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Builds from a file (raw or gzip), reading it twice; pass 2 of an uncompressed file reads
/// around the primitive-array contents it does not need.
pub fn build_from_path(
    path: &std::path::Path,
    mut progress: impl FnMut(Phase, u64),
) -> Result<HeapGraph, BuildError> {
    let mut b = GraphBuilder::new().leaving_out_payloads();
    let mut buf = vec![0u8; 4 << 20];
    loop {
        let mut file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        let phase = b.phase();
        feed_pass(&mut b, &mut file, size, &mut buf, |done| {
            progress(phase, done)
        })?;
        if b.end_pass()? == PassOutcome::Done {
            return Ok(b.into_graph().expect("done"));
        }
    }
}
