//! Opening a dump, one slice of bytes at a time: [`OpenJob`].
//!
//! The job is fed the file's bytes in order, pass after pass, by whoever reads them: the
//! synchronous loop of [`super::service::Service::handle_with`] (tests, `&[u8]` sources), or the
//! worker's asynchronous reader ([`super::entry`]), which keeps the next slices of the `File`
//! in flight while the current one is parsed. Both get the same phases, progress, memory
//! checks and results: the job, not its driver, owns the analysis.
//!
//! Per pass the driver calls [`OpenJob::feed`] with consecutive bytes from offset 0, leaving
//! out the ranges [`OpenJob::skips`] lists (pass 2 of an uncompressed file: the contents of
//! primitive arrays the graph does not need; [`OpenJob::reads`] plans the reads), then
//! [`OpenJob::end_of_data`], which ends the pass and says whether another pass (from offset 0)
//! is needed. After the last pass, [`OpenJob::finish`] computes the dominator tree and the
//! summary (the service computes the rest on demand).

use heaplens::analysis::{self, summarize_and_totals};
use heaplens::graph::{BuildOptions, Dominance, GraphBuilder, HeapGraph, PassOutcome};
use heaplens::hprof::{read_ranges, ErrorKind, ParseError, Skip};

use super::host::Host;
use super::memory;
use crate::protocol::*;

/// Bytes fed to the parser between two progress checks.
const FEED_BYTES: usize = 1 << 20;

/// What opening produced: everything the service keeps of a dump.
pub struct Opened {
    pub name: String,
    pub file_size: u64,
    /// What was asked (heap dump, size rule).
    pub settings: OpenSettings,
    pub graph: HeapGraph,
    pub d: Dominance,
    pub summary: analysis::Summary,
    /// The summary's class totals, for the leak suspects and the histogram (`None` when
    /// restored from a snapshot).
    pub totals: Option<analysis::ClassTotals>,
    pub phases: Vec<PhaseTime>,
    pub analysis_ms: f64,
    /// Bytes kept by the graph and the dominance.
    pub memory: u64,
    pub wasm_memory: u64,
}

/// One dump being opened; see the module documentation.
pub struct OpenJob {
    name: String,
    total: u64,
    settings: OpenSettings,
    tracker: Tracker,
    phases: Vec<PhaseTime>,
    builder: GraphBuilder,
    /// 0 for the first pass, 1 for the second.
    pass: u64,
    /// Bytes of this pass fed so far (= where the next bytes come from).
    offset: u64,
    pass_started: f64,
    /// Bytes the tab's other analysis holds (a compared dump): see [`memory`].
    reserved: u64,
}

impl OpenJob {
    /// Starts opening `name` as `settings` say; `total` is the file's size. Fails on an empty
    /// file.
    pub fn start(
        name: String,
        total: u64,
        settings: OpenSettings,
        host: &mut dyn Host,
    ) -> Result<OpenJob, OpenError> {
        if total == 0 {
            return Err(OpenError {
                message: "The file is empty: the heap dump was probably not written (disk full, or the JVM was killed while dumping).".into(),
                offset: Some(0),
                not_hprof: true,
                too_big: None,
            });
        }
        let mut tracker = Tracker::new(host, total);
        let pass_started = host.now_ms();
        tracker.report(host, Phase::Indexing, "", Span::FEED1.at(0.0), 0, true);
        let mut builder = GraphBuilder::with_options(BuildOptions {
            sizes: settings.sizes,
        })
        .leaving_out_payloads();
        if let Some(n) = settings.dump {
            builder = builder.with_dump(n);
        }
        Ok(OpenJob {
            name,
            total,
            settings,
            tracker,
            phases: Vec::new(),
            builder,
            pass: 0,
            offset: 0,
            pass_started,
            reserved: 0,
        })
    }

    /// Plans the memory for this dump next to another analysis of the tab holding `bytes`
    /// (two dumps compared; see [`memory`]).
    pub fn reserving(mut self, bytes: u64) -> OpenJob {
        self.reserved = bytes;
        self
    }

    /// The file's size.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Where in the file the next bytes of the current pass start.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Ranges of the file the current pass leaves out (sorted; empty: read it all).
    pub fn skips(&self) -> &[Skip] {
        self.builder.skips()
    }

    /// The reads of the current pass, in order: `(offset, length)` of at most `chunk` bytes
    /// each, covering the file but [`Self::skips`].
    pub fn reads(&self, chunk: u64) -> Vec<(u64, u64)> {
        read_ranges(self.builder.skips(), self.total, chunk).collect()
    }

    /// The answer when the bytes at `offset` cannot be read.
    pub fn read_failed(offset: u64, error: &str) -> OpenOutcome {
        OpenOutcome::Failed(OpenError {
            message: format!("cannot read the file at byte {offset}: {error}"),
            offset: Some(offset),
            not_hprof: false,
            too_big: None,
        })
    }

