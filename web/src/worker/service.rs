//! The worker's dispatcher: plain Rust, no JS, so it is unit-tested natively.
//!
//! The wasm glue in [`super::entry`] only decodes messages, wraps the posted `File` as a
//! [`DumpSource`], calls [`Service::handle_with`] and posts the reply. [`Service`] routes each
//! method: opening a dump ([`super::open::OpenJob`]: the two passes, the dominator tree and
//! the summary, with progress; between the passes the memory check, [`super::memory`], and the
//! first pass's results to [`Host::partial`]), the hand-over and kept analyses
//! ([`super::handover`]), OQL queries ([`super::query`]), and every request about the open dump
//! to [`super::routes`], which answers from the analyses the open dump
//! ([`super::session::Loaded`]) computes on first use and keeps. Nothing here analyses: the
//! analyses, and the rows and pages the page lists, are the core's.

use heaplens::analysis::Histogram;
use heaplens::hprof::reread::ObjectSource;

use super::host::{DumpSource, Host, NullHost, CHUNK_BYTES};
use super::open::{OpenJob, Opened};
use super::query::{Answer, Queries, SLICE_MS};
use super::query_run::SharedSource;
use super::session::Loaded;
use crate::protocol::*;

/// Serves the requests of one UI; lives as long as the worker.
#[derive(Default)]
pub struct Service {
    pub(super) dump: Option<Loaded>,
    /// OQL: the dump's file (to read fields again) and the last result's rows.
    pub(super) queries: Queries,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("open", &self.dump.as_ref().map(|d| &d.name))
            .finish()
    }
}

impl Service {
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles a message that needs no attachment and reports no progress.
    pub fn handle(&mut self, msg: &ToWorker) -> Reply {
        self.handle_with(msg, None, &mut NullHost)
    }

    /// Handles one message: routes its method to the code that answers it and encodes the
    /// answer. `source` is what was posted next to it ([`req::Open`]'s file, [`req::Restore`]'s
    /// snapshot). An unknown method or malformed params are an error reply, never a panic.
    pub fn handle_with(
        &mut self,
        msg: &ToWorker,
        source: Option<&mut dyn DumpSource>,
        host: &mut dyn Host,
    ) -> Reply {
        let params = msg.params.clone();
        match msg.method.as_str() {
            req::Ping::METHOD => answer::<req::Ping>(params, |p| Ok(p.echo)),
            req::WarmUp::METHOD => {
                answer::<req::WarmUp>(params, |()| Ok(super::warm::warm_up_once(host)))
            }
            req::Open::METHOD => answer::<req::Open>(params, |p| {
                let src = source.ok_or("open: no file was posted with the request")?;
                Ok(self.open(p.name, p.size, p.settings, p.reserved_bytes, src, host))
            }),
            req::Restore::METHOD => answer::<req::Restore>(params, |()| {
                let src = source.ok_or("restore: no snapshot was posted with the request")?;
                self.restore(src, host)
            }),
            // The Origin Private File System is the worker's (`worker::keep`), not the service's.
            req::Keep::METHOD | req::OpenKept::METHOD => {
                Err(format!("{} needs the browser's worker", msg.method))
            }
            req::Query::METHOD => match self.dump.as_ref() {
                None => Err("no heap dump is open".into()),
                Some(dump) => answer::<req::Query>(params, |q| {
                    Ok(self.queries.page(&dump.graph, &dump.d, q, host))
                }),
            },
            // Reads values the build did not keep from the dump file (as the CLI does).
            req::GroupByValue::METHOD => match self.dump.as_mut() {
                None => Err("no heap dump is open".into()),
                Some(dump) => answer::<req::GroupByValue>(params, |q| {
                    announce(host, "group by value");
                    let mut shared = self.queries.reader().map(SharedSource);
                    let source = shared.as_mut().map(|s| s as &mut dyn ObjectSource);
                    dump.explore.group_by_value(&dump.graph, &dump.d, q, source)
                }),
            },
            // The inspector reads the fields the build did not keep from the dump too.
            req::Object::METHOD => match self.dump.as_mut() {
                None => Err("no heap dump is open".into()),
                Some(dump) => answer::<req::Object>(params, |q| {
                    let mut shared = self.queries.reader().map(SharedSource);
                    let source = shared.as_mut().map(|s| s as &mut dyn ObjectSource);
                    Ok(Box::new(dump.object(&q.object, source, host)?))
                }),
            },
            // Nothing runs between messages here (see `handle_stepwise`).
            req::CancelQuery::METHOD => {
                answer::<req::CancelQuery>(params, |()| Ok(self.queries.cancel().0))
            }
            method => match self.dump.as_mut() {
                _ if !req::METHODS.contains(&method) => Err(format!("unknown request {method:?}")),
                None => Err("no heap dump is open".into()),
                Some(dump) => dump.serve(method, params, host),
            },
        }
    }

