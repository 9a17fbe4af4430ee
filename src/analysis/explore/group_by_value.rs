//! MAT's "Group By Value": the selected objects grouped by their class-specific value, with the
//! objects per value, their shallow sizes, average retained size, and the bytes the copies
//! waste.
//!
//! Values (MAT's name resolvers for these classes): the text of `String`, `StringBuilder`,
//! `StringBuffer` and `char[]`; the `value` of boxed primitives (`Integer`, `Long`, `Short`,
//! `Byte`, `Character`, `Boolean`, `Float`, `Double`) and of `AtomicInteger`/`AtomicLong`/
//! `AtomicBoolean`, grouped by their text as MAT does (`Integer` 1 and `Long` 1 together); the
//! constant name of enums (`com.example.Color.RED`); a class object's name. Other objects group
//! under `None` (MAT: the null row).
//!
//! Strings whose text the build kept are grouped by the hash of their whole text (the
//! duplicate-strings analysis's identity) and shown by their 48-character preview, without
//! reading the dump again; other values are read through the query engine's field reader
//! (again from the dump when the graph does not keep the field).
//!
//! **Wasted bytes** of a group of `n > 1` objects: what all but one copy cost, i.e. the
//! group's bytes × (n − 1) / n, where a String's bytes are its own shallow size plus its value
//! array's (each distinct array once). MAT has no such column; its duplicate-strings query
//! reports the same sum.

use crate::graph::{ClassKind, Dominance, HeapGraph, Node};
use crate::hprof::reread::ObjectSource;
use crate::query::objects::Heap;
use crate::query::value::{text, V};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// One value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueGroup {
    /// The value (Strings: their text, at most 48 characters then `…` when the build kept only
    /// a preview); `None` for objects without a class-specific value.
    pub value: Option<String>,
    /// Whether `value` is cut.
    pub truncated: bool,
    pub objects: u64,
    /// Shallow size of the objects.
    pub shallow: u64,
    /// Their bytes with the value arrays they own (Strings); equals `shallow` otherwise.
    pub bytes: u64,
    /// `bytes × (objects − 1) / objects`.
    pub wasted: u64,
    /// Average retained size of the objects.
    pub avg_retained: u64,
    /// The first object of the group.
    pub first: Node,
    pub first_object_id: String,
}

/// A selection grouped by value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupByValue {
    pub selected: u64,
    /// Values that could not be read (the dump was not available or is damaged there).
    pub unreadable: u64,
    /// Largest wasted first, then most objects.
    pub rows: Vec<ValueGroup>,
    /// Sum of `wasted` over the rows.
    pub wasted: u64,
}

/// A group's identity. Texts carry what the row shows; a kept String's group shows the preview
/// of its first object (nothing is kept per object: 4 M distinct Strings stay 4 M small
/// entries).
#[derive(Hash, PartialEq, Eq, Clone)]
enum Key {
    /// A kept String: the hash of its whole text.
    Hash(u64),
    /// (kind, text): 0 texts read from the dump, 1 boxed values (MAT groups `Integer` 1 and
    /// `Long` 1 together: by the text), 2 enum constants, 3 class objects.
    Text(u8, String),
    None,
}

/// Groups `selection` by value (see the module docs). `None` when `cancel` was set.
pub fn group_by_value<'a>(
    g: &'a HeapGraph,
    d: Option<&'a Dominance>,
    selection: &[Node],
    source: Option<&'a mut dyn ObjectSource>,
    cancel: Option<&AtomicBool>,
) -> Option<GroupByValue> {
    let mut heap = Heap::new(g, d, source);
    struct Acc {
        objects: u64,
        shallow: u64,
        bytes: u64,
        retained: u64,
        first: Node,
    }
    let mut groups: HashMap<Key, Acc> = HashMap::new();
    // Value arrays already counted (one bit per node): a `char[]` shared by JDK ≤ 6 substrings
    // counts once.
    let mut arrays = vec![0u64; g.node_count().div_ceil(64)];
    let mut unreadable = 0u64;
    for (i, &v) in selection.iter().enumerate() {
        if i % 4096 == 0 && cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return None;
        }
        if v.index() >= g.node_count() {
            continue;
        }
        let key = match key_of(g, &mut heap, v) {
            Ok(k) => k,
            Err(()) => {
                unreadable += 1;
                Key::None
            }
        };
        let a = groups.entry(key).or_insert(Acc {
            objects: 0,
            shallow: 0,
            bytes: 0,
            retained: 0,
            first: v,
        });
        let s = g.shallow(v);
        a.objects += 1;
        a.shallow += s;
        a.bytes += s;
        a.retained += d.map_or(0, |d| d.retained(v));
        if let Some(arr) = value_array(g, v) {
            let (w, b) = (arr.index() / 64, arr.get() % 64);
            if arrays[w] >> b & 1 == 0 {
                arrays[w] |= 1 << b;
                a.bytes += g.shallow(arr);
            }
        }
    }
    let mut rows: Vec<ValueGroup> = groups
        .into_iter()
        .map(|(k, a)| {
            let (value, truncated) = match k {
                Key::Hash(_) => shown_preview(g, a.first),
                Key::Text(_, t) => (Some(t), false),
                Key::None => (None, false),
            };
            ValueGroup {
                value,
                truncated,
                objects: a.objects,
                shallow: a.shallow,
                bytes: a.bytes,
                wasted: a.bytes - a.bytes / a.objects.max(1),
                avg_retained: a.retained / a.objects.max(1),
                first: a.first,
                first_object_id: format!("0x{:x}", g.id(a.first)),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.wasted
            .cmp(&a.wasted)
            .then(b.objects.cmp(&a.objects))
            .then(b.shallow.cmp(&a.shallow))
            .then_with(|| a.value.cmp(&b.value))
    });
    Some(GroupByValue {
        selected: selection.len() as u64,
        unreadable,
        wasted: rows.iter().map(|r| r.wasted).sum(),
        rows,
    })
}

