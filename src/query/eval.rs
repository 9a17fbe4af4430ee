//! Executes a parsed query, streaming its rows to a [`RowSink`]: a class scan walks the nodes
//! once and holds one row at a time, so a query over 100 M objects never builds 100 M rows
//! (only `DISTINCT`, which remembers the rows it has seen, and `AS RETAINED SET`, a bitmap of
//! the heap, hold more).
//!
//! The evaluator is resumable: its loops are `async` and call [`Eval::tick`] once per object
//! (per FROM item, per object marked for a retained set, per object indexed for `inbounds`),
//! which suspends the whole evaluation, however deeply nested (a subquery in a WHERE, the
//! inner query of a FROM, a UNION's parts), when the budget of the current
//! [`super::execution::Execution::step`] is spent. No executor or thread is involved: the
//! execution polls the one future by hand.
//!
//! Nesting without callbacks: each running query has a [`Frame`] on a stack, and a row is
//! handed to the frame that consumes it ([`Eval::emit`]): the sink (the result), a list being
//! collected (a subquery used as a value), or the query whose FROM is this subquery. Only
//! expressions that contain a subquery (or an `inbounds()` whose index is not built yet) take
//! the `async` path ([`Eval::eval_a`]); all others are evaluated synchronously ([`Eval::eval`]),
//! so the per-object cost of a plain scan is that of a loop.

use super::ast::*;
use super::execution::{Pace, Phase, RowSink};
use super::objects::Heap;
use super::value::{arith, compare, equals, text, Arith, Cell, Key, V};
use super::QueryError;
use crate::graph::dominators::Successors;
use crate::graph::{HeapGraph, Node, NO_CLASS};
use crate::hprof::Id;
use regex::Regex;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering as AtOrd};
use std::task::{Context, Poll};

type Boxed<'s, T> = Pin<Box<dyn Future<Output = Result<T, QueryError>> + 's>>;

/// Who consumes the rows a query produces.
enum Frame<'a> {
    /// The result: rows go to the sink.
    Top,
    /// A subquery used as a value: its rows are collected.
    Collect(Vec<Vec<V>>),
    /// A running query: rows of its FROM's subquery become its items; its own rows go to
    /// frame `consumer`.
    Stage {
        q: &'a Query,
        consumer: usize,
        seen: HashSet<Key>,
        retained: Option<Vec<u64>>,
        /// Column names of the FROM's subquery (its rows become `Row` items when several).
        names: Vec<String>,
    },
}

/// Suspends the evaluation once (the execution's step returns; the next step resumes here).
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

pub(crate) struct Eval<'a> {
    pub heap: Heap<'a>,
    cancel: Option<&'a AtomicBool>,
    pace: Rc<Pace>,
    sink: Box<dyn RowSink + 'a>,
    /// Rows handed to the sink so far.
    rows: u64,
    frames: Vec<Frame<'a>>,
    /// Class scans running (the outermost one reports progress).
    scans: u32,
    /// (alias, current object) of each FROM being iterated, innermost last.
    scope: Vec<(Option<&'a str>, V)>,
    by_name: Option<HashMap<String, Vec<u32>>>,
    regexes: HashMap<String, Regex>,
    /// Reverse edges (CSR: `inbound_at[v]..inbound_at[v + 1]` in `inbound`), built on the first
    /// `inbounds()` call.
    inbound_at: Vec<u32>,
    inbound: Vec<Node>,
    ticks: u64,
}

fn err(pos: usize, msg: impl Into<String>, hint: &str) -> QueryError {
    QueryError::at(pos, msg, hint)
}

fn bit(set: &[u64], v: Node) -> bool {
    set[v.index() / 64] & (1 << (v.get() % 64)) != 0
}

fn set_bit(set: &mut [u64], v: Node) {
    set[v.index() / 64] |= 1 << (v.get() % 64);
}

impl<'a> Eval<'a> {
    pub(crate) fn new(
        heap: Heap<'a>,
        cancel: Option<&'a AtomicBool>,
        pace: Rc<Pace>,
        sink: Box<dyn RowSink + 'a>,
    ) -> Self {
        Eval {
            heap,
            cancel,
            pace,
            sink,
            rows: 0,
            frames: Vec::new(),
            scans: 0,
            scope: Vec::new(),
            by_name: None,
            regexes: HashMap::new(),
            inbound_at: Vec::new(),
            inbound: Vec::new(),
            ticks: 0,
        }
    }

