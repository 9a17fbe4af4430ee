//! What a view runs over: a *selection* of objects, written as
//!
//! - a class name (`java.lang.String`, `char[]`, `com.example.Foo$Inner`): its instances, of
//!   every class of that name (one per class loader); `instanceof NAME`: of subclasses too;
//!   a name that matches no class and looks like a pattern (`com\.example\..*`) is a regular
//!   expression over whole class names, as MAT's class-name arguments are;
//! - addresses: `0x1a2b 0x3c4d, 0x5e6f` (separated by spaces or commas);
//! - an OQL query (`SELECT … FROM …`, docs/oql.md): the objects its rows name.
//!
//! Objects come back in a stable order (node order for classes and patterns, the written
//! order for addresses and queries) without duplicates.

use crate::graph::{HeapGraph, Node};
use crate::hprof::Id;
use crate::query::{Cell, QueryEnv, QueryError};
use serde::Serialize;

/// A parsed selection (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Class { name: String, subclasses: bool },
    Addresses(Vec<u64>),
    Query(String),
}

/// Why a selection names no objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SelectionError {
    /// No class has this name (nor matches it as a pattern).
    UnknownClass {
        name: String,
    },
    /// Text that is not a `0x…` address (`position`: byte offset in the selection).
    BadAddress {
        text: String,
        position: usize,
    },
    /// An address where the dump has no object.
    NoObject {
        address: String,
    },
    /// The query failed (position inside the query text).
    Query {
        error: QueryError,
    },
    Empty,
}

impl std::fmt::Display for SelectionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SelectionError::UnknownClass { name } => write!(f, "no class is named {name:?}"),
            SelectionError::BadAddress { text, position } => {
                write!(f, "at {position}: {text:?} is not an address (0x…)")
            }
            SelectionError::NoObject { address } => {
                write!(f, "the dump has no object at {address}")
            }
            SelectionError::Query { error } => write!(f, "query {error}"),
            SelectionError::Empty => {
                f.write_str("empty selection: give a class name, 0x… addresses or a SELECT query")
            }
        }
    }
}

impl std::error::Error for SelectionError {}

/// Reads a selection's text (see the module docs).
pub fn parse_selection(text: &str) -> Result<Selection, SelectionError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(SelectionError::Empty);
    }
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("select ") || lower.starts_with("select\n") || lower.starts_with('(') {
        return Ok(Selection::Query(t.to_string()));
    }
    if lower.starts_with("0x") {
        let mut out = Vec::new();
        let base = text.len() - text.trim_start().len();
        let mut pos = base;
        for part in t.split(|c: char| c == ',' || c.is_whitespace()) {
            if !part.is_empty() {
                out.push(
                    parse_address(part).ok_or_else(|| SelectionError::BadAddress {
                        text: part.to_string(),
                        position: pos,
                    })?,
                );
            }
            pos += part.len() + 1;
        }
        return Ok(Selection::Addresses(out));
    }
    if let Some(rest) = lower.strip_prefix("instanceof ") {
        let name = t[t.len() - rest.len()..].trim().to_string();
        return Ok(Selection::Class {
            name,
            subclasses: true,
        });
    }
    Ok(Selection::Class {
        name: t.to_string(),
        subclasses: false,
    })
}

/// `0x1f`, `0X1F` or `1f` as a number.
pub fn parse_address(s: &str) -> Option<u64> {
    let h = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if h.is_empty() || h.len() > 16 {
        return None;
    }
    u64::from_str_radix(h, 16).ok()
}