    /// Handles one message as the worker does: a [`req::Query`] that must run starts a run in
    /// slices ([`Self::query_slice`]) and is answered when it ends; a [`req::CancelQuery`]
    /// or a newer query stops the run (its requests are answered: cancelled); anything else is
    /// answered now ([`Self::handle_with`]), also while a query runs. Returns the replies
    /// ready now, by request id.
    pub fn handle_stepwise(
        &mut self,
        msg: &ToWorker,
        source: Option<&mut dyn DumpSource>,
        host: &mut dyn Host,
    ) -> Vec<(RequestId, Reply)> {
        let id = msg.id;
        match msg.method.as_str() {
            req::Query::METHOD => {
                let Some(dump) = self.dump.as_ref() else {
                    return vec![(id, Err("no heap dump is open".into()))];
                };
                match params_of::<req::Query>(msg.params.clone()) {
                    Err(e) => vec![(id, Err(e))],
                    Ok(q) => encode_answers(self.queries.submit(id, q, &dump.graph, &dump.d, host)),
                }
            }
            req::CancelQuery::METHOD => {
                let (was, answers) = self.queries.cancel();
                let mut out = encode_answers(answers);
                out.push((id, Ok(serde_json::Value::Bool(was))));
                out
            }
            method => {
                // Another dump replaces this one: the query running stops first.
                let mut out = if method == req::Open::METHOD || method == req::Restore::METHOD {
                    encode_answers(self.queries.cancel().1)
                } else {
                    Vec::new()
                };
                out.push((id, self.handle_with(msg, source, host)));
                out
            }
        }
    }

    /// Whether a query is running ([`Self::query_slice`] should be called again soon).
    pub fn query_running(&self) -> bool {
        self.queries.running()
    }

    /// Runs the query running for about [`SLICE_MS`]; the replies of its requests once it
    /// has ended.
    pub fn query_slice(&mut self, host: &mut dyn Host) -> Vec<(RequestId, Reply)> {
        let Some(dump) = self.dump.as_ref() else {
            return encode_answers(self.queries.cancel().1);
        };
        encode_answers(self.queries.slice(SLICE_MS, &dump.graph, &dump.d, host))
    }

    /// Asks `R` as the UI would, through the JSON wire form (for native callers and tests).
    pub fn request<R: Request>(&mut self, params: &R::Params) -> Result<R::Response, String> {
        self.request_with::<R>(params, None, &mut NullHost)
    }

    /// [`Self::request`] with an attachment and a host.
    pub fn request_with<R: Request>(
        &mut self,
        params: &R::Params,
        source: Option<&mut dyn DumpSource>,
        host: &mut dyn Host,
    ) -> Result<R::Response, String> {
        let reply = self.handle_with(&ToWorker::new::<R>(0, params), source, host)?;
        response_of::<R>(reply)
    }

