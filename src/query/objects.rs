//! What a query reads of an object: fields (kept by the build, else read again from the dump),
//! array elements, MAT's `@` attributes, and the text of Strings of every JDK layout (JDK ≤ 6
//! `char[]` + offset/count, JDK 7–8 `char[]`, JDK 9+ `byte[]` + coder), builders, boxed
//! primitives, class and thread names.

use super::value::V;
use crate::graph::record::{read_record, ObjectRecord, RecordError};
use crate::graph::{ClassKind, Dominance, HeapGraph, Node, STRING_PREVIEW_CHARS};
use crate::hprof::reread::ObjectSource;
use crate::hprof::{BasicType, Id, Value};

/// Longest text read for `toString` (characters beyond are cut).
pub(crate) const MAX_TEXT_CHARS: usize = 1 << 20;
/// Most elements `@valueArray` / `@referenceArray` read.
pub(crate) const MAX_ARRAY_VALUES: usize = 1 << 16;

/// The heap as a query sees it.
pub(crate) struct Heap<'a> {
    pub g: &'a HeapGraph,
    pub dom: Option<&'a Dominance>,
    src: Option<&'a mut dyn ObjectSource>,
    /// The last record read (a query reads several fields of one object in a row).
    cache: Option<(Node, usize, ObjectRecord)>,
}

/// Why a value could not be read.
pub(crate) type ReadResult<T> = Result<T, String>;

fn rec_err(e: RecordError) -> String {
    e.to_string()
}

impl<'a> Heap<'a> {
    pub(crate) fn new(
        g: &'a HeapGraph,
        dom: Option<&'a Dominance>,
        src: Option<&'a mut dyn ObjectSource>,
    ) -> Self {
        Heap {
            g,
            dom,
            src,
            cache: None,
        }
    }

    fn obj(&self, id: Id) -> V {
        match self.g.node_of(id) {
            Some(n) if !id.is_null() => V::Obj(n),
            _ => V::Null,
        }
    }

    fn value(&self, v: Value) -> V {
        match v {
            Value::Object(id) => self.obj(id),
            Value::Boolean(b) => V::Bool(b),
            Value::Char(c) => V::Char(c),
            Value::Float(f) => V::Float(f as f64),
            Value::Double(d) => V::Float(d),
            Value::Byte(b) => V::Int(b as i64),
            Value::Short(s) => V::Int(s as i64),
            Value::Int(i) => V::Int(i as i64),
            Value::Long(l) => V::Int(l),
        }
    }

    /// The node's record with at least `want` data bytes (or all it has).
    fn record(&mut self, node: Node, want: usize) -> ReadResult<&ObjectRecord> {
        let hit =
            matches!(&self.cache, Some((n, w, r)) if *n == node && (*w >= want || !r.truncated));
        if !hit {
            let Some(src) = self.src.as_deref_mut() else {
                return Err("this field is not kept in memory and the dump file is not available to read it from".into());
            };
            let want = want.max(256);
            let rec = read_record(self.g, src, node, want).map_err(rec_err)?;
            self.cache = Some((node, want, rec));
        }
        Ok(&self.cache.as_ref().expect("just filled").2)
    }

    /// Field `name` of an object: an instance field, or a static of a class object. `None`
    /// when the object has no such field.
    pub(crate) fn field(&mut self, node: Node, name: &str) -> ReadResult<Option<V>> {
        let g = self.g;
        if let Some(c) = g.as_class(node) {
            let class = &g.classes[c as usize];
            return Ok(class
                .statics
                .iter()
                .find(|s| g.symbol(s.name) == name)
                .map(|s| self.value(s.value)));
        }
        let class = g.class(node);
        if class.kind != ClassKind::Instance {
            return Ok(None);
        }
        let Some(f) = g.field_slot(g.class_index(node), name) else {
            return Ok(None);
        };
        if let Some(v) = g.field_value(node, name) {
            return Ok(Some(self.value(v)));
        }
        let (off, ty) = (f.offset as usize, f.ty);
        let size = ty.size(g.id_size());
        let id_size = g.id_size();
        let rec = self.record(node, off + size)?;
        let v = rec
            .data
            .get(off..off + size)
            .map(|b| Value::read(ty, b, id_size));
        Ok(v.map(|v| self.value(v)))
    }

    /// Element `i` of an array (null when out of range or not an array).
    pub(crate) fn element(&mut self, node: Node, i: i64) -> ReadResult<V> {
        let len = self.g.array_len(node) as i64;
        if i < 0 || i >= len || self.g.as_class(node).is_some() {
            return Ok(V::Null);
        }
        let id_size = self.g.id_size();
        let (ty, size) = match self.g.class(node).kind {
            ClassKind::Instance => return Ok(V::Null),
            ClassKind::ObjectArray => (BasicType::Object, id_size as usize),
            ClassKind::PrimitiveArray(t) => (t, t.size(id_size)),
        };
        let at = i as usize * size;
        let rec = self.record(node, at + size)?;
        let v = rec
            .data
            .get(at..at + size)
            .map(|b| Value::read(ty, b, id_size));
        Ok(v.map_or(V::Null, |v| self.value(v)))
    }

