//! OQL values during evaluation, their comparison and arithmetic (Java-like: integers stay
//! integers, a float on either side makes a float; comparisons with null are false), and the
//! serializable cells of a result.

use crate::graph::{HeapGraph, Node};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Char(u16),
    Str(String),
    /// An object of the dump.
    Obj(Node),
    /// Several values (`dominators(s)`, `outbounds(s)`, `@valueArray`, a subquery).
    List(Vec<V>),
    /// A row of a subquery with several columns: `FROM OBJECTS (SELECT a, b …) z` → `z.a`.
    Row(std::rc::Rc<Vec<(String, V)>>),
}

/// A hashable identity of a value (for DISTINCT).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    Str(String),
    Obj(Node),
    List(Vec<Key>),
}

impl V {
    pub(crate) fn key(&self) -> Key {
        match self {
            V::Null => Key::Null,
            V::Bool(b) => Key::Bool(*b),
            V::Int(i) => Key::Int(*i),
            V::Char(c) => Key::Int(*c as i64),
            V::Float(f) => Key::Float(f.to_bits()),
            V::Str(s) => Key::Str(s.clone()),
            V::Obj(n) => Key::Obj(*n),
            V::List(l) => Key::List(l.iter().map(V::key).collect()),
            V::Row(r) => Key::List(r.iter().map(|(_, v)| v.key()).collect()),
        }
    }
    pub(crate) fn truthy(&self) -> bool {
        match self {
            V::Null => false,
            V::Bool(b) => *b,
            V::Int(i) => *i != 0,
            V::Float(f) => *f != 0.0,
            V::Char(c) => *c != 0,
            V::Str(s) => !s.is_empty(),
            V::Obj(_) | V::Row(_) => true,
            V::List(l) => !l.is_empty(),
        }
    }
    fn num(&self) -> Option<f64> {
        match self {
            V::Int(i) => Some(*i as f64),
            V::Float(f) => Some(*f),
            V::Char(c) => Some(*c as f64),
            _ => None,
        }
    }
    fn int(&self) -> Option<i64> {
        match self {
            V::Int(i) => Some(*i),
            V::Char(c) => Some(*c as i64),
            _ => None,
        }
    }
}

/// Ordering of two values, `None` when they do not compare (null, or different kinds).
pub(crate) fn compare(a: &V, b: &V) -> Option<Ordering> {
    match (a, b) {
        (V::Null, _) | (_, V::Null) => None,
        (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(y)),
        (V::Obj(x), V::Obj(y)) => Some(x.cmp(y)),
        // An object against a number compares its number (MAT: `dominatorof(s) = 0`).
        (V::Obj(x), y) => (x.get() as f64).partial_cmp(&y.num()?),
        (x, V::Obj(y)) => x.num()?.partial_cmp(&(y.get() as f64)),
        (V::Char(c), V::Str(s)) | (V::Str(s), V::Char(c)) => {
            let one = char::from_u32(*c as u32)
                .map(String::from)
                .unwrap_or_default();
            let o = one.cmp(s);
            Some(if matches!(a, V::Char(_)) {
                o
            } else {
                o.reverse()
            })
        }
        _ => match (a.int(), b.int()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => a.num()?.partial_cmp(&b.num()?),
        },
    }
}

/// Equality as `=` sees it: null equals only null.
pub(crate) fn equals(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Null, V::Null) => true,
        (V::Null, _) | (_, V::Null) => false,
        (V::List(x), V::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equals(p, q))
        }
        _ => compare(a, b) == Some(Ordering::Equal),
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

/// `a op b`; null when the operands do not fit (or integer division by zero).
pub(crate) fn arith(op: Arith, a: &V, b: &V) -> V {
    if let (Arith::Add, V::Str(_), _) | (Arith::Add, _, V::Str(_)) = (op, a, b) {
        return V::Str(format!("{}{}", text(a), text(b)));
    }
    if let (Some(x), Some(y)) = (a.int(), b.int()) {
        return match op {
            Arith::Add => V::Int(x.wrapping_add(y)),
            Arith::Sub => V::Int(x.wrapping_sub(y)),
            Arith::Mul => V::Int(x.wrapping_mul(y)),
            Arith::Div if y == 0 => V::Null,
            Arith::Div => V::Int(x.wrapping_div(y)),
        };
    }
    match (a.num(), b.num()) {
        (Some(x), Some(y)) => V::Float(match op {
            Arith::Add => x + y,
            Arith::Sub => x - y,
            Arith::Mul => x * y,
            Arith::Div => x / y,
        }),
        _ => V::Null,
    }
}

/// Plain text of a primitive value (objects need the graph: see `Cell`).
pub(crate) fn text(v: &V) -> String {
    match v {
        V::Null => "null".into(),
        V::Bool(b) => b.to_string(),
        V::Int(i) => i.to_string(),
        V::Float(f) => f.to_string(),
        V::Char(c) => char::from_u32(*c as u32)
            .map(String::from)
            .unwrap_or_default(),
        V::Str(s) => s.clone(),
        V::Obj(n) => format!("#{n}"),
        V::List(l) => format!("[{} values]", l.len()),
        V::Row(r) if r.len() == 1 => text(&r[0].1),
        V::Row(r) => format!("[{} columns]", r.len()),
    }
}

/// One cell of a result (JSON: null, boolean, number, string, object link or list; read back
/// untagged, as the page does).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Object(ObjectCell),
    List(Vec<Cell>),
}

/// A reference to an object: its address (the link), node and class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectCell {
    /// `0x…`: the object's id (its address in the dump).
    pub object: String,
    pub node: Node,
    pub class: String,
}

/// One RFC 4180 CSV line (ending in CRLF): fields quoted when they hold a comma, a quote or a
/// line break (the CLI's `--format csv` and the page's export).
pub fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        let f = f.as_ref();
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
    out
}

/// Cells of a list longer than this are cut (the list's length is a value of its own).
pub(crate) const MAX_LIST_CELLS: usize = 1000;

impl Cell {
    pub(crate) fn from_value(g: &HeapGraph, v: &V) -> Cell {
        match v {
            V::Null => Cell::Null,
            V::Bool(b) => Cell::Bool(*b),
            V::Int(i) => Cell::Int(*i),
            V::Float(f) => Cell::Float(*f),
            V::Char(_) | V::Str(_) => Cell::Str(text(v)),
            V::Obj(n) if n.index() < g.node_count() => Cell::Object(ObjectCell {
                object: format!("0x{:x}", g.id(*n)),
                node: *n,
                class: g.display_class(*n),
            }),
            V::Obj(_) => Cell::Null,
            V::List(l) => Cell::List(
                l.iter()
                    .take(MAX_LIST_CELLS)
                    .map(|x| Cell::from_value(g, x))
                    .collect(),
            ),
            // A nested subquery's row of one column shows as its value (`SELECT s, (SELECT …)`).
            V::Row(r) if r.len() == 1 => Cell::from_value(g, &r[0].1),
            V::Row(r) => Cell::List(r.iter().map(|(_, x)| Cell::from_value(g, x)).collect()),
        }
    }
    /// Text for CSV and Markdown (`java.lang.String @ 0x…` for objects).
    pub fn display(&self) -> String {
        match self {
            Cell::Null => "null".into(),
            Cell::Bool(b) => b.to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
            Cell::Str(s) => s.clone(),
            Cell::Object(o) => format!("{} @ {}", o.class, o.object),
            Cell::List(l) => {
                let parts: Vec<String> = l.iter().map(Cell::display).collect();
                format!("[{}]", parts.join(", "))
            }
        }
    }
}
