//! OQL's built-in functions (`toString`, `toHex`, `dominators`, `dominatorof`, `outbounds`,
//! `inbounds`, `classof`, `eval`) and the few Java methods MAT users call on values
//! (`s.toString().contains("-")`, `dominators(s).size()`).

use super::eval::Eval;
use super::value::{equals, text, V};
use super::QueryError;
use crate::graph::dominators::Successors;
use crate::graph::Node;

const FUNCTIONS: &str =
    "toString, toHex, dominators, dominatorof, outbounds, inbounds, classof, eval";

fn arity(name: &str, args: &[V], n: usize, pos: usize) -> Result<(), QueryError> {
    if args.len() != n {
        return Err(QueryError::at(
            pos,
            format!(
                "{name}() takes {n} argument{}, not {}",
                if n == 1 { "" } else { "s" },
                args.len()
            ),
            &format!("e.g. {name}(s)"),
        ));
    }
    Ok(())
}

/// `name(args)`.
pub(crate) fn call(ev: &mut Eval<'_>, name: &str, args: &[V], pos: usize) -> Result<V, QueryError> {
    let g = ev.heap.g;
    let no_dom = || {
        QueryError::at(
            pos,
            format!("{name}() needs the dominator tree"),
            "open the dump with its dominator tree",
        )
    };
    match name {
        "tostring" => {
            arity("toString", args, 1, pos)?;
            Ok(match &args[0] {
                V::Null => V::Null,
                V::Obj(n) => V::Str(
                    ev.heap
                        .text_of(*n)
                        .map_err(|m| QueryError::at(pos, m, ""))?,
                ),
                v => V::Str(text(v)),
            })
        }
        "tohex" => {
            arity("toHex", args, 1, pos)?;
            Ok(match &args[0] {
                V::Int(i) => V::Str(format!("0x{:x}", i)),
                V::Obj(n) => V::Str(format!("0x{:x}", g.id(*n))),
                _ => V::Null,
            })
        }
        "dominators" => {
            arity("dominators", args, 1, pos)?;
            let d = ev.heap.dom.ok_or_else(no_dom)?;
            Ok(match &args[0] {
                V::Obj(n) => V::List(d.children(*n).iter().map(|&c| V::Obj(c)).collect()),
                _ => V::Null,
            })
        }
        "dominatorof" => {
            arity("dominatorof", args, 1, pos)?;
            let d = ev.heap.dom.ok_or_else(no_dom)?;
            Ok(match &args[0] {
                V::Obj(n) => match d.idom(*n) {
                    Some(p) if p != g.super_root() => V::Obj(p),
                    _ => V::Null,
                },
                _ => V::Null,
            })
        }
        "outbounds" => {
            arity("outbounds", args, 1, pos)?;
            Ok(match &args[0] {
                V::Obj(n) => {
                    let mut out = Vec::new();
                    g.for_each_successor(n.get(), |w| out.push(V::Obj(Node::new(w))));
                    V::List(out)
                }
                _ => V::Null,
            })
        }
        "inbounds" => {
            arity("inbounds", args, 1, pos)?;
            Ok(match &args[0] {
                V::Obj(n) => V::List(ev.inbounds(*n)?.into_iter().map(V::Obj).collect()),
                _ => V::Null,
            })
        }
        "classof" => {
            arity("classof", args, 1, pos)?;
            Ok(match &args[0] {
                V::Obj(n) => g.class_node(*n).map_or(V::Null, V::Obj),
                _ => V::Null,
            })
        }
        "eval" => {
            arity("eval", args, 1, pos)?;
            Ok(args[0].clone())
        }
        _ => Err(QueryError::at(
            pos,
            format!("unknown function {name}()"),
            &format!("built-in functions: {FUNCTIONS}"),
        )),
    }
}

fn arg_str(args: &[V], i: usize) -> Option<String> {
    args.get(i).map(text)
}

/// `value.name(args)`.
pub(crate) fn method(
    ev: &mut Eval<'_>,
    v: V,
    name: &str,
    args: &[V],
    pos: usize,
) -> Result<V, QueryError> {
    let unknown = || {
        QueryError::at(
            pos,
            format!("unknown method {name}()"),
            "on strings: length, contains, startsWith, endsWith, equals, indexOf, toLowerCase, toUpperCase, substring, toString; on lists: size, length, isEmpty, get, contains",
        )
    };
    let v = match v {
        // An object's methods are those of its text (`s.toString()`, `s.@name.length()`).
        V::Obj(n) if name != "size" && name != "get" => {
            V::Str(ev.heap.text_of(n).map_err(|m| QueryError::at(pos, m, ""))?)
        }
        v => v,
    };
    Ok(match v {
        V::Null => V::Null,
        V::List(l) => match name {
            "size" | "length" => V::Int(l.len() as i64),
            "isEmpty" => V::Bool(l.is_empty()),
            "get" => match args.first() {
                Some(V::Int(i)) => usize::try_from(*i)
                    .ok()
                    .and_then(|i| l.get(i).cloned())
                    .unwrap_or(V::Null),
                _ => V::Null,
            },
            "contains" => V::Bool(args.first().is_some_and(|a| l.iter().any(|x| equals(x, a)))),
            _ => return Err(unknown()),
        },
        V::Str(s) => match name {
            "length" => V::Int(s.chars().count() as i64),
            "toString" | "intern" | "trim" if name != "trim" => V::Str(s),
            "trim" => V::Str(s.trim().to_string()),
            "contains" => V::Bool(arg_str(args, 0).is_some_and(|a| s.contains(a.as_str()))),
            "startsWith" => V::Bool(arg_str(args, 0).is_some_and(|a| s.starts_with(a.as_str()))),
            "endsWith" => V::Bool(arg_str(args, 0).is_some_and(|a| s.ends_with(a.as_str()))),
            "equals" => V::Bool(arg_str(args, 0).is_some_and(|a| s == a)),
            "isEmpty" => V::Bool(s.is_empty()),
            "indexOf" => V::Int(
                arg_str(args, 0)
                    .and_then(|a| s.find(a.as_str()))
                    .map_or(-1, |i| s[..i].chars().count() as i64),
            ),
            "toLowerCase" => V::Str(s.to_lowercase()),
            "toUpperCase" => V::Str(s.to_uppercase()),
            "substring" => {
                let chars: Vec<char> = s.chars().collect();
                let idx = |i: usize| match args.get(i) {
                    Some(V::Int(k)) => Some((*k).clamp(0, chars.len() as i64) as usize),
                    _ => None,
                };
                let a = idx(0).unwrap_or(0);
                let b = idx(1).unwrap_or(chars.len()).max(a);
                V::Str(chars[a..b].iter().collect())
            }
            _ => return Err(unknown()),
        },
        V::Int(_) | V::Float(_) | V::Bool(_) | V::Char(_) => match name {
            "toString" => V::Str(text(&v)),
            "intValue" | "longValue" => match v {
                V::Float(f) => V::Int(f as i64),
                V::Char(c) => V::Int(c as i64),
                v => v,
            },
            "doubleValue" | "floatValue" => match v {
                V::Int(i) => V::Float(i as f64),
                v => v,
            },
            _ => return Err(unknown()),
        },
        V::Row(_) | V::Obj(_) => return Err(unknown()),
    })
}
