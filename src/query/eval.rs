//! Executes a parsed query, streaming its rows to a sink: a class scan walks the nodes once and
//! holds one row at a time, so a query over 100 M objects never builds 100 M rows (only
//! `DISTINCT`, which remembers the rows it has seen, and `AS RETAINED SET`, a bitmap of the
//! heap, hold more). A cancel flag is checked every 4,096 objects.

use super::ast::*;
use super::objects::Heap;
use super::value::{arith, compare, equals, text, Arith, Key, V};
use super::QueryError;
use crate::graph::dominators::Successors;
use crate::graph::{HeapGraph, Node, NO_CLASS};
use regex::Regex;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering as AtOrd};

/// Receives each row of the result (values in column order).
pub(crate) type Sink<'s, 'a> = dyn FnMut(&mut Eval<'a>, Vec<V>) -> Result<(), QueryError> + 's;

pub(crate) struct Eval<'a> {
    pub heap: Heap<'a>,
    cancel: Option<&'a AtomicBool>,
    /// (alias, current object) of each FROM being iterated, innermost last.
    scope: Vec<(Option<String>, V)>,
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

impl<'a> Eval<'a> {
    pub(crate) fn new(heap: Heap<'a>, cancel: Option<&'a AtomicBool>) -> Self {
        Eval {
            heap,
            cancel,
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

    /// Checks the cancel flag every 4,096 calls.
    fn tick(&mut self) -> Result<(), QueryError> {
        self.ticks += 1;
        if self.ticks % 4096 == 0 {
            if let Some(c) = self.cancel {
                if c.load(AtOrd::Relaxed) {
                    return Err(QueryError::cancelled());
                }
            }
        }
        Ok(())
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

    /// Runs `q` (and its UNIONs), handing every row to `sink`.
    pub(crate) fn run(&mut self, q: &Query, sink: &mut Sink<'_, 'a>) -> Result<(), QueryError> {
        let mut seen: HashSet<Key> = HashSet::new();
        let mut retained: Option<Vec<u64>> = q
            .retained
            .then(|| vec![0u64; self.g().node_count().div_ceil(64)]);
        let alias = q.from.alias.clone();
        self.for_each_item(&q.from, &mut |ev: &mut Eval<'a>, item: V| {
            ev.tick()?;
            ev.scope.push((alias.clone(), item.clone()));
            let r = ev.row(q, &item);
            ev.scope.pop();
            for row in r? {
                if let Some(set) = retained.as_mut() {
                    for v in &row {
                        if let V::Obj(n) = v {
                            set[*n as usize / 64] |= 1 << (n % 64);
                        }
                    }
                    continue;
                }
                if q.distinct && !seen.insert(V::List(row.clone()).key()) {
                    continue;
                }
                sink(ev, row)?;
            }
            Ok(())
        })?;
        if let Some(set) = retained {
            for n in self.retained_set(&set)? {
                sink(self, vec![V::Obj(n)])?;
            }
        }
        for u in &q.union {
            self.run(u, sink)?;
        }
        Ok(())
    }

    /// The rows one FROM item gives (none when WHERE rejects it; several for `SELECT OBJECTS`
    /// of a list).
    fn row(&mut self, q: &Query, item: &V) -> Result<Vec<Vec<V>>, QueryError> {
        if let Some(w) = &q.filter {
            if !self.eval(w)?.truthy() {
                return Ok(Vec::new());
            }
        }
        let Some(cols) = &q.columns else {
            return Ok(vec![vec![item.clone()]]);
        };
        if q.objects || q.retained {
            let mut out = Vec::new();
            for c in cols {
                match self.eval(&c.expr)? {
                    V::List(l) => {
                        out.extend(l.into_iter().filter(|v| *v != V::Null).map(|v| vec![v]))
                    }
                    V::Null => {}
                    v => out.push(vec![v]),
                }
            }
            return Ok(out);
        }
        let row = cols
            .iter()
            .map(|c| self.eval(&c.expr))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(vec![row])
    }

    /// MAT's retained set of a set of objects: what is reachable from the GC roots only
    /// through the set.
    fn retained_set(&mut self, set: &[u64]) -> Result<Vec<Node>, QueryError> {
        let g = self.g();
        let Some(dom) = self.heap.dom else {
            return Err(QueryError::at(
                0,
                "AS RETAINED SET needs the dominator tree",
                "open the dump with its dominator tree",
            ));
        };
        let inset = |v: Node| set[v as usize / 64] & (1 << (v % 64)) != 0;
        let n = g.node_count();
        let mut marked = vec![0u64; n.div_ceil(64)];
        let mut stack: Vec<Node> = Vec::new();
        for &r in g.root_nodes() {
            if !inset(r) && marked[r as usize / 64] & (1 << (r % 64)) == 0 {
                marked[r as usize / 64] |= 1 << (r % 64);
                stack.push(r);
            }
        }
        while let Some(v) = stack.pop() {
            self.tick()?;
            g.for_each_successor(v, |w| {
                if (w as usize) < n && !inset(w) && marked[w as usize / 64] & (1 << (w % 64)) == 0 {
                    marked[w as usize / 64] |= 1 << (w % 64);
                    stack.push(w);
                }
            });
        }
        Ok((0..n as Node)
            .filter(|&v| dom.is_reachable(v) && marked[v as usize / 64] & (1 << (v % 64)) == 0)
            .collect())
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

    /// Calls `f` with every object (or value) the FROM clause names.
    fn for_each_item(
        &mut self,
        from: &From,
        f: &mut dyn FnMut(&mut Eval<'a>, V) -> Result<(), QueryError>,
    ) -> Result<(), QueryError> {
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
                        ObjRef::Address(a) => g.node_of(a),
                        ObjRef::Index(i) => (i < g.node_count() as u64).then_some(i as Node),
                    };
                    let Some(node) = node else { continue };
                    match g.as_class(node) {
                        Some(c) if !from.objects || from.instanceof => classes.push(c),
                        _ => f(self, V::Obj(node))?,
                    }
                }
                classes
            }
            Source::Sub(q) => {
                let single = Self::columns(q).len() == 1;
                let names = Self::columns(q);
                return self.run(q, &mut |ev: &mut Eval<'a>, row: Vec<V>| {
                    if single {
                        let v = row.into_iter().next().unwrap_or(V::Null);
                        match v {
                            V::List(l) if from.objects => l.into_iter().try_for_each(|x| f(ev, x)),
                            v => f(ev, v),
                        }
                    } else {
                        f(
                            ev,
                            V::Row(std::rc::Rc::new(names.iter().cloned().zip(row).collect())),
                        )
                    }
                });
            }
            Source::Expr(e) => {
                return match self.eval(e)? {
                    V::List(l) => l.into_iter().try_for_each(|x| f(self, x)),
                    v => f(self, v),
                };
            }
        };
        let set = self.class_set(&classes, from.instanceof);
        if from.objects {
            // The class objects themselves.
            for (c, k) in g.classes.iter().enumerate() {
                if set[c] && (k.node as usize) < g.node_count() {
                    f(self, V::Obj(k.node))?;
                }
            }
            return Ok(());
        }
        if !set.iter().any(|&b| b) {
            return Ok(());
        }
        for v in 0..g.node_count() as Node {
            self.tick()?;
            if set[g.class_index(v) as usize] {
                f(self, V::Obj(v))?;
            }
        }
        Ok(())
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
                    .find(|(a, _)| a.as_deref() == Some(n.as_str()))
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
                match step {
                    Step::Field(name) => self.field_of(&b, name, pos)?,
                    Step::Attr(a) => self.attr_of(&b, a, pos)?,
                    Step::Index(i) => {
                        let i = self.eval(i)?;
                        let V::Int(i) = i else { return Ok(V::Null) };
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
                    Step::Method(name, args) => {
                        let args = args
                            .iter()
                            .map(|a| self.eval(a))
                            .collect::<Result<Vec<_>, _>>()?;
                        super::functions::method(self, b, name, &args, pos)?
                    }
                }
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
                match op {
                    BinOp::And if !a.truthy() => return Ok(V::Bool(false)),
                    BinOp::Or if a.truthy() => return Ok(V::Bool(true)),
                    _ => {}
                }
                let b = self.eval(r)?;
                let cmp = || compare(&a, &b);
                match op {
                    BinOp::And | BinOp::Or => V::Bool(b.truthy()),
                    BinOp::Eq => V::Bool(equals(&a, &b)),
                    BinOp::Ne => V::Bool(!equals(&a, &b)),
                    BinOp::Lt => V::Bool(cmp() == Some(Ordering::Less)),
                    BinOp::Le => V::Bool(matches!(cmp(), Some(Ordering::Less | Ordering::Equal))),
                    BinOp::Gt => V::Bool(cmp() == Some(Ordering::Greater)),
                    BinOp::Ge => {
                        V::Bool(matches!(cmp(), Some(Ordering::Greater | Ordering::Equal)))
                    }
                    BinOp::Add => arith(Arith::Add, &a, &b),
                    BinOp::Sub => arith(Arith::Sub, &a, &b),
                    BinOp::Mul => arith(Arith::Mul, &a, &b),
                    BinOp::Div => arith(Arith::Div, &a, &b),
                }
            }
            ExprKind::Neg(x) => match self.eval(x)? {
                V::Int(i) => V::Int(i.wrapping_neg()),
                V::Float(f) => V::Float(-f),
                V::Char(c) => V::Int(-(c as i64)),
                _ => V::Null,
            },
            ExprKind::Not(x) => V::Bool(!self.eval(x)?.truthy()),
            ExprKind::Like(x, pat, negate) => {
                let v = self.eval(x)?;
                let s = match v {
                    V::Null => return Ok(V::Bool(*negate)),
                    V::Obj(n) => {
                        let r = self.heap.text_of(n);
                        self.read(pos, r)?
                    }
                    v => text(&v),
                };
                let m = self.regex(pat, pos)?.is_match(&s);
                V::Bool(m != *negate)
            }
            ExprKind::In(x, set, negate) => {
                let v = self.eval(x)?;
                let s = self.eval(set)?;
                let found = match &s {
                    V::List(l) => l.iter().any(|y| equals(&v, y)),
                    V::Obj(n)
                        if self.g().class(*n).is_array() && self.g().as_class(*n).is_none() =>
                    {
                        let r = self.heap.elements(*n);
                        match self.read(pos, r)? {
                            V::List(l) => l.iter().any(|y| equals(&v, y)),
                            _ => false,
                        }
                    }
                    V::Str(hay) => matches!(&v, V::Str(needle) if hay.contains(needle.as_str())),
                    _ => false,
                };
                V::Bool(found != *negate)
            }
            ExprKind::Sub(q) => {
                let single = Self::columns(q).len() == 1;
                let names = Self::columns(q);
                let mut rows: Vec<V> = Vec::new();
                self.run(q, &mut |_, row: Vec<V>| {
                    rows.push(if single {
                        row.into_iter().next().unwrap_or(V::Null)
                    } else {
                        V::Row(std::rc::Rc::new(names.iter().cloned().zip(row).collect()))
                    });
                    Ok(())
                })?;
                if rows.is_empty() {
                    V::Null
                } else {
                    V::List(rows)
                }
            }
        })
    }

    /// Objects referring to `node` (built once per query: 4 bytes per reference and per object).
    pub(crate) fn inbounds(&mut self, node: Node) -> Result<Vec<Node>, QueryError> {
        let g = self.g();
        let n = g.node_count();
        if self.inbound_at.is_empty() {
            let mut at = vec![0u32; n + 2];
            for v in 0..n as Node {
                self.tick()?;
                g.for_each_successor(v, |w| {
                    if (w as usize) < n {
                        at[w as usize + 2] += 1;
                    }
                });
            }
            for i in 2..at.len() {
                at[i] += at[i - 1];
            }
            let mut into = vec![0 as Node; at[n + 1] as usize];
            for v in 0..n as Node {
                g.for_each_successor(v, |w| {
                    if (w as usize) < n {
                        let slot = &mut at[w as usize + 1];
                        into[*slot as usize] = v;
                        *slot += 1;
                    }
                });
            }
            self.inbound_at = at;
            self.inbound = into;
        }
        let v = node as usize;
        if v >= n {
            return Ok(Vec::new());
        }
        let mut out =
            self.inbound[self.inbound_at[v] as usize..self.inbound_at[v + 1] as usize].to_vec();
        out.dedup();
        Ok(out)
    }
}