    fn phase(&self) -> (Phase, Span, Span) {
        if self.pass == 0 {
            (Phase::Indexing, Span::FEED1, Span::END1)
        } else {
            (Phase::Linking, Span::FEED2, Span::END2)
        }
    }

    /// Parses the next `bytes` of the current pass (they start at [`Self::offset`]).
    pub fn feed(&mut self, bytes: &[u8], host: &mut dyn Host) -> Result<(), OpenError> {
        let (phase, feed, _) = self.phase();
        let total = self.total;
        // Fed in 1 MiB pieces so that progress goes out often even when a gzip slice inflates
        // tenfold.
        for piece in bytes.chunks(FEED_BYTES) {
            self.builder.feed(piece).map_err(|e| parse_failed(&e))?;
            // Where the file's bytes are: past a range left out, the parser counts it.
            self.offset = self.builder.input_bytes();
            let offset = self.offset;
            self.tracker.report(
                host,
                phase,
                "",
                feed.at(offset as f64 / total as f64),
                self.pass * total + offset,
                false,
            );
            // A dump too big for this tab stops as soon as the objects read so far say so
            // (ending pass 1 alone needs ~45 bytes per object).
            if self.pass == 0 {
                let seen = self.builder.objects_seen();
                let extrapolated = seen.saturating_mul(total) / offset.max(1);
                let current = host.memory_bytes();
                let strings = self.builder.strings_seen();
                memory::check_objects(seen, strings, extrapolated, current, self.reserved)
                    .map_err(|e| memory::too_big_error(&self.name, e))?;
            }
        }
        Ok(())
    }

    /// Ends the current pass (the file's end was reached). `Ok(true)`: feed the file again from
    /// offset 0 for the next pass; `Ok(false)`: call [`Self::finish`].
    pub fn end_of_data(&mut self, host: &mut dyn Host) -> Result<bool, OpenError> {
        let (phase, _, end) = self.phase();
        let pass = self.pass;
        let total = self.total;
        let detail = if pass == 0 {
            "numbering objects"
        } else {
            "ordering references"
        };
        let tracker = &mut self.tracker;
        let outcome = self.builder.end_pass_with_progress(&mut |f| {
            tracker.report(host, phase, detail, end.at(f), (pass + 1) * total, false)
        });
        let now = host.now_ms();
        self.phases.push(PhaseTime {
            phase,
            ms: now - self.pass_started,
        });
        match outcome {
            Ok(PassOutcome::NeedsSecondPass) => {
                if let Some(first) = self.builder.first_pass() {
                    let current = host.memory_bytes();
                    let estimate = memory::check_first_pass(
                        first.objects,
                        first.edges_upper_bound,
                        first.strings,
                        current,
                        self.reserved,
                    )
                    .map_err(|e| memory::too_big_error(&self.name, e))?;
                    // The first pass's results as the UI gets them (at most MAX_PAGE rows).
                    let histogram_classes = first.histogram.len() as u32;
                    let partial = PartialResults {
                        file_name: self.name.clone(),
                        file_size: total,
                        format: first.header.version.as_str().to_string(),
                        id_size: first.header.id_size,
                        timestamp_ms: first.header.timestamp_ms,
                        dump_bytes: first.dump_bytes,
                        objects_total: first.objects,
                        classes: first.classes,
                        gc_roots: first.gc_roots,
                        thread_roots: first.threads,
                        heap_shallow_total: first.shallow_total,
                        compressed_oops: first.sizes.compressed_oops,
                        alignment: first.sizes.alignment,
                        edges_estimate: first.edges_upper_bound,
                        warnings: first.warnings.iter().map(|w| w.to_string()).collect(),
                        histogram: first
                            .histogram
                            .into_iter()
                            .take(MAX_PAGE as usize)
                            .map(|(class, name, instances, shallow)| HistogramRow {
                                class: Some(class),
                                name,
                                instances,
                                shallow,
                                retained: 0,
                            })
                            .collect(),
                        histogram_classes,
                        phases: self.phases.clone(),
                        memory_estimate_bytes: estimate,
                        wasm_memory_bytes: current,
                    };
                    host.partial(&partial);
                }
                self.pass += 1;
                self.offset = 0;
                self.pass_started = host.now_ms();
                let (phase, feed, _) = self.phase();
                self.tracker
                    .report(host, phase, "", feed.at(0.0), self.pass * total, true);
                Ok(true)
            }
            Ok(PassOutcome::Done) => Ok(false),
            Err(e) => Err(parse_failed(&e)),
        }
    }