    /// All elements of an array, at most [`MAX_ARRAY_VALUES`].
    pub(crate) fn elements(&mut self, node: Node) -> ReadResult<V> {
        let n = (self.g.array_len(node) as usize).min(MAX_ARRAY_VALUES);
        if self.g.as_class(node).is_some() || self.g.class(node).kind == ClassKind::Instance {
            return Ok(V::Null);
        }
        let id_size = self.g.id_size();
        let ty = match self.g.class(node).kind {
            ClassKind::PrimitiveArray(t) => t,
            _ => BasicType::Object,
        };
        let size = ty.size(id_size);
        let rec = self.record(node, n * size)?;
        let vals: Vec<Value> = rec
            .data
            .chunks_exact(size)
            .take(n)
            .map(|b| Value::read(ty, b, id_size))
            .collect();
        Ok(V::List(vals.into_iter().map(|v| self.value(v)).collect()))
    }

    /// A `char[]` / `byte[]` as text (`utf16` for JDK 9+ byte[] with coder 1), from element
    /// `from`, at most `count` characters.
    fn array_text(
        &mut self,
        arr: Node,
        utf16: bool,
        from: usize,
        count: usize,
    ) -> ReadResult<Option<String>> {
        let (elem, unit) = match self.g.class(arr).kind {
            ClassKind::PrimitiveArray(BasicType::Char) => (BasicType::Char, 2),
            ClassKind::PrimitiveArray(BasicType::Byte) => {
                (BasicType::Byte, if utf16 { 2 } else { 1 })
            }
            _ => return Ok(None),
        };
        let count = count.min(MAX_TEXT_CHARS);
        // Offsets come from the file: saturate rather than overflow (32-bit targets too).
        let rec = self.record(arr, from.saturating_add(count).saturating_mul(unit))?;
        let data = rec.data.get(from.saturating_mul(unit)..).unwrap_or(&[]);
        let data = &data[..data.len().min(count * unit)];
        Ok(Some(match (elem, utf16) {
            (BasicType::Byte, false) => data.iter().map(|&b| b as char).collect(),
            _ => {
                let big = elem == BasicType::Char;
                let units = data.chunks_exact(2).map(|c| {
                    if big {
                        u16::from_be_bytes([c[0], c[1]])
                    } else {
                        u16::from_le_bytes([c[0], c[1]])
                    }
                });
                char::decode_utf16(units)
                    .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect()
            }
        }))
    }

    fn int_field(&mut self, node: Node, name: &str) -> ReadResult<Option<i64>> {
        Ok(match self.field(node, name)? {
            Some(V::Int(i)) => Some(i),
            _ => None,
        })
    }

    /// The whole text of a String or `char[]` when the graph's preview holds all of it (fewer
    /// than [`STRING_PREVIEW_CHARS`] chars: most Strings of a heap): no read from the dump. A
    /// regex over every String then reads only the long ones again.
    fn short_text(&self, node: Node) -> Option<String> {
        let g = self.g;
        let class = g.class(node);
        let chars = class.kind == ClassKind::PrimitiveArray(BasicType::Char);
        if !chars && class.name != "java.lang.String" {
            return None;
        }
        let preview = g.string_value(node)?;
        let units = preview.encode_utf16().count();
        (units < STRING_PREVIEW_CHARS && g.string_len(node)? == units as u64)
            .then(|| preview.to_string())
    }

    /// Text of a String-like object (String, StringBuilder/Buffer, char[]), else `None`.
    pub(crate) fn string_text(&mut self, node: Node) -> ReadResult<Option<String>> {
        if self.g.as_class(node).is_some() {
            return Ok(None);
        }
        if let Some(text) = self.short_text(node) {
            return Ok(Some(text));
        }
        if matches!(
            self.g.class(node).kind,
            ClassKind::PrimitiveArray(BasicType::Char)
        ) {
            let n = self.g.array_len(node) as usize;
            return self.array_text(node, false, 0, n);
        }
        let Some(V::Obj(arr)) = self.field(node, "value")? else {
            return Ok(None);
        };
        let class = self.g.class(node).name.as_str();
        let builder = matches!(
            class,
            "java.lang.StringBuilder"
                | "java.lang.StringBuffer"
                | "java.lang.AbstractStringBuilder"
        );
        if class != "java.lang.String" && !builder {
            return Ok(None);
        }
        let coder = self.int_field(node, "coder")?;
        let utf16 = coder == Some(1);
        let unit = if utf16 { 2 } else { 1 };
        let len = self.g.array_len(arr) as usize;
        let is_bytes = matches!(
            self.g.class(arr).kind,
            ClassKind::PrimitiveArray(BasicType::Byte)
        );
        let chars = if is_bytes { len / unit } else { len };
        // JDK ≤ 6: offset/count into a shared char[]; builders: count used chars.
        let offset = self.int_field(node, "offset")?.unwrap_or(0).max(0) as usize;
        let count = match self.int_field(node, "count")? {
            Some(c) => (c.max(0) as usize).min(chars.saturating_sub(offset)),
            None => chars,
        };
        self.array_text(arr, utf16, offset, count)
    }

