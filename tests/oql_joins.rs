//! MAT's six OQL join tests (`OQLTest.testCrossJoin` … `testFullOuterJoin`) on MAT's own JDK 6
//! dump, with their queries verbatim: a subquery as a SELECT item, flattened by an outer
//! `FROM OBJECTS ( … ) z` into one row per nested row (one row with `null` when it has none).
//! MAT asserts bounds (`>= ints`, `<= longs`); the expected row counts here are exact, computed
//! independently of the join from plain scans of the same dump (`SELECT i, i.value FROM
//! java.lang.Integer i`), and every row's values are checked as MAT checks them.

mod common;

use common::oql::{open, Dump};

use heaplens::hprof::reread::ObjectSource;
use heaplens::query::{Cell, Execution, RowSink, Step};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

const DUMP: &str = "outside/mat/sun_jdk6_18_x32.hprof.gz";

/// MAT's queries, as `OQLTest` writes them (with its `\r\n`).
const CROSS: &str = "SELECT z.i AS Integer, z.i.value AS \"Integer value\", z.lv.l AS Boolean, z.lv.l.value as \"Boolean value\" \r\nFROM OBJECTS ( SELECT i, (SELECT l FROM java.lang.Boolean l ) AS lv FROM java.lang.Integer i  ) z";
const LEFT: &str = "SELECT z.i AS Integer, z.i.value AS \"Integer value\", z.lv.l AS Long, z.lv.l.value as \"Long value\"  \r\nFROM OBJECTS ( SELECT i, (SELECT l FROM java.lang.Long l WHERE (l.value = i.value)) AS lv FROM java.lang.Integer i  ) z";
const INNER1: &str = "SELECT z.i AS Integer, z.i.value AS \"Integer value\", z.lv.l AS Long, z.lv.l.value as \"Long value\" \r\nFROM OBJECTS ( SELECT i, (SELECT l FROM java.lang.Long l WHERE (l.value = i.value)) AS lv FROM java.lang.Integer i  ) z WHERE (z.lv != null)";
const INNER2: &str = "SELECT z.iv.i AS Integer, z.iv.i.value AS \"Integer value\", z.l AS Long, z.l.value as \"Long value\" \r\nFROM OBJECTS ( SELECT (SELECT i FROM java.lang.Integer i WHERE (i.value = l.value)) AS iv, l FROM java.lang.Long l  ) z WHERE (z.iv != null)";
const RIGHT: &str = "SELECT z.iv.i AS Integer, z.iv.i.value AS \"Integer value\", z.l AS Long, z.l.value as \"Long value\" \r\nFROM OBJECTS ( SELECT (SELECT i FROM java.lang.Integer i WHERE (i.value = l.value)) AS iv, l FROM java.lang.Long l  ) z";
const FULL: &str = "SELECT z.i AS Integer, z.i.value AS \"Integer value\", z.lv.l AS Long, z.lv.l.value as \"Long value\" \r\nFROM OBJECTS ( SELECT i, (SELECT l FROM java.lang.Long l WHERE (l.value = i.value)) AS lv FROM java.lang.Integer i  ) z \r\nUNION (\r\nSELECT z.iv.i AS Integer, z.iv.i.value AS \"Integer value\", z.l AS Long, z.l.value as \"Long value\" \r\nFROM OBJECTS ( SELECT (SELECT i FROM java.lang.Integer i WHERE (i.value = l.value)) AS iv, l FROM java.lang.Long l  ) z WHERE (z.iv = null)\r\n)";

/// The boxes of one class on the dump: address → value, from a plain scan.
fn boxes(d: &mut Dump, class: &str) -> BTreeMap<String, Cell> {
    let r = d.page(&format!("SELECT b, b.value FROM {class} b"), usize::MAX);
    r.rows
        .into_iter()
        .map(|row| (addr(&row[0]).unwrap().to_string(), row[1].clone()))
        .collect()
}

fn addr(c: &Cell) -> Option<&str> {
    match c {
        Cell::Object(o) => Some(&o.object),
        Cell::Null => None,
        other => panic!("not an object: {other:?}"),
    }
}

fn int(c: &Cell) -> Option<i64> {
    match c {
        Cell::Int(i) => Some(*i),
        Cell::Null => None,
        other => panic!("not an int: {other:?}"),
    }
}

/// How many boxes of `of` hold each value.
fn by_value(of: &BTreeMap<String, Cell>) -> BTreeMap<i64, usize> {
    let mut m = BTreeMap::new();
    for v in of.values() {
        *m.entry(int(v).unwrap()).or_default() += 1;
    }
    m
}

