//! OQL run in steps (`query::Execution`, what the page's worker does between its messages):
//! a run stepped with tiny budgets gives the one-shot result on real JVM dumps (counts equal
//! the JVM's class histograms), every kind of query suspends at bounded intervals (the
//! outermost scan, a FROM subquery, a subquery in WHERE, AS RETAINED SET, DISTINCT, UNION,
//! the inbounds() index), and a cancelled run stops with a typed `Cancelled` and keeps
//! nothing.

mod common;

use common::oql::{open, Dump};

use heaplens::graph::Dominance;
use heaplens::hprof::reread::ObjectSource;
use heaplens::query::{Cell, Execution, Phase, QueryErrorKind, QueryResult, RowSink, Step};
use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

/// Every row, shared with the test (an execution owns its sink).
#[derive(Default, Clone)]
struct Rows(Rc<RefCell<Vec<Vec<Cell>>>>);

impl RowSink for Rows {
    fn row(&mut self, _: u64, cells: Vec<Cell>) {
        self.0.borrow_mut().push(cells);
    }
}

/// What a stepped run saw: its rows, how many steps it took, the phases it reported.
struct Stepped {
    rows: Vec<Vec<Cell>>,
    steps: u64,
    phases: HashSet<Phase>,
}

impl Dump {
    fn one_shot(&mut self, text: &str) -> QueryResult {
        self.page(text, usize::MAX)
    }

    fn start(&mut self, text: &str, rows: &Rows) -> Execution<'_> {
        Execution::new(
            &self.g,
            Some(&self.d),
            Some(Box::new(&mut self.src as &mut dyn ObjectSource)),
            text,
            Box::new(rows.clone()),
        )
        .unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn stepped(&mut self, text: &str, units: u64) -> Stepped {
        let rows = Rows::default();
        let mut ex = self.start(text, &rows);
        let mut steps = 0;
        let mut phases = HashSet::new();
        loop {
            steps += 1;
            match ex.step(units) {
                Step::Running(p) => {
                    phases.insert(p.phase);
                    assert!(p.done <= p.total, "{text}: {p:?}");
                }
                Step::Done(r) => {
                    r.unwrap_or_else(|e| panic!("{text}: {e}"));
                    break;
                }
            }
        }
        drop(ex);
        let rows = rows.0.take();
        Stepped {
            rows,
            steps,
            phases,
        }
    }
}

#[test]
fn stepped_counts_equal_the_jvm_histograms() {
    let mut d = open("retry_buffer.hprof.gz");
    let objects = d.g.node_count() as u64;
    let classes = common::app_histogram("retry_buffer");
    assert!(!classes.is_empty());
    for (class, count) in classes {
        let text = format!("SELECT * FROM {class}");
        let s = d.stepped(&text, 1);
        assert_eq!(s.rows.len() as u64, count, "{class}");
        // A unit per object scanned: the scan stopped once per object.
        assert!(s.steps > objects, "{class}: {} steps", s.steps);
    }
}

#[test]
fn stepped_results_equal_one_shot_results() {
    let mut d = open("retry_buffer.hprof.gz");
    let queries = [
        // A class scan with a field predicate (fields read from the dump).
        "SELECT b, b.@retainedHeapSize FROM com.example.retry.ResultBatch b WHERE b.@retainedHeapSize > 4000",
        // A regex over every String.
        "SELECT s, toString(s) FROM java.lang.String s WHERE toString(s) LIKE \".*Retry.*\"",
        // AS RETAINED SET (a walk of the heap after the scan).
        "SELECT AS RETAINED SET * FROM com.example.retry.ResultBatch",
        // DISTINCT and UNION.
        "SELECT DISTINCT OBJECTS classof(n) FROM INSTANCEOF java.util.AbstractMap n UNION (SELECT DISTINCT OBJECTS classof(x) FROM java.util.HashMap$Node x)",
        // A FROM subquery and a subquery in WHERE.
        "SELECT * FROM OBJECTS (SELECT OBJECTS dominatorof(b) FROM com.example.retry.ResultBatch b) o",
        "SELECT t FROM INSTANCEOF java.lang.Thread t WHERE t IN (SELECT OBJECTS dominatorof(s) FROM java.lang.String s)",
        // inbounds() builds its index in steps.
        "SELECT b, inbounds(b).size() FROM com.example.retry.ResultBatch b",
    ];
    for text in queries {
        let want = d.one_shot(text);
        assert!(want.total > 0, "{text}: no rows to compare");
        for units in [1, 97, 4096] {
            let s = d.stepped(text, units);
            assert_eq!(
                s.rows.len() as u64,
                want.total,
                "{text} in steps of {units}"
            );
            assert_eq!(s.rows, want.rows, "{text} in steps of {units}");
        }
    }
}

