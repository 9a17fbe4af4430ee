//! Driving the two passes: a push API for the browser worker (which reads `File` slices
//! asynchronously) and blocking conveniences for native callers.

use super::build::{Pass1, Pass2};
use super::HeapGraph;
use crate::hprof::{DumpDecoder, NullVisitor, ParseError};
use std::io::Read;

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
}

impl Default for GraphBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl GraphBuilder {
    pub fn new() -> Self {
        GraphBuilder { state: State::Pass1(Box::default()), decoder: DumpDecoder::new() }
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
            State::Pass1(p) => self.decoder.feed(chunk, p.as_mut()),
            State::Pass2(p) => self.decoder.feed(chunk, p.as_mut()),
            State::Done(_) | State::Failed => Ok(()),
        };
        if r.is_err() {
            self.state = State::Failed;
        }
        r
    }

    /// Ends the current pass over the input.
    pub fn end_pass(&mut self) -> Result<PassOutcome, ParseError> {
        self.end_pass_with_progress(&mut |_| {})
    }

    /// [`end_pass`](Self::end_pass), reporting the fraction done (0.0..=1.0) of the work that
    /// ends the pass (sorting ids, placing edges: a second or two on large dumps) as it goes.
    pub fn end_pass_with_progress(&mut self, progress: &mut dyn FnMut(f64)) -> Result<PassOutcome, ParseError> {
        let decoder = std::mem::take(&mut self.decoder);
        match std::mem::replace(&mut self.state, State::Failed) {
            State::Pass1(mut p) => {
                let summary = decoder.finish(p.as_mut())?;
                self.state = State::Pass2(Box::new(p.finish(&summary, progress)));
                Ok(PassOutcome::NeedsSecondPass)
            }
            State::Pass2(mut p) => {
                // Warnings were recorded in pass 1; the same input gives the same ones.
                decoder.finish(p.as_mut())?;
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

/// Builds from an in-memory dump (raw or gzip).
pub fn build_from_bytes(bytes: &[u8]) -> Result<HeapGraph, ParseError> {
    let mut b = GraphBuilder::new();
    loop {
        b.feed(bytes)?;
        if b.end_pass()? == PassOutcome::Done {
            return Ok(b.into_graph().expect("done"));
        }
    }
}

/// Builds from a re-openable reader (the closure is called once per pass); `progress` gets
/// (phase, bytes read in this pass).
pub fn build_from_reader<R: Read>(
    mut open: impl FnMut() -> std::io::Result<R>,
    mut progress: impl FnMut(Phase, u64),
) -> Result<HeapGraph, BuildError> {
    let mut b = GraphBuilder::new();
    let mut buf = vec![0u8; 4 << 20];
    loop {
        let mut r = open()?;
        let phase = b.phase();
        let mut done = 0u64;
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            b.feed(&buf[..n])?;
            done += n as u64;
            progress(phase, done);
        }
        if b.end_pass()? == PassOutcome::Done {
            return Ok(b.into_graph().expect("done"));
        }
    }
}

/// Builds from a file (raw or gzip), reading it twice.
pub fn build_from_path(path: &std::path::Path, progress: impl FnMut(Phase, u64)) -> Result<HeapGraph, BuildError> {
    build_from_reader(|| std::fs::File::open(path), progress)
}