    fn g(&self) -> &'a HeapGraph {
        self.heap.g
    }

    /// One unit of work: checks the cancel flag every 4,096 calls, and suspends the evaluation
    /// when the step's budget is spent.
    async fn tick(&mut self) -> Result<(), QueryError> {
        self.ticks += 1;
        if self.ticks % 4096 == 0 {
            if let Some(c) = self.cancel {
                if c.load(AtOrd::Relaxed) {
                    return Err(QueryError::cancelled());
                }
            }
        }
        let left = self.pace.left.get();
        if left <= 1 {
            self.pace.left.set(0);
            YieldNow(false).await;
        } else {
            self.pace.left.set(left - 1);
        }
        Ok(())
    }

    fn report(&self, phase: Phase, done: u64, total: u64) {
        self.pace.report(phase, done, total, self.rows);
    }

    /// Column names of a query's result.
    pub(crate) fn columns(q: &Query) -> Vec<String> {
        match &q.columns {
            Some(cols) if !q.objects && !q.retained => {
                cols.iter().map(|c| c.name.clone()).collect()
            }
            _ => vec!["object".to_string()],
        }
    }

    /// Runs `q` (and its UNIONs), handing every row to the sink.
    pub(crate) async fn run_top(&mut self, q: &'a Query) -> Result<(), QueryError> {
        self.frames.push(Frame::Top);
        self.run_query(q, 0).await
    }

    /// Runs `q` and its UNIONs, handing their rows to frame `consumer`.
    fn run_query<'s>(&'s mut self, q: &'a Query, consumer: usize) -> Boxed<'s, ()> {
        Box::pin(async move {
            let level = self.frames.len();
            let names = match &q.from.source {
                Source::Sub(inner) => Self::columns(inner),
                _ => Vec::new(),
            };
            self.frames.push(Frame::Stage {
                q,
                consumer,
                seen: HashSet::new(),
                retained: q
                    .retained
                    .then(|| vec![0u64; self.g().node_count().div_ceil(64)]),
                names,
            });
            let r = self.scan(level).await;
            let frame = self.frames.pop();
            self.frames.truncate(level);
            r?;
            if let Some(Frame::Stage {
                retained: Some(set),
                ..
            }) = frame
            {
                self.emit_retained_set(&set, consumer).await?;
            }
            for u in &q.union {
                self.run_query(u, consumer).await?;
            }
            Ok(())
        })
    }

    /// The query of frame `level`.
    fn stage_query(&self, level: usize) -> &'a Query {
        match &self.frames[level] {
            Frame::Stage { q, .. } => q,
            _ => unreachable!("a query runs in a stage frame"),
        }
    }

    /// Hands every object (or value) the FROM clause of frame `level`'s query names to
    /// [`Self::item`].
    async fn scan(&mut self, level: usize) -> Result<(), QueryError> {
        let q = self.stage_query(level);
        let from = &q.from;
        let g = self.g();
        let classes: Vec<u32> = match &from.source {
            Source::Class(name) => self.classes_named(name),
            Source::Pattern(p) => {
                let re = self.regex(p, from.pos)?.clone();
                (0..g.classes.len() as u32)
                    .filter(|&c| re.is_match(&g.classes[c as usize].name))
                    .collect()
            }
            Source::Objects(refs) => {
                let mut classes = Vec::new();
                for r in refs {
                    let node = match *r {
                        ObjRef::Address(a) => g.node_of(Id::new(a)),
                        ObjRef::Index(i) => {
                            (i < g.node_count() as u64).then_some(Node::new(i as u32))
                        }
                    };
                    let Some(node) = node else { continue };
                    match g.as_class(node) {
                        Some(c) if !from.objects || from.instanceof => classes.push(c),
                        _ => {
                            self.tick().await?;
                            self.item(level, V::Obj(node)).await?
                        }
                    }
                }
                classes
            }
            Source::Sub(inner) => return self.run_query(inner, level).await,
            Source::Expr(e) => {
                let v = self.value(e).await?;
                match v {
                    V::List(l) => {
                        for x in l {
                            self.tick().await?;
                            self.item(level, x).await?;
                        }
                    }
                    v => self.item(level, v).await?,
                }
                return Ok(());
            }
        };
        let set = self.class_set(&classes, from.instanceof);
        if from.objects {
            // The class objects themselves.
            for (c, k) in g.classes.iter().enumerate() {
                if set[c] && k.node.index() < g.node_count() {
                    self.tick().await?;
                    self.item(level, V::Obj(k.node)).await?;
                }
            }
            return Ok(());
        }
        if !set.iter().any(|&b| b) {
            return Ok(());
        }
        let n = g.node_count();
        self.scans += 1;
        let outermost = self.scans == 1;
        let r = async {
            for v in (0..n as u32).map(Node::new) {
                let selected = set[g.class_index(v) as usize];
                // Before each item too: one item may run a subquery over the whole heap.
                if outermost && (selected || v.get() % 1024 == 0) {
                    self.report(Phase::Scan, u64::from(v.get()), n as u64);
                }
                self.tick().await?;
                if selected {
                    self.item(level, V::Obj(v)).await?;
                }
            }
            if outermost {
                self.report(Phase::Scan, n as u64, n as u64);
            }
            Ok(())
        }
        .await;
        self.scans -= 1;
        r
    }

    /// One FROM item of frame `level`'s query: WHERE, the columns, then DISTINCT or the
    /// retained set's bitmap, and the rows to the frame's consumer.
    async fn item(&mut self, level: usize, item: V) -> Result<(), QueryError> {
        let q = self.stage_query(level);
        self.scope.push((q.from.alias.as_deref(), item.clone()));
        let r = self.row(q, &item).await;
        self.scope.pop();
        for row in r? {
            let Frame::Stage {
                consumer,
                seen,
                retained,
                ..
            } = &mut self.frames[level]
            else {
                unreachable!("items belong to a stage frame");
            };
            let consumer = *consumer;
            if let Some(set) = retained.as_mut() {
                for v in &row {
                    if let V::Obj(n) = v {
                        set_bit(set, *n);
                    }
                }
                continue;
            }
            if q.distinct && !seen.insert(V::List(row.clone()).key()) {
                continue;
            }
            self.emit(row, consumer).await?;
        }
        Ok(())
    }

    /// Hands a row to frame `to`.
    async fn emit(&mut self, row: Vec<V>, to: usize) -> Result<(), QueryError> {
        match &mut self.frames[to] {
            Frame::Top => {
                let i = self.rows;
                self.rows += 1;
                if self.sink.want(i) {
                    let g = self.heap.g;
                    self.sink
                        .row(i, row.iter().map(|v| Cell::from_value(g, v)).collect());
                }
                Ok(())
            }
            Frame::Collect(rows) => {
                rows.push(row);
                Ok(())
            }
            Frame::Stage { .. } => self.emit_to_stage(row, to).await,
        }
    }

    /// A row of a FROM's subquery becomes items of the query at frame `to`: the value of a
    /// single column (each element of a list with `FROM OBJECTS`), else a row of named values.
    /// With `FROM OBJECTS`, a row holding lists (a subquery or `dominators()` as a SELECT item)
    /// is flattened as MAT flattens it: one item per element of its longest list, each list
    /// replaced by its element at that place (`null` past its end), and one item with `null`
    /// for an empty list. So `SELECT i, (SELECT l FROM …) AS lv FROM … i` joins: one item per
    /// pair, or one with `lv = null` when the nested query has no row.
    fn emit_to_stage<'s>(&'s mut self, row: Vec<V>, to: usize) -> Boxed<'s, ()> {
        Box::pin(async move {
            self.tick().await?;
            let Frame::Stage { q, names, .. } = &self.frames[to] else {
                unreachable!("checked by emit");
            };
            let objects = q.from.objects;
            let flatten = objects && !q.from.instanceof;
            if names.len() == 1 {
                match single(row.into_iter().next().unwrap_or(V::Null)) {
                    V::List(l) if objects => {
                        for x in l {
                            self.tick().await?;
                            self.item(to, x).await?;
                        }
                        Ok(())
                    }
                    v => self.item(to, v).await,
                }
            } else {
                let names = names.clone();
                let longest = row
                    .iter()
                    .filter_map(|v| match v {
                        V::List(l) => Some(l.len()),
                        _ => None,
                    })
                    .max();
                match longest {
                    Some(n) if flatten => {
                        for i in 0..n.max(1) {
                            if i > 0 {
                                self.tick().await?;
                            }
                            let cells = names
                                .iter()
                                .zip(&row)
                                .map(|(k, v)| {
                                    let v = match v {
                                        V::List(l) => l.get(i).cloned().unwrap_or(V::Null),
                                        v => v.clone(),
                                    };
                                    (k.clone(), v)
                                })
                                .collect();
                            self.item(to, V::Row(Rc::new(cells))).await?;
                        }
                        Ok(())
                    }
                    _ => {
                        let v = V::Row(Rc::new(names.into_iter().zip(row).collect()));
                        self.item(to, v).await
                    }
                }
            }
        })
    }

    /// The rows one FROM item gives (none when WHERE rejects it; several for `SELECT OBJECTS`
    /// of a list).
    async fn row(&mut self, q: &'a Query, item: &V) -> Result<Vec<Vec<V>>, QueryError> {
        if let Some(w) = &q.filter {
            if !self.value(w).await?.truthy() {
                return Ok(Vec::new());
            }
        }
        let Some(cols) = &q.columns else {
            return Ok(vec![vec![item.clone()]]);
        };
        if q.objects || q.retained {
            let mut out = Vec::new();
            for c in cols {
                match self.value(&c.expr).await? {
                    V::List(l) => {
                        out.extend(l.into_iter().filter(|v| *v != V::Null).map(|v| vec![v]))
                    }
                    V::Null => {}
                    v => out.push(vec![v]),
                }
            }
            return Ok(out);
        }
        let mut row = Vec::with_capacity(cols.len());
        for c in cols {
            row.push(match &c.expr.kind {
                ExprKind::Sub(sub) => self.subquery(sub, true).await?,
                _ => self.value(&c.expr).await?,
            });
        }
        Ok(vec![row])
    }

    /// MAT's retained set of a set of objects (what is reachable from the GC roots only
    /// through the set), each object as a row to frame `to`.
    async fn emit_retained_set(&mut self, set: &[u64], to: usize) -> Result<(), QueryError> {
        let g = self.g();
        let Some(dom) = self.heap.dom else {
            return Err(QueryError::at(
                0,
                "AS RETAINED SET needs the dominator tree",
                "open the dump with its dominator tree",
            ));
        };
        let n = g.node_count();
        let mut marked = vec![0u64; n.div_ceil(64)];
        let mut stack: Vec<Node> = Vec::new();
        let mut done = 0u64;
        for &r in g.root_nodes() {
            if !bit(set, r) && !bit(&marked, r) {
                set_bit(&mut marked, r);
                stack.push(r);
            }
        }
        while let Some(v) = stack.pop() {
            done += 1;
            if done % 1024 == 0 {
                self.report(Phase::RetainedSet, done, n as u64);
            }
            self.tick().await?;
            g.for_each_successor(v.get(), |w| {
                if (w as usize) < n && !bit(set, Node::new(w)) && !bit(&marked, Node::new(w)) {
                    set_bit(&mut marked, Node::new(w));
                    stack.push(Node::new(w));
                }
            });
        }
        drop(stack);
        for v in (0..n as u32).map(Node::new) {
            if v.get() % 1024 == 0 {
                self.report(Phase::RetainedSet, u64::from(v.get()), n as u64);
                self.tick().await?;
            }
            if dom.is_reachable(v) && !bit(&marked, v) {
                self.emit(vec![V::Obj(v)], to).await?;
            }
        }
        Ok(())
    }

    fn classes_named(&mut self, name: &str) -> Vec<u32> {
        let g = self.g();
        let map = self.by_name.get_or_insert_with(|| {
            let mut m: HashMap<String, Vec<u32>> = HashMap::new();
            for (i, c) in g.classes.iter().enumerate() {
                m.entry(c.name.clone()).or_default().push(i as u32);
            }
            m
        });
        map.get(name).cloned().unwrap_or_default()
    }

    fn regex(&mut self, pat: &str, pos: usize) -> Result<&Regex, QueryError> {
        if !self.regexes.contains_key(pat) {
            let re = Regex::new(&format!("^(?:{pat})$")).map_err(|e| {
                err(
                    pos,
                    format!(
                        "bad regular expression \"{pat}\": {}",
                        e.to_string().lines().last().unwrap_or("")
                    ),
                    "LIKE and FROM \"…\" take a regular expression matched in full",
                )
            })?;
            self.regexes.insert(pat.to_string(), re);
        }
        Ok(&self.regexes[pat])
    }

    /// Per class index: in `classes`, or (with `sub`) a subclass of one of them.
    fn class_set(&self, classes: &[u32], sub: bool) -> Vec<bool> {
        let g = self.g();
        let mut set = vec![false; g.classes.len()];
        for &c in classes {
            set[c as usize] = true;
        }
        if sub {
            for c in 0..g.classes.len() {
                let mut k = g.classes[c].super_class;
                for _ in 0..256 {
                    if k == NO_CLASS || set[c] {
                        break;
                    }
                    if set[k as usize] {
                        set[c] = true;
                    }
                    k = g.classes[k as usize].super_class;
                }
            }
        }
        set
    }

    fn current(&self) -> Option<&V> {
        self.scope.last().map(|s| &s.1)
    }

    fn read<T>(&self, pos: usize, r: Result<T, String>) -> Result<T, QueryError> {
        r.map_err(|m| {
            err(
                pos,
                m,
                "reading values needs the dump file (heaplens query reads it)",
            )
        })
    }

    fn field_of(&mut self, v: &V, name: &str, pos: usize) -> Result<V, QueryError> {
        match v {
            V::Obj(n) => {
                let r = self.heap.field(*n, name);
                Ok(self.read(pos, r)?.unwrap_or(V::Null))
            }
            V::Row(r) => Ok(r
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, x)| x.clone())
                .unwrap_or(V::Null)),
            V::List(l) if name == "length" => Ok(V::Int(l.len() as i64)),
            V::List(l) if l.len() == 1 => self.field_of(&l[0].clone(), name, pos),
            _ => Ok(V::Null),
        }
    }

    fn attr_of(&mut self, v: &V, name: &str, pos: usize) -> Result<V, QueryError> {
        match v {
            V::Obj(n) => {
                let r = self.heap.attribute(*n, name);
                match self.read(pos, r)? {
                    Some(x) => Ok(x),
                    None => Err(err(pos, format!("unknown attribute @{name}"), "@objectId, @objectAddress, @usedHeapSize, @retainedHeapSize, @length, @clazz, @displayName, @GCRootInfo, @name, @valueArray, @referenceArray")),
                }
            }
            V::List(l) if name.eq_ignore_ascii_case("length") => Ok(V::Int(l.len() as i64)),
            _ => Ok(V::Null),
        }
    }

    /// Whether evaluating `e` may run long enough to be suspended: it holds a subquery, or
    /// an `inbounds()` whose index is not built yet. Everything else is evaluated at once.
    fn heavy(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Lit(_) | ExprKind::Name(_) | ExprKind::Attr(_) => false,
            ExprKind::Sub(_) => true,
            ExprKind::Step(b, step) => {
                self.heavy(b)
                    || match step {
                        Step::Field(_) | Step::Attr(_) => false,
                        Step::Index(i) => self.heavy(i),
                        Step::Method(_, args) => args.iter().any(|a| self.heavy(a)),
                    }
            }
            ExprKind::Call(name, args) => {
                (name == "inbounds" && self.inbound_at.is_empty())
                    || args.iter().any(|a| self.heavy(a))
            }
            ExprKind::Bin(_, l, r) => self.heavy(l) || self.heavy(r),
            ExprKind::Neg(x) | ExprKind::Not(x) | ExprKind::Like(x, _, _) => self.heavy(x),
            ExprKind::In(x, s, _) => self.heavy(x) || self.heavy(s),
        }
    }

    /// The value of `e`: synchronously, or through [`Self::eval_a`] when it is heavy.
    async fn value(&mut self, e: &'a Expr) -> Result<V, QueryError> {
        if self.heavy(e) {
            self.eval_a(e).await
        } else {
            self.eval(e)
        }
    }

    /// [`Self::eval`] for expressions that hold a subquery: the same rules (the shared
    /// `apply_*` helpers), with every child evaluated through [`Self::value`].
    fn eval_a<'s>(&'s mut self, e: &'a Expr) -> Boxed<'s, V> {
        Box::pin(async move {
            let pos = e.pos;
            Ok(match &e.kind {
                ExprKind::Lit(_) | ExprKind::Name(_) | ExprKind::Attr(_) => self.eval(e)?,
                ExprKind::Step(base, step) => {
                    let b = self.value(base).await?;
                    let mut args = Vec::new();
                    match step {
                        Step::Index(i) => args.push(self.value(i).await?),
                        Step::Method(_, a) => {
                            for x in a {
                                args.push(self.value(x).await?);
                            }
                        }
                        Step::Field(_) | Step::Attr(_) => {}
                    }
                    self.apply_step(b, step, args, pos)?
                }
                ExprKind::Call(name, args) => {
                    let mut vals = Vec::with_capacity(args.len());
                    for x in args {
                        vals.push(self.value(x).await?);
                    }
                    if name == "inbounds" {
                        self.build_inbounds().await?;
                    }
                    super::functions::call(self, name, &vals, pos)?
                }
                ExprKind::Bin(op, l, r) => {
                    let a = self.value(l).await?;
                    if let Some(v) = short_circuit(*op, &a) {
                        return Ok(v);
                    }
                    let b = self.value(r).await?;
                    apply_bin(*op, &a, &b)
                }
                ExprKind::Neg(x) => apply_neg(self.value(x).await?),
                ExprKind::Not(x) => V::Bool(!self.value(x).await?.truthy()),
                ExprKind::Like(x, pat, negate) => {
                    let v = self.value(x).await?;
                    self.apply_like(v, pat, *negate, pos)?
                }
                ExprKind::In(x, set, negate) => {
                    let v = self.value(x).await?;
                    let s = self.value(set).await?;
                    self.apply_in(&v, &s, *negate, pos)?
                }
                ExprKind::Sub(q) => self.subquery(q, false).await?,
            })
        })
    }

    /// The rows of a subquery used as a value, as a list (`null` when it has none). Each row
    /// is its value when the subquery has one column and `named` is false (`x IN (SELECT …)`),
    /// else a row of named values: a subquery that is a whole SELECT item keeps its column
    /// names so that, flattened by an outer `FROM OBJECTS`, `z.lv.l` reads column `l`.
    async fn subquery(&mut self, q: &'a Query, named: bool) -> Result<V, QueryError> {
        let names = Self::columns(q);
        let at = self.frames.len();
        self.frames.push(Frame::Collect(Vec::new()));
        let r = self.run_query(q, at).await;
        let frame = self.frames.pop();
        self.frames.truncate(at);
        r?;
        let Some(Frame::Collect(rows)) = frame else {
            unreachable!("pushed above");
        };
        let rows: Vec<V> = rows
            .into_iter()
            .map(|row| {
                if names.len() == 1 && !named {
                    row.into_iter().next().unwrap_or(V::Null)
                } else {
                    V::Row(Rc::new(names.iter().cloned().zip(row).collect()))
                }
            })
            .collect();
        Ok(if rows.is_empty() {
            V::Null
        } else {
            V::List(rows)
        })
    }

    /// An expression without a subquery (see [`Self::heavy`]), at once.
    pub(crate) fn eval(&mut self, e: &Expr) -> Result<V, QueryError> {
        let pos = e.pos;
        Ok(match &e.kind {
            ExprKind::Lit(l) => match l {
                Lit::Null => V::Null,
                Lit::Bool(b) => V::Bool(*b),
                Lit::Int(i) | Lit::Long(i) => V::Int(*i),
                Lit::Float(f) => V::Float(*f),
                Lit::Str(s) => V::Str(s.clone()),
            },
            ExprKind::Name(n) => {
                if let Some((_, v)) = self
                    .scope
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == Some(n.as_str()))
                {
                    return Ok(v.clone());
                }
                match self.current().cloned() {
                    Some(cur @ (V::Obj(_) | V::Row(_))) => self.field_of(&cur, n, pos)?,
                    _ => return Err(err(pos, format!("unknown name '{n}'"), "name the FROM's objects with an alias: FROM java.lang.String s WHERE s.count > 0")),
                }
            }
            ExprKind::Attr(a) => match self.current().cloned() {
                Some(cur) => self.attr_of(&cur, a, pos)?,
                None => {
                    return Err(err(
                        pos,
                        format!("@{a} outside a FROM"),
                        "attributes belong to the FROM's objects: s.@objectAddress",
                    ))
                }
            },
            ExprKind::Step(base, step) => {
                let b = self.eval(base)?;
                let args = match step {
                    Step::Index(i) => vec![self.eval(i)?],
                    Step::Method(_, a) => a
                        .iter()
                        .map(|x| self.eval(x))
                        .collect::<Result<Vec<_>, _>>()?,
                    Step::Field(_) | Step::Attr(_) => Vec::new(),
                };
                self.apply_step(b, step, args, pos)?
            }
            ExprKind::Call(name, args) => {
                let args = args
                    .iter()
                    .map(|a| self.eval(a))
                    .collect::<Result<Vec<_>, _>>()?;
                super::functions::call(self, name, &args, pos)?
            }
            ExprKind::Bin(op, l, r) => {
                let a = self.eval(l)?;
                if let Some(v) = short_circuit(*op, &a) {
                    return Ok(v);
                }
                let b = self.eval(r)?;
                apply_bin(*op, &a, &b)
            }
            ExprKind::Neg(x) => apply_neg(self.eval(x)?),
            ExprKind::Not(x) => V::Bool(!self.eval(x)?.truthy()),
            ExprKind::Like(x, pat, negate) => {
                let v = self.eval(x)?;
                self.apply_like(v, pat, *negate, pos)?
            }
            ExprKind::In(x, set, negate) => {
                let v = self.eval(x)?;
                let s = self.eval(set)?;
                self.apply_in(&v, &s, *negate, pos)?
            }
            // `heavy` sends every expression holding a subquery to `eval_a`.
            ExprKind::Sub(_) => {
                return Err(err(
                    pos,
                    "internal error: a subquery evaluated synchronously",
                    "",
                ))
            }
        })
    }

    /// `.field`, `.@attr`, `[i]` (`args`: the index) or `.method(args)` of `b`.
    fn apply_step(&mut self, b: V, step: &Step, args: Vec<V>, pos: usize) -> Result<V, QueryError> {
        Ok(match step {
            Step::Field(name) => self.field_of(&b, name, pos)?,
            Step::Attr(a) => self.attr_of(&b, a, pos)?,
            Step::Index(_) => {
                let Some(V::Int(i)) = args.into_iter().next() else {
                    return Ok(V::Null);
                };
                match b {
                    V::Obj(n) => {
                        let r = self.heap.element(n, i);
                        self.read(pos, r)?
                    }
                    V::List(l) => usize::try_from(i)
                        .ok()
                        .and_then(|i| l.get(i).cloned())
                        .unwrap_or(V::Null),
                    V::Str(s) => usize::try_from(i)
                        .ok()
                        .and_then(|i| s.chars().nth(i))
                        .map_or(V::Null, |c| V::Char(c as u16)),
                    _ => V::Null,
                }
            }
            Step::Method(name, _) => super::functions::method(self, b, name, &args, pos)?,
        })
    }

    fn apply_like(&mut self, v: V, pat: &str, negate: bool, pos: usize) -> Result<V, QueryError> {
        let s = match v {
            V::Null => return Ok(V::Bool(negate)),
            V::Obj(n) => {
                let r = self.heap.text_of(n);
                self.read(pos, r)?
            }
            v => text(&v),
        };
        let m = self.regex(pat, pos)?.is_match(&s);
        Ok(V::Bool(m != negate))
    }

    fn apply_in(&mut self, v: &V, s: &V, negate: bool, pos: usize) -> Result<V, QueryError> {
        let found = match s {
            V::List(l) => l.iter().any(|y| equals(v, y)),
            V::Obj(n) if self.g().class(*n).is_array() && self.g().as_class(*n).is_none() => {
                let r = self.heap.elements(*n);
                match self.read(pos, r)? {
                    V::List(l) => l.iter().any(|y| equals(v, y)),
                    _ => false,
                }
            }
            V::Str(hay) => matches!(v, V::Str(needle) if hay.contains(needle.as_str())),
            _ => false,
        };
        Ok(V::Bool(found != negate))
    }

    /// Builds the reverse edges `inbounds()` reads (once per query: 4 bytes per reference and
    /// per object), a unit of work per object.
    async fn build_inbounds(&mut self) -> Result<(), QueryError> {
        if !self.inbound_at.is_empty() {
            return Ok(());
        }
        let g = self.g();
        let n = g.node_count();
        let mut at = vec![0u32; n + 2];
        for v in (0..n as u32).map(Node::new) {
            if v.get() % 1024 == 0 {
                self.report(Phase::Inbounds, u64::from(v.get()), 2 * n as u64);
            }
            self.tick().await?;
            g.for_each_successor(v.get(), |w| {
                if (w as usize) < n {
                    at[w as usize + 2] += 1;
                }
            });
        }
        for i in 2..at.len() {
            at[i] += at[i - 1];
        }
        let mut into = vec![Node::new(0); at[n + 1] as usize];
        for v in (0..n as u32).map(Node::new) {
            if v.get() % 1024 == 0 {
                self.report(Phase::Inbounds, (n + v.index()) as u64, 2 * n as u64);
            }
            self.tick().await?;
            g.for_each_successor(v.get(), |w| {
                if (w as usize) < n {
                    let slot = &mut at[w as usize + 1];
                    into[*slot as usize] = v;
                    *slot += 1;
                }
            });
        }
        self.inbound_at = at;
        self.inbound = into;
        Ok(())
    }

    /// Objects referring to `node` (the index is built by [`Self::build_inbounds`] before any
    /// `inbounds()` call is evaluated: see [`Self::heavy`]).
    pub(crate) fn inbounds(&mut self, node: Node) -> Result<Vec<Node>, QueryError> {
        let n = self.g().node_count();
        let v = node.index();
        if self.inbound_at.is_empty() {
            return Err(QueryError::at(
                0,
                "internal error: inbounds() before its index",
                "",
            ));
        }
        if v >= n {
            return Ok(Vec::new());
        }
        let mut out =
            self.inbound[self.inbound_at[v] as usize..self.inbound_at[v + 1] as usize].to_vec();
        out.dedup();
        Ok(out)
    }
}