    /// After the last pass: the dominator tree, retained sizes and summary.
    pub fn finish(self, host: &mut dyn Host) -> Result<Opened, OpenError> {
        let OpenJob {
            name,
            total,
            settings,
            mut tracker,
            mut phases,
            builder,
            ..
        } = self;
        let Some(graph) = builder.into_graph() else {
            return Err(OpenError {
                message: "the dump ended before its heap could be read".into(),
                offset: None,
                not_hprof: false,
                too_big: None,
            });
        };

        let started = host.now_ms();
        let detail = "dominator tree and retained sizes";
        tracker.report(
            host,
            Phase::Dominators,
            detail,
            Span::DOMINATORS.at(0.0),
            2 * total,
            true,
        );
        let d = Dominance::compute_with_progress(&graph, &mut |f| {
            tracker.report(
                host,
                Phase::Dominators,
                detail,
                Span::DOMINATORS.at(f),
                2 * total,
                false,
            )
        });
        phases.push(PhaseTime {
            phase: Phase::Dominators,
            ms: host.now_ms() - started,
        });

        // The summary reports no progress of its own (~0.15 s for 10 M objects): one step.
        let started = host.now_ms();
        tracker.report(
            host,
            Phase::Analyses,
            "summary",
            Span::ANALYSES.at(0.0),
            2 * total,
            true,
        );
        // The class histogram (~1.2 s for 17 M objects in Chromium) waits for its first use:
        // the overview does not need it.
        let (summary, totals) = summarize_and_totals(&graph, &d);
        phases.push(PhaseTime {
            phase: Phase::Analyses,
            ms: host.now_ms() - started,
        });

        let memory = graph.heap_bytes() as u64 + d.heap_bytes() as u64;
        let analysis_ms = host.now_ms() - tracker.start;
        let wasm_memory = host.memory_bytes();
        Ok(Opened {
            name,
            file_size: total,
            settings,
            graph,
            d,
            summary,
            totals: Some(totals),
            phases,
            analysis_ms,
            memory,
            wasm_memory,
        })
    }
}

fn parse_failed(e: &ParseError) -> OpenError {
    let not_hprof = matches!(e.kind, ErrorKind::NotHprof);
    let message = if not_hprof {
        "This is not a Java heap dump: it does not start with a JAVA PROFILE (HPROF) header, nor is it gzip-compressed. Heap dumps come from jcmd <pid> GC.heap_dump file.hprof, jmap -dump, or -XX:+HeapDumpOnOutOfMemoryError.".to_string()
    } else {
        format!("The dump cannot be parsed {e}.")
    };
    OpenError {
        message,
        offset: Some(e.offset),
        not_hprof,
        too_big: None,
    }
}

/// Where each step of opening a dump sits on the 0..100 progress scale: roughly the shares of
/// the wall time in Chromium on a 16.9 M-object dump (1.1 GB, 12.5 s: pass 1 and its end 34%,
/// pass 2 and its end 36%, dominators 27%, summary 3%).
#[derive(Clone, Copy)]
struct Span(f64, f64);

impl Span {
    const FEED1: Span = Span(0.0, 20.0);
    const END1: Span = Span(20.0, 34.0);
    const FEED2: Span = Span(34.0, 67.0);
    const END2: Span = Span(67.0, 70.0);
    const DOMINATORS: Span = Span(70.0, 97.0);
    const ANALYSES: Span = Span(97.0, 100.0);

    /// Percent at `fraction` (0..=1) of this step.
    fn at(self, fraction: f64) -> f64 {
        self.0 + (self.1 - self.0) * fraction.clamp(0.0, 1.0)
    }
}

/// Progress reporting with rate limiting, a percent that never goes back and a smoothed ETA.
struct Tracker {
    start: f64,
    last: f64,
    total: u64,
    percent: f64,
    /// Last estimate and when it was made.
    eta: Option<(f64, f64)>,
}

impl Tracker {
    fn new(host: &mut dyn Host, total: u64) -> Self {
        Tracker {
            start: host.now_ms(),
            last: f64::NEG_INFINITY,
            total,
            percent: 0.0,
            eta: None,
        }
    }

    /// `percent` of the whole job (see [`Span`]); `bytes_done` counts both passes
    /// (0..=2 × total). Sent if `force` or if the last report is [`PROGRESS_INTERVAL_MS`] / 2 old.
    fn report(
        &mut self,
        host: &mut dyn Host,
        phase: Phase,
        detail: &str,
        percent: f64,
        bytes_done: u64,
        force: bool,
    ) {
        let now = host.now_ms();
        if !force && now - self.last < PROGRESS_INTERVAL_MS / 2.0 {
            return;
        }
        self.last = now;
        self.percent = self.percent.max(percent.clamp(0.0, 100.0));
        let percent = self.percent;
        let elapsed = now - self.start;
        // Rate so far, blended with the previous estimate (counted down since) so that the
        // ETA does not jump with every phase's different speed.
        let eta = (percent >= 2.0 && elapsed >= 500.0).then(|| {
            let raw = elapsed * (100.0 - percent) / percent;
            let eta = match self.eta {
                Some((prev, at)) => 0.7 * (prev - (now - at)).max(0.0) + 0.3 * raw,
                None => raw,
            };
            self.eta = Some((eta, now));
            eta
        });
        host.progress(&Progress {
            phase,
            detail: detail.to_string(),
            bytes_done: bytes_done.min(2 * self.total),
            bytes_total: 2 * self.total,
            percent,
            elapsed_ms: elapsed,
            eta_ms: eta,
        });
    }
}