/// A kept String's preview, `…` added when the text is longer.
fn shown_preview(g: &HeapGraph, v: Node) -> (Option<String>, bool) {
    let Some(p) = g.string_value(v) else {
        return (None, false);
    };
    let len = g.string_len(v).unwrap_or(0);
    let cut = (p.chars().count() as u64) < len;
    (
        Some(if cut {
            format!("{p}…")
        } else {
            p.to_string()
        }),
        cut,
    )
}

/// The value array a String owns (counted in its bytes).
fn value_array(g: &HeapGraph, v: Node) -> Option<Node> {
    if g.as_class(v).is_some() || g.class(v).name != "java.lang.String" {
        return None;
    }
    g.ref_field(v, "value")
}

const BOXES: &[&str] = &[
    "java.lang.Integer",
    "java.lang.Long",
    "java.lang.Short",
    "java.lang.Byte",
    "java.lang.Character",
    "java.lang.Boolean",
    "java.lang.Float",
    "java.lang.Double",
    "java.util.concurrent.atomic.AtomicInteger",
    "java.util.concurrent.atomic.AtomicLong",
    "java.util.concurrent.atomic.AtomicBoolean",
];

/// The grouping key of one object; `Err` when a field cannot be read.
fn key_of(g: &HeapGraph, heap: &mut Heap, v: Node) -> Result<Key, ()> {
    if let Some(c) = g.as_class(v) {
        return Ok(Key::Text(3, g.classes[c as usize].name.clone()));
    }
    let class = g.class(v);
    let is_text = class.name == "java.lang.String"
        || matches!(
            class.kind,
            ClassKind::PrimitiveArray(crate::hprof::BasicType::Char)
        );
    if is_text {
        // Kept Strings: the whole text's hash (shown by the preview).
        if let Some(h) = g.string_identity(v) {
            return Ok(Key::Hash(h));
        }
    }
    let name = class.name.as_str();
    if is_text || name == "java.lang.StringBuilder" || name == "java.lang.StringBuffer" {
        return match heap.string_text(v).map_err(|_| ())? {
            Some(s) => Ok(Key::Text(0, s)),
            None => Ok(Key::None),
        };
    }
    if BOXES.contains(&name) {
        let atomic_bool = name.ends_with("AtomicBoolean");
        return match heap.field(v, "value").map_err(|_| ())? {
            Some(val) => {
                let t = match val {
                    V::Int(i) if atomic_bool => (i != 0).to_string(),
                    other => text(&other),
                };
                Ok(Key::Text(1, t))
            }
            None => Ok(Key::None),
        };
    }
    if is_enum(g, g.class_index(v)) {
        if let Some(V::Obj(n)) = heap.field(v, "name").map_err(|_| ())? {
            if let Some(s) = heap.string_text(n).map_err(|_| ())? {
                return Ok(Key::Text(
                    2,
                    format!("{}.{s}", enum_class(g, g.class_index(v))),
                ));
            }
        }
    }
    Ok(Key::None)
}

/// Whether the instances of class `c` have a class-specific value to group by (texts, boxed
/// primitives and atomics, enum constants); other objects all fall in the `None` group.
pub fn has_value(g: &HeapGraph, c: u32) -> bool {
    let Some(info) = g.classes.get(c as usize) else {
        return false;
    };
    let name = info.name.as_str();
    matches!(
        name,
        "java.lang.String" | "java.lang.StringBuilder" | "java.lang.StringBuffer"
    ) || matches!(
        info.kind,
        ClassKind::PrimitiveArray(crate::hprof::BasicType::Char)
    ) || BOXES.contains(&name)
        || is_enum(g, c)
}

/// Whether class `c` is an enum (a subclass of `java.lang.Enum`, not `Enum` itself).
fn is_enum(g: &HeapGraph, c: u32) -> bool {
    let mut k = g.classes[c as usize].super_class;
    for _ in 0..64 {
        match g.classes.get(k as usize) {
            Some(info) if info.name == "java.lang.Enum" => return true,
            Some(info) => k = info.super_class,
            None => return false,
        }
    }
    false
}

/// The enum type of a constant: its class, or the superclass for constants with a body
/// (`Color$1` extends `Color`).
fn enum_class(g: &HeapGraph, c: u32) -> String {
    let info = &g.classes[c as usize];
    match g.classes.get(info.super_class as usize) {
        Some(sup) if sup.name != "java.lang.Enum" => sup.name.clone(),
        _ => info.name.clone(),
    }
}