    /// MAT's `toString()` of an object: its class-specific text (Strings, builders, `char[]`,
    /// boxed primitives, class names, thread names), else the display name.
    pub(crate) fn text_of(&mut self, node: Node) -> ReadResult<String> {
        if let Some(c) = self.g.as_class(node) {
            return Ok(self.g.classes[c as usize].name.clone());
        }
        if let Some(s) = self.string_text(node)? {
            return Ok(s);
        }
        let class = self.g.class(node).name.clone();
        match class.as_str() {
            "java.lang.Integer"
            | "java.lang.Long"
            | "java.lang.Short"
            | "java.lang.Byte"
            | "java.lang.Character"
            | "java.lang.Boolean"
            | "java.lang.Float"
            | "java.lang.Double"
            | "java.util.concurrent.atomic.AtomicInteger"
            | "java.util.concurrent.atomic.AtomicLong"
            | "java.util.concurrent.atomic.AtomicBoolean" => {
                if let Some(v) = self.field(node, "value")? {
                    return Ok(match v {
                        V::Int(i) if class.ends_with("AtomicBoolean") => (i != 0).to_string(),
                        v => super::value::text(&v),
                    });
                }
            }
            _ => {
                if self.is_thread(node) {
                    if let Some(V::Obj(n)) = self.field(node, "name")? {
                        if let Some(s) = self.string_text(n)? {
                            return Ok(s);
                        }
                    }
                }
            }
        }
        Ok(self.display_name(node))
    }

    fn is_thread(&self, node: Node) -> bool {
        let mut c = self.g.class_index(node);
        for _ in 0..64 {
            let Some(k) = self.g.classes.get(c as usize) else {
                return false;
            };
            if k.name == "java.lang.Thread" {
                return true;
            }
            c = k.super_class;
        }
        false
    }

    /// `java.lang.String @ 0x…`, MAT's display name without the class-specific suffix.
    pub(crate) fn display_name(&self, node: Node) -> String {
        format!("{} @ 0x{:x}", self.g.display_class(node), self.g.id(node))
    }

    /// GC root kinds of an object (`@GCRootInfo`), null if it is not a root.
    pub(crate) fn root_info(&self, node: Node) -> V {
        let mut kinds: Vec<String> = self
            .g
            .roots
            .iter()
            .filter(|r| r.node == node)
            .map(|r| format!("{:?}", r.kind))
            .collect();
        kinds.dedup();
        if kinds.is_empty() {
            V::Null
        } else {
            V::Str(kinds.join(", "))
        }
    }

    /// MAT's `@` attributes; `None` for an unknown name.
    pub(crate) fn attribute(&mut self, node: Node, name: &str) -> ReadResult<Option<V>> {
        let g = self.g;
        let is_array = g.as_class(node).is_none() && g.class(node).is_array();
        Ok(Some(match name.to_ascii_lowercase().as_str() {
            "objectid" => V::Int(node.get() as i64),
            "objectaddress" => V::Int(g.id(node).get() as i64),
            "usedheapsize" | "shallowsize" => V::Int(g.shallow(node) as i64),
            "retainedheapsize" | "retainedsize" => match self.dom {
                Some(d) => V::Int(d.retained(node) as i64),
                None => V::Null,
            },
            "length" if is_array => V::Int(g.array_len(node) as i64),
            "length" => V::Null,
            "clazz" => g.class_node(node).map_or(V::Null, V::Obj),
            "displayname" => V::Str(self.display_name(node)),
            "gcrootinfo" => self.root_info(node),
            "classname" => V::Str(g.display_class(node)),
            "name" => match g.as_class(node) {
                Some(c) => V::Str(g.classes[c as usize].name.clone()),
                None => V::Null,
            },
            "valuearray" if is_array && g.class(node).kind != ClassKind::ObjectArray => {
                self.elements(node)?
            }
            "referencearray" if is_array && g.class(node).kind == ClassKind::ObjectArray => {
                self.elements(node)?
            }
            "valuearray" | "referencearray" => V::Null,
            _ => return Ok(None),
        }))
    }
}
