//! The worker's OQL in slices, natively (what `worker::entry` does between its messages): a
//! query runs a slice at a time ([`Service::query_slice`]), reports its progress, is stopped by
//! [`req::CancelQuery`] or by a newer query (its request answered with a cancelled error,
//! nothing of it kept), other requests are answered while it runs, and the answers equal the
//! one-shot ones (counts equal the JVM's histogram).
#![cfg(not(target_arch = "wasm32"))]

use heaplens::query::QueryErrorKind;
use heaplens_web::protocol::*;
use heaplens_web::worker::{Host, Service};

mod common;

/// A service with `retry_buffer.hprof.gz` open and its file attached.
fn open() -> Service {
    common::open_retry_buffer().0
}

/// Replies by request id, as the worker posts them.
type Replies = Vec<(RequestId, Result<serde_json::Value, String>)>;

/// A clock that advances 5 ms each time it is read (a step then seems to take 5 ms, so its
/// budget stays at 4,096 objects, and a slice of 40 ms is ~4 steps), and the query progress
/// posted.
#[derive(Default)]
struct Clock {
    ms: f64,
    progress: Vec<QueryProgress>,
}

impl Host for Clock {
    fn now_ms(&mut self) -> f64 {
        self.ms += 5.0;
        self.ms
    }
    fn progress(&mut self, _: &Progress) {}
    fn query_progress(&mut self, p: &QueryProgress) {
        self.progress.push(p.clone());
    }
}

/// The answer to `id` among `replies`, as a query page.
fn page_of(replies: &Replies, id: RequestId) -> Option<QueryPage> {
    replies.iter().find(|(i, _)| *i == id).map(|(_, r)| {
        response_of::<req::Query>(r.clone().expect("a query is answered with a page")).unwrap()
    })
}

fn ask<R: Request>(s: &mut Service, host: &mut Clock, id: RequestId, p: &R::Params) -> Replies {
    s.handle_stepwise(&ToWorker::new::<R>(id, p), None, host)
}

fn q(text: &str, offset: u64, limit: u32) -> QueryParams {
    QueryParams {
        text: text.into(),
        offset,
        limit,
    }
}

/// Slices until the query ends; all replies, and how many slices it took.
fn run_out(s: &mut Service, host: &mut Clock) -> (Replies, u32) {
    let mut replies = Vec::new();
    let mut slices = 0;
    while s.query_running() {
        slices += 1;
        replies.extend(s.query_slice(host));
    }
    (replies, slices)
}

/// A regex over every String (reads the long ones from the .hprof.gz).
const SLOW: &str = "SELECT s FROM java.lang.String s WHERE toString(s) LIKE \".*e.*\"";
const BATCHES: &str = "SELECT * FROM com.example.retry.ResultBatch";

#[test]
fn a_query_runs_in_slices_and_answers_like_one_shot() {
    let mut one_shot = open();
    let want = one_shot.request::<req::Query>(&q(SLOW, 0, 1000)).unwrap();
    assert!(want.total > 1000, "{}", want.total);

    let mut s = open();
    let mut clock = Clock::default();
    // Two pages asked while it runs: both answered when it ends.
    assert!(ask::<req::Query>(&mut s, &mut clock, 1, &q(SLOW, 0, 1000)).is_empty());
    assert!(s.query_running());
    assert!(ask::<req::Query>(&mut s, &mut clock, 2, &q(SLOW, 1000, 10)).is_empty());
    // Another view's request is answered at once while the query runs.
    let other = ask::<req::Summary>(&mut s, &mut clock, 3, &());
    assert_eq!(other.len(), 1);
    assert_eq!(other[0].0, 3);
    assert!(other[0].1.is_ok());
    assert!(s.query_running());

    let (replies, slices) = run_out(&mut s, &mut clock);
    assert!(slices > 1, "{slices} slices");
    let first = page_of(&replies, 1).expect("page 0 answered");
    assert_eq!(first.error, None);
    assert_eq!((first.total, &first.rows), (want.total, &want.rows));
    assert!(first.ms > 0.0);
    let second = page_of(&replies, 2).expect("page 1 answered");
    assert_eq!((second.offset, second.rows.len()), (1000, 10));
    // Progress while it ran: the outermost scan over every object.
    let last = clock.progress.last().expect("progress reported");
    assert_eq!(last.text, SLOW);
    assert!(last.done > 0 && last.done <= last.total);
    assert!(clock
        .progress
        .windows(2)
        .all(|w| w[1].elapsed_ms - w[0].elapsed_ms >= PROGRESS_INTERVAL_MS / 2.0));
}