    fn open(
        &mut self,
        name: String,
        size: u64,
        settings: OpenSettings,
        reserved: u64,
        source: &mut dyn DumpSource,
        host: &mut dyn Host,
    ) -> OpenOutcome {
        let total = source.size().max(size);
        let mut job = match self.begin_open(name, total, settings, host) {
            Ok(job) => job.reserving(reserved),
            Err(e) => return OpenOutcome::Failed(e),
        };
        let mut buf = vec![0u8; CHUNK_BYTES];
        loop {
            // The file in order, without the ranges the pass leaves out, each read fed as it
            // comes; a read of nothing is where the file ends.
            'pass: for (offset, len) in job.reads(CHUNK_BYTES as u64) {
                let mut done = 0u64;
                while done < len {
                    let want = &mut buf[..(len - done) as usize];
                    let n = match source.read_at(offset + done, want) {
                        Ok(0) => break 'pass,
                        Ok(n) => n,
                        Err(e) => return OpenJob::read_failed(offset + done, &e),
                    };
                    if let Err(e) = job.feed(&want[..n], host) {
                        return OpenOutcome::Failed(e);
                    }
                    done += n as u64;
                }
            }
            match job.end_of_data(host) {
                Ok(true) => continue,
                Ok(false) => break,
                Err(e) => return OpenOutcome::Failed(e),
            }
        }
        drop(buf);
        self.complete(job, host)
    }

    /// The dump's file, kept to read fields again for queries (the `File` of the `Open`, or
    /// of the `Restore` after a hand-over). Forgets the last query's rows.
    /// Returns the replies of a query it stopped.
    pub fn attach_file(&mut self, file: Box<dyn DumpSource>) -> Vec<(RequestId, Reply)> {
        encode_answers(self.queries.attach(file))
    }

    /// Whether the leak suspects of the open dump are computed.
    pub fn suspects_ready(&self) -> bool {
        self.dump.as_ref().is_some_and(|d| d.suspects.is_some())
    }

    /// Frees the open dump.
    pub fn close(&mut self) {
        self.dump = None;
    }

    /// Starts opening a dump of `total` bytes as `settings` say (the previous dump is freed
    /// first): the caller feeds the returned job the file's bytes, pass after pass, then calls
    /// [`Self::complete`].
    pub fn begin_open(
        &mut self,
        name: String,
        total: u64,
        settings: OpenSettings,
        host: &mut dyn Host,
    ) -> Result<OpenJob, OpenError> {
        self.dump = None;
        OpenJob::start(name, total, settings, host)
    }

    /// Ends opening after the job's last pass: computes the rest of the analysis and keeps the
    /// dump for the next requests. Answers its overview or why it failed.
    pub fn complete(&mut self, job: OpenJob, host: &mut dyn Host) -> OpenOutcome {
        let opened = match job.finish(host) {
            Ok(opened) => opened,
            Err(e) => return OpenOutcome::Failed(e),
        };
        self.keep(opened, None, None, None)
    }

    /// Keeps an opened (or restored) dump for the next requests, with the analyses already
    /// computed, and answers its overview.
    pub(super) fn keep(
        &mut self,
        opened: Opened,
        hist: Option<Histogram>,
        suspects: Option<SuspectsResult>,
        process_memory: Option<Box<ProcessMemoryView>>,
    ) -> OpenOutcome {
        let loaded = Loaded::new(opened, hist, suspects, process_memory);
        let overview = loaded.overview();
        self.dump = Some(loaded);
        // A query of the previous dump stopped when this one's Open or Restore came.
        let _ = self.queries.forget();
        OpenOutcome::Opened(Box::new(overview))
    }
}

/// The answer to one message: the request's response as JSON, or why it failed.
pub type Reply = Result<serde_json::Value, String>;

/// Query answers as replies.
fn encode_answers(answers: Vec<Answer>) -> Vec<(RequestId, Reply)> {
    answers
        .into_iter()
        .map(|(id, page)| {
            // A page holds strings, numbers and options: it always encodes.
            let v = serde_json::to_value(page).expect("a query page serializes");
            (id, Ok(v))
        })
        .collect()
}

/// Decodes `R`'s params, runs `f`, encodes its response: the one place a route meets JSON.
pub(super) fn answer<R: Request>(
    params: serde_json::Value,
    f: impl FnOnce(R::Params) -> Result<R::Response, String>,
) -> Reply {
    let response = f(params_of::<R>(params)?)?;
    // Responses hold only strings, numbers, options, vectors and enums: they always encode.
    Ok(serde_json::to_value(response).expect("protocol responses always serialize"))
}

/// Analyses report progress only at their start (they have no callbacks).
pub(super) fn announce(host: &mut dyn Host, detail: &str) {
    host.progress(&Progress {
        phase: Phase::Analyses,
        detail: detail.to_string(),
        bytes_done: 0,
        bytes_total: 0,
        percent: 95.0,
        elapsed_ms: 0.0,
        eta_ms: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_pongs() {
        let mut s = Service::new();
        assert_eq!(
            s.request::<req::Ping>(&PingParams { echo: "x".into() }),
            Ok("x".to_string())
        );
    }

    #[test]
    fn warms_up_once() {
        let mut s = Service::new();
        // The first answer is `true` unless another test of this process warmed up already.
        assert!(s.request::<req::WarmUp>(&()).is_ok());
        assert_eq!(s.request::<req::WarmUp>(&()), Ok(false));
        // Nothing of the warm-up's dump stays open.
        assert!(s.request::<req::Suspects>(&()).is_err());
    }

    #[test]
    fn requests_without_a_dump_are_errors() {
        let mut s = Service::new();
        assert!(s.request::<req::Suspects>(&()).is_err());
        let unknown = ToWorker {
            id: 1,
            method: "format_disk".into(),
            params: serde_json::Value::Null,
        };
        assert_eq!(
            s.handle(&unknown),
            Err("unknown request \"format_disk\"".into())
        );
        assert!(s
            .request::<req::Open>(&OpenParams {
                name: "x".into(),
                size: 0,
                settings: Default::default(),
                reserved_bytes: 0,
            })
            .is_err());
    }
}