#[test]
fn every_kind_of_work_suspends() {
    let mut d = open("retry_buffer.hprof.gz");
    let objects = d.g.node_count() as u64;
    let retained = d.stepped(
        "SELECT AS RETAINED SET * FROM com.example.retry.ResultBatch",
        64,
    );
    assert!(retained.phases.contains(&Phase::RetainedSet));
    let inbounds = d.stepped(
        "SELECT inbounds(b) FROM com.example.retry.ResultBatch b",
        64,
    );
    assert!(inbounds.phases.contains(&Phase::Inbounds));
    // A subquery in WHERE runs once per outer object: a cross join (the Threads × every
    // String) is interrupted inside the inner scans, not only between outer objects.
    let threads = d
        .one_shot("SELECT * FROM INSTANCEOF java.lang.Thread")
        .total;
    let cross = d.stepped(
        "SELECT t FROM INSTANCEOF java.lang.Thread t WHERE t IN (SELECT OBJECTS dominatorof(s) FROM java.lang.String s)",
        1000,
    );
    assert!(
        cross.steps >= (threads + 1) * objects / 1000,
        "{} steps for {threads} threads × {objects} objects",
        cross.steps
    );
    // UNION: both parts' scans count.
    let union = d.stepped(
        "SELECT * FROM java.lang.Integer UNION (SELECT * FROM java.lang.Long)",
        1000,
    );
    assert!(union.steps >= 2 * objects / 1000, "{} steps", union.steps);
}

#[test]
fn a_cancelled_run_is_typed_and_keeps_nothing() {
    let mut d = open("retry_buffer.hprof.gz");
    let text = "SELECT s FROM java.lang.String s WHERE toString(s) LIKE \".*e.*\"";
    let full = d.one_shot(text).total;
    let objects = d.g.node_count() as u64;
    let rows = Rows::default();
    let mut ex = d.start(text, &rows);
    let mut progress = None;
    for _ in 0..5 {
        match ex.step(1000) {
            Step::Running(p) => progress = Some(p),
            Step::Done(r) => panic!("ended early: {r:?}"),
        }
    }
    let p = progress.expect("running");
    assert_eq!(p.phase, Phase::Scan);
    assert_eq!(p.total, objects);
    assert!(p.done > 0 && p.done < p.total, "{p:?}");
    let e = ex.cancel();
    assert!(e.is_cancelled());
    assert_eq!(e.kind, QueryErrorKind::Cancelled);
    // The run's sink was dropped with it: the test holds the only handle left.
    assert_eq!(Rc::strong_count(&rows.0), 1);
    assert!((rows.0.borrow().len() as u64) < full);
    // The same text runs again from the start, whole.
    assert_eq!(d.stepped(text, 5000).rows.len() as u64, full);
}

#[test]
fn a_step_after_the_end_and_a_syntax_error_are_errors() {
    let mut d = open("retry_buffer.hprof.gz");
    let rows = Rows::default();
    let mut ex = d.start("SELECT * FROM com.example.retry.ResultBatch", &rows);
    assert_eq!(ex.columns(), ["object"]);
    while let Step::Running(_) = ex.step(1 << 20) {}
    assert!(matches!(ex.step(10), Step::Done(Err(_))));
    drop(ex);
    let e = Execution::new(
        &d.g,
        None::<&Dominance>,
        None,
        "SELECT FROM",
        Box::new(Rows::default()),
    )
    .err()
    .expect("a syntax error");
    assert_eq!(e.kind, QueryErrorKind::Invalid);
    assert!(e.position > 0);
}
