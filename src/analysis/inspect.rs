//! One object as an inspector shows it (the page's object view, MAT's Inspector): its kind,
//! sizes, GC roots, dominator chain, fields or static fields with their values, class facts,
//! and which investigation views apply to it. Also the short value preview a row of any list
//! shows next to an object (a String's text, an array's length, a thread's name).
//!
//! The types serialize as the page's protocol sends them (ids as `0x…` strings, the kind as
//! its words), so the worker answers with them as they are.

use super::histogram::{loader_name, Histogram};
use super::threads::thread_name;
use crate::graph::record::read_record;
use crate::graph::{ClassKind, Dominance, EdgeLabel, HeapGraph, Node, NO_CLASS};
use crate::hprof::reread::ObjectSource;
use crate::hprof::{BasicType, Id, Value};
use crate::report::{format_id, percent};
use serde::{Deserialize, Serialize};

/// The value of a primitive field whose data the build did not keep and that was not read
/// from the dump (no file to read it from, or [`object_details`] without one).
pub const NOT_KEPT: &str = "(not kept)";

/// Dominator-tree ancestors [`object_details`] lists at most.
pub(crate) const MAX_DOMINATOR_CHAIN: usize = 50;

/// What an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectKind {
    #[serde(rename = "instance")]
    Instance,
    #[serde(rename = "object array")]
    ObjectArray,
    #[serde(rename = "primitive array")]
    PrimitiveArray,
    /// A class object (its fields are the static fields).
    #[serde(rename = "class")]
    Class,
}

impl ObjectKind {
    /// The kind in words, as the JSON names it (`object array`).
    pub fn label(self) -> &'static str {
        match self {
            ObjectKind::Instance => "instance",
            ObjectKind::ObjectArray => "object array",
            ObjectKind::PrimitiveArray => "primitive array",
            ObjectKind::Class => "class",
        }
    }
}

/// An object by id and class name (a link in the page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    /// `0x…`.
    pub object_id: String,
    /// Class name; `class com.x.Foo` for a class object.
    pub class: String,
}

impl ObjectRef {
    pub(crate) fn of(g: &HeapGraph, v: Node) -> ObjectRef {
        ObjectRef {
            object_id: format_id(g.id(v)),
            class: g.display_class(v),
        }
    }
}

/// One instance field, or one static field of a class object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRow {
    pub name: String,
    /// `int`, `Object`…
    pub ty: String,
    /// Display value: `42`, `null`, `"text"`, `0x…`; [`NOT_KEPT`] when the build did not keep
    /// this class's primitive field data (`graph::build::KeepFields`) and it was not read again
    /// from the dump ([`object_details_from`]).
    pub value: String,
    /// For non-null reference fields: the target.
    pub target: Option<ObjectRef>,
}

/// Facts of a class object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassDetails {
    pub name: String,
    pub super_class: Option<String>,
    pub loader: String,
    pub instance_size: u32,
    /// Class index (histogram row), to list instances.
    pub class_index: u32,
    /// Instances, reachable or not.
    pub instances: u64,
}

/// Which investigation views apply to an object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExploreFacts {
    /// Its class's index (instances; `None` for class objects).
    pub class_index: Option<u32>,
    /// Its class has a value to group by (Strings, boxed primitives, enums).
    pub groupable: bool,
    /// The JDK collection it is read as, when it is one (its contents can be listed).
    pub collection: Option<String>,
    /// The collection's size.
    pub collection_size: Option<u64>,
}

/// One object's details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectDetails {
    pub object_id: String,
    pub class: String,
    /// The class object of its class (to navigate to it).
    pub class_object_id: Option<String>,
    pub kind: ObjectKind,
    pub shallow: u64,
    pub retained: u64,
    pub retained_objects: u64,
    /// Percent of the reachable heap.
    pub pct: f64,
    pub reachable: bool,
    pub array_length: Option<u32>,
    /// Text of a String or of a string's value array (preview).
    pub string_value: Option<String>,
    /// Root kinds (MAT's names) if the object is a GC root.
    pub gc_roots: Vec<String>,
    /// Immediate dominator (`None` for a GC root's dominator = the super-root, or unreachable).
    pub dominator: Option<ObjectRef>,
    /// Dominator-tree ancestors, top first (excluding the object), at most
    /// [`MAX_DOMINATOR_CHAIN`].
    pub dominator_chain: Vec<ObjectRef>,
    /// Instance fields in layout order (instances) or static fields (class objects).
    pub fields: Vec<FieldRow>,
    /// For class objects: the class's super class, loader, instance size.
    pub class_info: Option<ClassDetails>,
    /// Outgoing references.
    pub outgoing: u32,
    /// Which investigation views apply to it.
    #[serde(default)]
    pub explore: ExploreFacts,
}