/// Class indices a class selection names.
pub(crate) fn classes_named(
    g: &HeapGraph,
    name: &str,
    subclasses: bool,
) -> Result<Vec<u32>, SelectionError> {
    let mut exact: Vec<u32> = (0..g.classes.len() as u32)
        .filter(|&c| g.classes[c as usize].name == name)
        .collect();
    if exact.is_empty() && name.contains(['*', '?', '|', '(', '\\', '+']) {
        if let Ok(re) = regex::Regex::new(&format!("^(?:{name})$")) {
            exact = (0..g.classes.len() as u32)
                .filter(|&c| re.is_match(&g.classes[c as usize].name))
                .collect();
        }
    }
    if exact.is_empty() {
        return Err(SelectionError::UnknownClass {
            name: name.to_string(),
        });
    }
    if subclasses {
        let mut is = vec![false; g.classes.len()];
        for c in 0..g.classes.len() as u32 {
            let mut k = c;
            for _ in 0..64 {
                if exact.contains(&k) {
                    is[c as usize] = true;
                    break;
                }
                match g.classes.get(k as usize) {
                    Some(info) => k = info.super_class,
                    None => break,
                }
            }
        }
        exact = (0..g.classes.len() as u32)
            .filter(|&c| is[c as usize])
            .collect();
    }
    Ok(exact)
}

/// The objects a selection names. `env` runs a query selection (its `graph` must be `g`).
pub fn resolve_selection<'a>(
    g: &'a HeapGraph,
    sel: &Selection,
    env: Option<QueryEnv<'a>>,
) -> Result<Vec<Node>, SelectionError> {
    match sel {
        Selection::Class { name, subclasses } => {
            let classes = classes_named(g, name, *subclasses)?;
            let mut want = vec![false; g.classes.len()];
            for &c in &classes {
                want[c as usize] = true;
            }
            Ok(g.nodes()
                .filter(|&v| want[g.class_index(v) as usize] && g.as_class(v).is_none())
                .collect())
        }
        Selection::Addresses(ids) => {
            let mut out = Vec::with_capacity(ids.len());
            for &id in ids {
                match g.node_of(Id::new(id)) {
                    Some(n) => out.push(n),
                    None => {
                        return Err(SelectionError::NoObject {
                            address: format!("0x{id:x}"),
                        })
                    }
                }
            }
            Ok(dedup_stable(out))
        }
        Selection::Query(text) => {
            let env = env.unwrap_or(QueryEnv {
                graph: g,
                dominance: None,
                source: None,
                cancel: None,
            });
            let mut out = Vec::new();
            crate::query::stream(env, text, &mut |_, cells| {
                for c in &cells {
                    collect_objects(c, &mut out);
                }
            })
            .map_err(|error| SelectionError::Query { error })?;
            Ok(dedup_stable(out))
        }
    }
}

fn collect_objects(c: &Cell, out: &mut Vec<Node>) {
    match c {
        Cell::Object(o) => out.push(o.node),
        Cell::List(l) => l.iter().for_each(|x| collect_objects(x, out)),
        _ => {}
    }
}

fn dedup_stable(v: Vec<Node>) -> Vec<Node> {
    let mut seen = std::collections::HashSet::with_capacity(v.len());
    v.into_iter().filter(|n| seen.insert(*n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(
            parse_selection(" java.lang.String "),
            Ok(Selection::Class {
                name: "java.lang.String".into(),
                subclasses: false
            })
        );
        assert_eq!(
            parse_selection("INSTANCEOF java.util.AbstractMap"),
            Ok(Selection::Class {
                name: "java.util.AbstractMap".into(),
                subclasses: true
            })
        );
        assert_eq!(
            parse_selection("0x10, 0X20 0x3f"),
            Ok(Selection::Addresses(vec![0x10, 0x20, 0x3f]))
        );
        assert!(matches!(
            parse_selection("0x10 0xzz"),
            Err(SelectionError::BadAddress { position: 5, .. })
        ));
        assert!(matches!(
            parse_selection("select * from java.lang.String"),
            Ok(Selection::Query(_))
        ));
        assert_eq!(parse_selection("  "), Err(SelectionError::Empty));
        assert_eq!(parse_address("0x"), None);
        assert_eq!(parse_address("0x11112222333344445"), None);
    }
}