/// Checks one row of an Integer/Long join: the objects are boxes of their class with their
/// value in the next column, and when both sides are there their values are equal.
fn check_row(row: &[Cell], ints: &BTreeMap<String, Cell>, longs: &BTreeMap<String, Cell>) {
    assert_eq!(row.len(), 4);
    if let Some(a) = addr(&row[0]) {
        assert_eq!(ints.get(a), Some(&row[1]), "{row:?}");
    } else {
        assert_eq!(row[1], Cell::Null);
    }
    if let Some(a) = addr(&row[2]) {
        assert_eq!(longs.get(a), Some(&row[3]), "{row:?}");
    } else {
        assert_eq!(row[3], Cell::Null);
    }
    if let (Some(i), Some(l)) = (int(&row[1]), int(&row[3])) {
        assert_eq!(i, l, "{row:?}");
    }
}

struct Fixture {
    d: Dump,
    ints: BTreeMap<String, Cell>,
    longs: BTreeMap<String, Cell>,
    /// Integers with a Long of the same value, and the pairs.
    ints_matched: usize,
    longs_matched: usize,
    pairs: usize,
}

fn fixture() -> Fixture {
    let mut d = open(DUMP);
    let ints = boxes(&mut d, "java.lang.Integer");
    let longs = boxes(&mut d, "java.lang.Long");
    // MAT's counts for this dump (OQLTest's comments: Integer 287, Long 310).
    assert_eq!(ints.len(), 287);
    assert_eq!(longs.len(), 310);
    let (iv, lv) = (by_value(&ints), by_value(&longs));
    let mut f = Fixture {
        d,
        ints_matched: 0,
        longs_matched: 0,
        pairs: 0,
        ints,
        longs,
    };
    for (v, n) in &iv {
        if let Some(m) = lv.get(v) {
            f.ints_matched += n;
            f.longs_matched += m;
            f.pairs += n * m;
        }
    }
    // On this dump: 260 Integers have a Long of their value (256 Longs; some values are boxed
    // by several Integers), 27 Integers and 54 Longs have none.
    assert_eq!((f.pairs, f.ints_matched, f.longs_matched), (260, 260, 256));
    f
}

#[test]
fn cross_join_integer_boolean() {
    let mut f = fixture();
    let bools = boxes(&mut f.d, "java.lang.Boolean");
    assert_eq!(bools.len(), 3);
    let r = f.d.page(CROSS, usize::MAX);
    assert_eq!(
        r.columns,
        ["Integer", "Integer value", "Boolean", "Boolean value"]
    );
    // MAT: ints.length * bools.length.
    assert_eq!(r.total, 287 * 3);
    let mut pairs = BTreeSet::new();
    for row in &r.rows {
        let i = addr(&row[0]).unwrap();
        assert_eq!(f.ints.get(i), Some(&row[1]));
        assert!(matches!(row[1], Cell::Int(_)));
        let b = addr(&row[2]).unwrap();
        assert_eq!(bools.get(b), Some(&row[3]));
        assert!(matches!(row[3], Cell::Bool(_)));
        pairs.insert((i.to_string(), b.to_string()));
    }
    // Every (Integer, Boolean) pair exactly once.
    assert_eq!(pairs.len(), 861);
}

#[test]
fn left_join_integer_long() {
    let mut f = fixture();
    let r = f.d.page(LEFT, usize::MAX);
    let unmatched = 287 - f.ints_matched;
    assert_eq!(r.total as usize, f.pairs + unmatched);
    assert!(r.total >= 287);
    let mut nulls = 0;
    for row in &r.rows {
        assert!(addr(&row[0]).is_some());
        check_row(row, &f.ints, &f.longs);
        nulls += usize::from(row[2] == Cell::Null);
    }
    assert_eq!(nulls, unmatched);
    println!(
        "left join: {} rows ({} pairs, {unmatched} Integers without a Long)",
        r.total, f.pairs
    );
}

#[test]
fn inner_joins_integer_long_both_ways() {
    let mut f = fixture();
    for q in [INNER1, INNER2] {
        let r = f.d.page(q, usize::MAX);
        assert_eq!(r.total as usize, f.pairs, "{q}");
        // MAT: at most ints.length (287) and at most longs.length (310).
        assert!(r.total <= 287);
        for row in &r.rows {
            assert!(addr(&row[0]).is_some() && addr(&row[2]).is_some());
            check_row(row, &f.ints, &f.longs);
        }
    }
    assert!(f.pairs > 0);
    println!(
        "inner join: {} pairs ({} Integers, {} Longs)",
        f.pairs, f.ints_matched, f.longs_matched
    );
}

#[test]
fn right_join_integer_long() {
    let mut f = fixture();
    let r = f.d.page(RIGHT, usize::MAX);
    let unmatched = 310 - f.longs_matched;
    assert_eq!(r.total as usize, f.pairs + unmatched);
    assert!(r.total >= 310);
    let mut nulls = 0;
    for row in &r.rows {
        assert!(addr(&row[2]).is_some());
        check_row(row, &f.ints, &f.longs);
        nulls += usize::from(row[0] == Cell::Null);
    }
    assert_eq!(nulls, unmatched);
}