/// A one-column FROM subquery's value as it was before the column kept its names: a list of
/// one-column rows (a nested subquery) becomes the list of their values.
fn single(v: V) -> V {
    match v {
        V::List(l) => V::List(
            l.into_iter()
                .map(|x| match x {
                    V::Row(r) if r.len() == 1 => r[0].1.clone(),
                    x => x,
                })
                .collect(),
        ),
        v => v,
    }
}

/// `AND`/`OR`'s answer from the left operand alone, if it decides.
fn short_circuit(op: BinOp, a: &V) -> Option<V> {
    match op {
        BinOp::And if !a.truthy() => Some(V::Bool(false)),
        BinOp::Or if a.truthy() => Some(V::Bool(true)),
        _ => None,
    }
}

fn apply_bin(op: BinOp, a: &V, b: &V) -> V {
    let cmp = || compare(a, b);
    match op {
        BinOp::And | BinOp::Or => V::Bool(b.truthy()),
        BinOp::Eq => V::Bool(equals(a, b)),
        BinOp::Ne => V::Bool(!equals(a, b)),
        BinOp::Lt => V::Bool(cmp() == Some(Ordering::Less)),
        BinOp::Le => V::Bool(matches!(cmp(), Some(Ordering::Less | Ordering::Equal))),
        BinOp::Gt => V::Bool(cmp() == Some(Ordering::Greater)),
        BinOp::Ge => V::Bool(matches!(cmp(), Some(Ordering::Greater | Ordering::Equal))),
        BinOp::Add => arith(Arith::Add, a, b),
        BinOp::Sub => arith(Arith::Sub, a, b),
        BinOp::Mul => arith(Arith::Mul, a, b),
        BinOp::Div => arith(Arith::Div, a, b),
    }
}

fn apply_neg(v: V) -> V {
    match v {
        V::Int(i) => V::Int(i.wrapping_neg()),
        V::Float(f) => V::Float(-f),
        V::Char(c) => V::Int(-(c as i64)),
        _ => V::Null,
    }
}