/// The details of object `v`. `hist` (the class histogram) gives a class object's instance
/// count; without it they are counted (one pass over the objects).
pub fn object_details(
    g: &HeapGraph,
    d: &Dominance,
    v: Node,
    hist: Option<&Histogram>,
) -> ObjectDetails {
    let class_index = g.as_class(v);
    let class = g.class(v);
    let kind = match (class_index, class.kind) {
        (Some(_), _) => ObjectKind::Class,
        (None, ClassKind::Instance) => ObjectKind::Instance,
        (None, ClassKind::ObjectArray) => ObjectKind::ObjectArray,
        (None, ClassKind::PrimitiveArray(_)) => ObjectKind::PrimitiveArray,
    };
    let retained = d.retained(v);
    let mut gc_roots: Vec<String> = g
        .roots
        .iter()
        .filter(|r| r.node == v)
        .map(|r| r.kind.label().to_string())
        .collect();
    gc_roots.dedup();
    let chain = dominator_chain(g, d, v);
    let edges = g.labelled_edges(v);
    let (fields, class_info) = match class_index {
        Some(ci) => (static_fields(g, ci), Some(class_details(g, ci, hist))),
        None if class.kind == ClassKind::Instance => (instance_fields(g, v, &edges), None),
        None => (Vec::new(), None),
    };
    ObjectDetails {
        object_id: format_id(g.id(v)),
        class: g.display_class(v),
        class_object_id: g.class_node(v).map(|c| format_id(g.id(c))),
        kind,
        shallow: g.shallow(v),
        retained,
        retained_objects: d.retained_count(v),
        pct: percent(retained, d.reachable_bytes()),
        reachable: d.is_reachable(v),
        array_length: (class_index.is_none() && class.is_array()).then(|| g.array_len(v)),
        string_value: g.string_value(v).map(str::to_string),
        gc_roots,
        dominator: chain.last().cloned(),
        dominator_chain: chain,
        fields,
        class_info,
        outgoing: edges.len() as u32,
        explore: explore_facts(g, v),
    }
}

/// [`object_details`], with the primitive fields the build did not keep read again from the
/// dump (`src`: the file, as the CLI's queries and the page's worker hold it), so the inspector
/// shows every field of any object, as MAT's does. One record read per object; if it fails
/// (no record location, the file changed), the fields stay [`NOT_KEPT`] and the error is
/// returned beside the details.
pub fn object_details_from(
    g: &HeapGraph,
    d: &Dominance,
    v: Node,
    hist: Option<&Histogram>,
    src: Option<&mut dyn ObjectSource>,
) -> (ObjectDetails, Option<String>) {
    let mut details = object_details(g, d, v, hist);
    let unread =
        details.kind == ObjectKind::Instance && details.fields.iter().any(|f| f.value == NOT_KEPT);
    let error = match src {
        Some(src) if unread => read_unkept_fields(g, v, &mut details.fields, src).err(),
        _ => None,
    };
    (details, error)
}

/// Fills the [`NOT_KEPT`] rows of an instance's `fields` (in layout order, one row per slot, as
/// [`instance_fields`] makes them) from its record in the dump, by each slot's byte offset (so a
/// field hidden by a subclass's field of the same name gets its own value).
fn read_unkept_fields(
    g: &HeapGraph,
    v: Node,
    fields: &mut [FieldRow],
    src: &mut dyn ObjectSource,
) -> Result<(), String> {
    let class = g.class_index(v);
    let bytes = g.classes.get(class as usize).map_or(0, |c| c.field_bytes) as usize;
    let record = read_record(g, src, v, bytes).map_err(|e| e.to_string())?;
    let id_size = g.id_size();
    for (row, slot) in fields.iter_mut().zip(g.layout(class)) {
        if row.value != NOT_KEPT || slot.ty == BasicType::Object {
            continue;
        }
        let at = slot.offset as usize;
        if let Some(b) = record.data.get(at..at + slot.ty.size(id_size)) {
            row.value = format_value(&Value::read(slot.ty, b, id_size));
        }
    }
    Ok(())
}

/// Which investigation views apply to `v`.
pub(crate) fn explore_facts(g: &HeapGraph, v: Node) -> ExploreFacts {
    let class_index = g.as_class(v).is_none().then(|| g.class_index(v));
    let info = super::collections::extract(g, v);
    ExploreFacts {
        class_index,
        groupable: class_index.is_some_and(|c| super::explore::group_by_value::has_value(g, c)),
        collection: info.as_ref().map(|i| i.jdk_class.clone()),
        collection_size: info.map(|i| i.size),
    }
}