#[test]
fn cancel_stops_the_run_and_keeps_nothing() {
    let mut s = open();
    let mut clock = Clock::default();
    assert!(ask::<req::Query>(&mut s, &mut clock, 1, &q(SLOW, 0, 100)).is_empty());
    assert!(s.query_slice(&mut clock).is_empty());
    let replies = ask::<req::CancelQuery>(&mut s, &mut clock, 2, &());
    assert!(!s.query_running());
    let stopped = page_of(&replies, 1).expect("the query's request is answered");
    let e = stopped.error.expect("cancelled");
    assert_eq!(e.kind, QueryErrorKind::Cancelled);
    assert_eq!(stopped.rows.len(), 0);
    let (_, was) = replies.iter().find(|(i, _)| *i == 2).unwrap();
    assert_eq!(was.as_ref().unwrap(), &serde_json::Value::Bool(true));
    // Nothing to cancel now.
    let again = ask::<req::CancelQuery>(&mut s, &mut clock, 3, &());
    assert_eq!(
        again[0].1.as_ref().unwrap(),
        &serde_json::Value::Bool(false)
    );

    // A small query afterwards answers correctly (the JVM's count).
    assert!(ask::<req::Query>(&mut s, &mut clock, 4, &q(BATCHES, 0, 10)).is_empty());
    let (replies, _) = run_out(&mut s, &mut clock);
    let page = page_of(&replies, 4).unwrap();
    assert_eq!((page.error, page.total, page.rows.len()), (None, 2000, 10));

    // The cancelled text runs again from the start, whole.
    let whole = open().request::<req::Query>(&q(SLOW, 0, 1)).unwrap().total;
    assert!(ask::<req::Query>(&mut s, &mut clock, 5, &q(SLOW, 0, 1)).is_empty());
    let (replies, _) = run_out(&mut s, &mut clock);
    assert_eq!(page_of(&replies, 5).unwrap().total, whole);
}

#[test]
fn a_newer_query_supersedes_the_running_one() {
    let mut s = open();
    let mut clock = Clock::default();
    assert!(ask::<req::Query>(&mut s, &mut clock, 1, &q(SLOW, 0, 100)).is_empty());
    assert!(s.query_slice(&mut clock).is_empty());
    let replies = ask::<req::Query>(&mut s, &mut clock, 2, &q(BATCHES, 0, 5));
    let stopped = page_of(&replies, 1).expect("the older query is answered");
    assert!(stopped.error.unwrap().is_cancelled());
    assert!(page_of(&replies, 2).is_none());
    let (replies, _) = run_out(&mut s, &mut clock);
    let page = page_of(&replies, 2).unwrap();
    assert_eq!((page.error, page.total, page.rows.len()), (None, 2000, 5));
    // Its later pages come from the rows kept, at once.
    let next = ask::<req::Query>(&mut s, &mut clock, 3, &q(BATCHES, 5, 5));
    assert_eq!(page_of(&next, 3).unwrap().offset, 5);
    // A syntax error is answered at once, without a run.
    let bad = ask::<req::Query>(&mut s, &mut clock, 4, &q("SELECT FROM", 0, 5));
    assert_eq!(
        page_of(&bad, 4).unwrap().error.unwrap().kind,
        QueryErrorKind::Invalid
    );
    assert!(!s.query_running());
}