#[test]
fn full_outer_join_integer_long() {
    let mut f = fixture();
    let r = f.d.page(FULL, usize::MAX);
    let (left_only, right_only) = (287 - f.ints_matched, 310 - f.longs_matched);
    assert_eq!(r.total as usize, f.pairs + left_only + right_only);
    assert!(r.total >= 310);
    let (mut no_long, mut no_int) = (0, 0);
    for row in &r.rows {
        check_row(row, &f.ints, &f.longs);
        no_long += usize::from(row[2] == Cell::Null);
        no_int += usize::from(row[0] == Cell::Null);
    }
    assert_eq!((no_long, no_int), (left_only, right_only));
    println!(
        "full outer join: {} rows ({} pairs, {left_only} Integers alone, {right_only} Longs alone)",
        r.total, f.pairs
    );
}

/// Every row, shared with the test (an execution owns its sink).
#[derive(Default, Clone)]
struct Rows(Rc<RefCell<Vec<Vec<Cell>>>>);

impl RowSink for Rows {
    fn row(&mut self, _: u64, cells: Vec<Cell>) {
        self.0.borrow_mut().push(cells);
    }
}

/// The page's worker runs a query in slices: a join run in tiny steps suspends inside the
/// nested subquery and gives the one-shot rows, in order.
#[test]
fn a_join_in_steps_gives_the_one_shot_rows() {
    let mut f = fixture();
    let once = f.d.page(LEFT, usize::MAX).rows;
    let rows = Rows::default();
    let mut ex = Execution::new(
        &f.d.g,
        Some(&f.d.d),
        Some(Box::new(&mut f.d.src as &mut dyn ObjectSource)),
        LEFT,
        Box::new(rows.clone()),
    )
    .unwrap();
    let mut steps = 0u64;
    loop {
        steps += 1;
        match ex.step(500) {
            Step::Running(_) => {}
            Step::Done(r) => break r.unwrap(),
        }
    }
    drop(ex);
    assert_eq!(rows.0.take(), once);
    // 287 scans of the heap for the nested query: many slices.
    assert!(steps > 287, "{steps} steps");
}

/// Errors in a nested SELECT item keep their position in the whole query; nothing panics.
#[test]
fn errors_in_a_nested_select_item_are_positioned() {
    let mut f = fixture();
    let q = "SELECT z.i FROM OBJECTS ( SELECT i, (SELECT l FROM java.lang.Long l WHERE l.value LIKE \"(\") AS lv FROM java.lang.Integer i ) z";
    let e = heaplens::query::execute(f.d.env(), q, 0, 10).unwrap_err();
    assert_eq!(e.position, q.find("LIKE").unwrap());
    let q = "SELECT z.i FROM OBJECTS ( SELECT i, (SELECT l FROM java.lang.Long l WHERE ) AS lv FROM java.lang.Integer i ) z";
    let e = heaplens::query::execute(f.d.env(), q, 0, 10).unwrap_err();
    assert_eq!(e.position, q.find(") AS lv").unwrap());
}

/// Outside a `FROM OBJECTS`, a subquery item is not flattened: one row per outer object, the
/// nested rows as a list cell of their values.
#[test]
fn a_subquery_item_of_the_outermost_query_is_a_list_cell() {
    let mut f = fixture();
    let r = f.d.page(
        "SELECT i, (SELECT l FROM java.lang.Boolean l) AS lv FROM java.lang.Integer i",
        usize::MAX,
    );
    assert_eq!(r.total, 287);
    for row in &r.rows {
        let Cell::List(l) = &row[1] else {
            panic!("{row:?}")
        };
        assert_eq!(l.len(), 3);
        assert!(l
            .iter()
            .all(|c| matches!(c, Cell::Object(o) if o.class == "java.lang.Boolean")));
    }
}

/// As in MAT, every list of a row is flattened, side by side: `outbounds(s)` as an item gives
/// one row per object a Thread refers to, paired with the Thread.
#[test]
fn a_function_list_item_is_flattened_too() {
    let mut f = fixture();
    let lists =
        f.d.page("SELECT s, outbounds(s) FROM java.lang.Thread s", usize::MAX);
    let mut want = Vec::new();
    for row in &lists.rows {
        let Cell::List(l) = &row[1] else {
            panic!("{row:?}")
        };
        assert!(!l.is_empty());
        want.extend(l.iter().map(|o| vec![row[0].clone(), o.clone()]));
    }
    let r = f.d.page(
        "SELECT z.s, z.o FROM OBJECTS ( SELECT s, outbounds(s) AS o FROM java.lang.Thread s ) z",
        usize::MAX,
    );
    assert_eq!(r.rows, want);
    assert!(
        r.total > 2 * lists.total,
        "{} rows for {} Threads",
        r.total,
        lists.total
    );
}