/// The short preview a list shows next to an object: a String's text, an array's length, a
/// thread's name; `None` for class objects and other instances.
pub fn preview(g: &HeapGraph, v: Node) -> Option<String> {
    if g.as_class(v).is_some() {
        return None;
    }
    let class = g.class(v);
    if class.name == "java.lang.String" {
        return g.string_value(v).map(|s| format!("\"{s}\""));
    }
    match class.kind {
        ClassKind::ObjectArray | ClassKind::PrimitiveArray(_) => {
            Some(format!("length {}", g.array_len(v)))
        }
        ClassKind::Instance if class.name.ends_with("Thread") => {
            thread_name(g, v).map(|n| format!("\"{n}\""))
        }
        ClassKind::Instance => None,
    }
}

/// Ancestors of `v` in the dominator tree, top first, the super-root left out.
fn dominator_chain(g: &HeapGraph, d: &Dominance, v: Node) -> Vec<ObjectRef> {
    let mut chain = Vec::new();
    let mut up = d.idom(v);
    while let Some(p) = up {
        if p == g.super_root() || chain.len() >= MAX_DOMINATOR_CHAIN {
            break;
        }
        chain.push(ObjectRef::of(g, p));
        up = d.idom(p);
    }
    chain.reverse();
    chain
}

fn static_fields(g: &HeapGraph, ci: u32) -> Vec<FieldRow> {
    g.classes[ci as usize]
        .statics
        .iter()
        .map(|s| FieldRow {
            name: g.symbol(s.name).to_string(),
            ty: s.value.basic_type().java_name().into(),
            value: format_value(&s.value),
            target: match s.value {
                Value::Object(id) if !id.is_null() => g.node_of(id).map(|t| ObjectRef::of(g, t)),
                _ => None,
            },
        })
        .collect()
}

fn class_details(g: &HeapGraph, ci: u32, hist: Option<&Histogram>) -> ClassDetails {
    let info = &g.classes[ci as usize];
    let instances = match hist {
        Some(h) => h
            .reachable
            .iter()
            .chain(&h.unreachable)
            .filter(|r| r.class == ci)
            .map(|r| r.instances)
            .sum(),
        None => g
            .nodes()
            .filter(|&v| g.as_class(v).is_none() && g.class_index(v) == ci)
            .count() as u64,
    };
    ClassDetails {
        name: info.name.clone(),
        super_class: (info.super_class != NO_CLASS)
            .then(|| g.classes[info.super_class as usize].name.clone()),
        loader: loader_name(g, info.loader),
        instance_size: info.instance_size,
        class_index: ci,
        instances,
    }
}

/// An instance's fields in layout order: references from its edges (a null field has no
/// edge, so edges and reference fields are matched by name in order), primitives from the
/// field data the build kept.
fn instance_fields(g: &HeapGraph, v: Node, edges: &[(Node, EdgeLabel)]) -> Vec<FieldRow> {
    let mut refs = edges.iter().filter_map(|(t, l)| match l {
        EdgeLabel::Field(n) => Some((n.as_str(), *t)),
        _ => None,
    });
    let mut next_ref = refs.next();
    let mut fields = Vec::new();
    for f in g.layout(g.class_index(v)) {
        let name = g.symbol(f.name);
        if f.ty == BasicType::Object {
            let target = match next_ref {
                Some((n, t)) if n == name => {
                    next_ref = refs.next();
                    Some(t)
                }
                _ => None,
            };
            let value = match target {
                Some(t) => match g
                    .string_value(t)
                    .filter(|_| g.class(t).name == "java.lang.String")
                {
                    Some(s) => format!("\"{s}\""),
                    None => format_id(g.id(t)),
                },
                None => "null".into(),
            };
            fields.push(FieldRow {
                name: name.to_string(),
                ty: "Object".into(),
                value,
                target: target.map(|t| ObjectRef::of(g, t)),
            });
        } else {
            // Field data is kept for the JDK classes the analyses read and, within a budget,
            // for application classes (see `graph::build::KeepFields`).
            let value = g
                .field_value(v, name)
                .map(|x| format_value(&x))
                .unwrap_or_else(|| NOT_KEPT.into());
            fields.push(FieldRow {
                name: name.to_string(),
                ty: f.ty.java_name().into(),
                value,
                target: None,
            });
        }
    }
    fields
}

/// A field value as the inspector shows it (`null`, `0x…`, `'c'`, `42`).
fn format_value(v: &Value) -> String {
    match *v {
        Value::Object(Id::NULL) => "null".into(),
        Value::Object(id) => format_id(id),
        Value::Boolean(b) => b.to_string(),
        Value::Char(c) => match char::from_u32(c as u32) {
            Some(ch) if !ch.is_control() => format!("'{ch}'"),
            _ => format!("'\\u{c:04x}'"),
        },
        Value::Float(f) => f.to_string(),
        Value::Double(f) => f.to_string(),
        Value::Byte(b) => b.to_string(),
        Value::Short(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Long(l) => l.to_string(),
    }
}
