//! Pass 1's search for the primitive arrays that hold text the analyses read, so that pass 2
//! keeps a preview of their contents (see `store::StringStore`):
//!
//! - `String.value`: a `byte[]` with a `coder` (JDK 9+), a `char[]` (JDK ≤ 8), and in JDK ≤ 6
//!   (up to 7u4) a *slice* of that `char[]` given by the String's `offset` and `count` fields
//!   (`substring` shares the parent's array), which gets a preview of its own, keyed by the
//!   String;
//! - `Thread.name` of JDK ≤ 8, a bare `char[]` (a `String` from JDK 9 on, whose value is found
//!   as above).
//!
//! Field offsets come from the CLASS DUMPs, which HotSpot and the hprof agent write before any
//! instance; an instance whose class layout is not known yet when it is read is not probed.

use super::classes::{ClassInfo, ClassKind, NO_CLASS};
use super::ids::{IdMap, SortedIds};
use super::strings_ahead::Strings;
use crate::graph::Node;
use crate::hprof::{read_id, BasicType, ClassDump, Id, Instance};

/// Where the String fields lie in an INSTANCE DUMP's field data.
#[derive(Debug, Default, Clone, Copy)]
struct StringLayout {
    value: Option<usize>,
    coder: Option<usize>,
    offset: Option<usize>,
    count: Option<usize>,
    fields_len: usize,
}

/// Per class slot: what the probe learned of its instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClassProbe {
    /// Not resolved yet (or resolved while some superclass's CLASS DUMP was missing: retried
    /// when more CLASS DUMPs have arrived).
    Unknown { dumps_seen: u32 },
    /// Neither a String nor a Thread.
    Nothing,
    /// A `java.lang.Thread` (or subclass) whose `name` reference is at this byte offset.
    ThreadName(u32),
}

/// A `String` whose text is part of its `char[]` (JDK ≤ 6 `offset`/`count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slice {
    pub string: Id,
    pub value: Id,
    /// First char and number of chars.
    pub offset: u32,
    pub count: u32,
}

/// What pass 1 collects (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct TextProbe {
    id_size: u8,
    string_class: Option<Id>,
    string: StringLayout,
    thread_class: Option<Id>,
    /// Offset of `name` among `java.lang.Thread`'s own fields, once its CLASS DUMP is read.
    thread_name: Option<usize>,
    /// Per class slot (see `Pass1::slot`).
    classes: Vec<ClassProbe>,
    dumps_seen: u32,
    /// (value array id, coder) of every String whose whole array is its text.
    pub values: Vec<(Id, u8)>,
    /// Strings whose text is part of their array.
    pub slices: Vec<Slice>,
    /// Targets of `Thread.name` (kept only where they turn out to be `char[]`s).
    pub thread_names: Vec<Id>,
    /// Strings and `java.lang.Thread`s read before their CLASS DUMP (the hprof agent writes
    /// the CLASS DUMPs after the instances): (instance id, class id, start and end of its
    /// field data in `stash_data`), read when the CLASS DUMP comes. At most [`STASH_BYTES`].
    stash: Vec<(Id, Id, u32, u32)>,
    stash_data: Vec<u8>,
    /// Instances read before their class layout was known and not stashed (subclasses of
    /// Thread, or past the stash's budget): pass 2 probes again ([`LateText`]).
    missed: u64,
}

/// Field bytes the probe may hold for instances that precede their CLASS DUMP.
const STASH_BYTES: usize = 64 << 20;

fn is_class(name: &str, jvm: &str) -> bool {
    // The hprof agent writes some class names in source form.
    name == jvm || (name.len() == jvm.len() && name.replace('.', "/") == jvm)
}

impl TextProbe {
    pub(crate) fn new(id_size: u8) -> Self {
        TextProbe {
            id_size,
            ..TextProbe::default()
        }
    }

    /// Instances pass 1 could not read (see [`LateText`]).
    pub(crate) fn missed(&self) -> u64 {
        self.missed + self.stash.len() as u64
    }

    /// A LOAD CLASS record.
    pub(crate) fn load_class(&mut self, class_id: Id, name: Option<&str>) {
        match name {
            Some(n) if is_class(n, "java/lang/String") => self.string_class = Some(class_id),
            Some(n) if is_class(n, "java/lang/Thread") => self.thread_class = Some(class_id),
            _ => {}
        }
    }

    /// A CLASS DUMP record.
    pub(crate) fn class_dump(&mut self, c: &ClassDump, utf8: &IdMap<Id, String>) {
        self.dumps_seen += 1;
        if Some(c.class_id) == self.thread_class {
            let mut off = 0usize;
            for f in &c.fields {
                // `name` is `char[]` (JDK ≤ 8) or `String`: an object reference either way.
                if f.ty == BasicType::Object
                    && utf8.get(&f.name_id).map(String::as_str) == Some("name")
                {
                    self.thread_name = Some(off);
                }
                off += f.ty.size(self.id_size);
            }
            self.drain_stash(c.class_id);
        }
        if Some(c.class_id) != self.string_class {
            return;
        }
        let mut l = StringLayout::default();
        let mut off = 0usize;
        for f in &c.fields {
            let name = utf8.get(&f.name_id).map(String::as_str);
            match (name, f.ty) {
                (Some("value"), BasicType::Object) => l.value = Some(off),
                (Some("coder"), BasicType::Byte) => l.coder = Some(off),
                (Some("offset"), BasicType::Int) => l.offset = Some(off),
                (Some("count"), BasicType::Int) => l.count = Some(off),
                _ => {}
            }
            off += f.ty.size(self.id_size);
        }
        l.fields_len = off;
        self.string = l;
        self.drain_stash(c.class_id);
    }

    /// Reads the stashed instances of `class`, whose layout is now known.
    fn drain_stash(&mut self, class: Id) {
        if !self.stash.iter().any(|e| e.1 == class) {
            return;
        }
        let stash = std::mem::take(&mut self.stash);
        let data = std::mem::take(&mut self.stash_data);
        for &(id, c, a, b) in &stash {
            if c == class {
                self.known_instance(id, c, &data[a as usize..b as usize]);
            } else {
                let start = self.stash_data.len() as u32;
                self.stash_data
                    .extend_from_slice(&data[a as usize..b as usize]);
                self.stash
                    .push((id, c, start, self.stash_data.len() as u32));
            }
        }
    }

    /// A String or `java.lang.Thread` instance (not a subclass) whose layout is known.
    fn known_instance(&mut self, id: Id, class: Id, fields: &[u8]) {
        if Some(class) == self.string_class {
            self.string_instance(id, fields);
        } else if let Some(off) = self.thread_name {
            self.thread_name_at(fields, off);
        }
    }

    /// Keeps an instance of String or `java.lang.Thread` for when its CLASS DUMP comes.
    fn stash(&mut self, i: &Instance<'_>) {
        if self.stash_data.len() + i.fields.len() > STASH_BYTES {
            self.missed += 1;
            return;
        }
        let start = self.stash_data.len() as u32;
        self.stash_data.extend_from_slice(i.fields);
        self.stash
            .push((i.id, i.class_id, start, self.stash_data.len() as u32));
    }

    fn thread_name_at(&mut self, fields: &[u8], off: usize) {
        if let Some(b) = fields.get(off..off + self.id_size as usize) {
            let name = read_id(b, self.id_size);
            if !name.is_null() {
                self.thread_names.push(name);
            }
        }
    }

    /// An INSTANCE DUMP of class slot `slot`. `dump_of` gives the CLASS DUMPs seen so far by
    /// class id.
    pub(crate) fn instance<'d>(
        &mut self,
        i: &Instance<'_>,
        slot: u32,
        dump_of: impl Fn(Id) -> Option<&'d ClassDump>,
    ) {
        if Some(i.class_id) == self.string_class {
            if self.string.value.is_none() {
                self.stash(i);
            } else {
                self.string_instance(i.id, i.fields);
            }
            return;
        }
        let Some(thread_class) = self.thread_class else {
            return;
        };
        let Some(name_at) = self.thread_name else {
            if i.class_id == thread_class {
                self.stash(i);
            } else {
                // Maybe a Thread subclass: pass 2 will tell.
                self.missed += 1;
            }
            return;
        };
        let s = slot as usize;
        if self.classes.len() <= s {
            self.classes.resize(
                s + 1,
                ClassProbe::Unknown {
                    dumps_seen: u32::MAX,
                },
            );
        }
        let probe = match self.classes[s] {
            ClassProbe::Unknown { dumps_seen } if dumps_seen != self.dumps_seen => {
                let p = resolve_thread(i.class_id, thread_class, name_at, self.id_size, &dump_of)
                    .unwrap_or(ClassProbe::Unknown {
                        dumps_seen: self.dumps_seen,
                    });
                self.classes[s] = p;
                p
            }
            p => p,
        };
        if let ClassProbe::Unknown { .. } = probe {
            self.missed += 1;
        }
        if let ClassProbe::ThreadName(off) = probe {
            self.thread_name_at(i.fields, off as usize);
        }
    }

    fn string_instance(&mut self, id: Id, fields: &[u8]) {
        let l = self.string;
        let Some(v) = l.value else { return };
        if fields.len() < l.fields_len {
            return;
        }
        let value = read_id(&fields[v..], self.id_size);
        if value.is_null() {
            return;
        }
        let int_at = |o: Option<usize>| {
            o.map(|o| i32::from_be_bytes(fields[o..o + 4].try_into().expect("4 bytes")))
        };
        if let (Some(offset), Some(count)) = (int_at(l.offset), int_at(l.count)) {
            // A negative field is a corrupt record: no text rather than a wrong one.
            if offset >= 0 && count >= 0 {
                self.slices.push(Slice {
                    string: id,
                    value,
                    offset: offset as u32,
                    count: count as u32,
                });
            }
            return;
        }
        // No coder field (JDK ≤ 8): the value is a char[].
        let coder = l.coder.map_or(1, |c| fields[c]);
        self.values.push((value, coder));
    }
}

/// Whether class `class_id` is `java.lang.Thread` or a subclass, and where `name` lies in its
/// instances' field data (own fields first, then each superclass's). `None` while a CLASS
/// DUMP of the chain is missing.
fn resolve_thread<'d>(
    class_id: Id,
    thread_class: Id,
    name_at: usize,
    id_size: u8,
    dump_of: &impl Fn(Id) -> Option<&'d ClassDump>,
) -> Option<ClassProbe> {
    let mut c = class_id;
    let mut before = 0usize;
    for _ in 0..64 {
        if c.is_null() {
            return Some(ClassProbe::Nothing);
        }
        if c == thread_class {
            return Some(ClassProbe::ThreadName((before + name_at) as u32));
        }
        let d = dump_of(c)?;
        before += d.fields.iter().map(|f| f.ty.size(id_size)).sum::<usize>();
        c = d.super_id;
    }
    Some(ClassProbe::Nothing)
}

/// A [`Slice`] resolved to nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct NodeSlice {
    pub value: u32,
    pub string: u32,
    pub offset: u32,
    pub count: u32,
}

/// What pass 2 needs from the probe.
pub(crate) struct KeptText {
    /// Bitset over nodes: arrays whose contents pass 2 reads.
    pub wanted: Vec<u64>,
    /// Nodes of arrays holding UTF-16 (`coder` 1 or `char[]`).
    pub utf16: Vec<u32>,
    /// Strings with a text of their own (part of their array), sorted by value node.
    pub slices: Vec<NodeSlice>,
    /// How many texts pass 2 will see at most (sizes its tables).
    pub value_arrays: usize,
}

/// Resolves the probe's ids to nodes. `is_char_array(node)`; `lens`: array length per node.
pub(crate) fn resolve(
    probe: TextProbe,
    ids: &SortedIds,
    is_char_array: impl Fn(u32) -> bool,
    lens: &[u32],
) -> KeptText {
    let mut wanted: Vec<u64> = vec![0; ids.len().div_ceil(64)];
    let mut utf16 = Vec::new();
    let mut value_arrays = 0usize;
    let want = |node: u32, wanted: &mut Vec<u64>| {
        wanted[node as usize / 64] |= 1 << (node % 64);
    };
    for &(vid, coder) in &probe.values {
        if let Some(node) = ids.position(vid.get()) {
            value_arrays += 1;
            want(node, &mut wanted);
            if coder != 0 {
                utf16.push(node);
            }
        }
    }
    let mut slices = Vec::new();
    for s in &probe.slices {
        let (Some(value), Some(string)) =
            (ids.position(s.value.get()), ids.position(s.string.get()))
        else {
            continue;
        };
        if !is_char_array(value) {
            continue;
        }
        let len = lens[value as usize];
        if s.offset == 0 && s.count == len {
            // The whole array: the array's own preview serves.
            value_arrays += 1;
            want(value, &mut wanted);
            utf16.push(value);
            continue;
        }
        // A range outside the array is a corrupt record: no text rather than a wrong one.
        if s.offset as u64 + s.count as u64 > len as u64 {
            continue;
        }
        value_arrays += 2;
        want(value, &mut wanted);
        utf16.push(value);
        slices.push(NodeSlice {
            value,
            string,
            offset: s.offset,
            count: s.count,
        });
    }
    // JDK ≤ 8 thread names are `char[]`s; from JDK 9 on they are Strings, found above.
    for &id in &probe.thread_names {
        if let Some(node) = ids.position(id.get()).filter(|&n| is_char_array(n)) {
            value_arrays += 1;
            want(node, &mut wanted);
            utf16.push(node);
        }
    }
    slices.sort_unstable();
    slices.shrink_to_fit();
    KeptText {
        wanted,
        utf16,
        slices,
        value_arrays,
    }
}

/// Pass 2: the previews of the Strings that are slices of the `char[]` `value` (`data`: its
/// contents).
pub(crate) fn insert_slices(
    slices: &[NodeSlice],
    value: u32,
    elem: BasicType,
    data: &[u8],
    store: &mut Strings,
) {
    if slices.is_empty() || elem != BasicType::Char {
        return;
    }
    let first = slices.partition_point(|s| s.value < value);
    for s in slices[first..].iter().take_while(|s| s.value == value) {
        if let Some(bytes) = char_range(s.offset, s.count, data) {
            store.insert_slice(Node::new(s.string), elem, bytes);
        }
    }
}

/// The bytes of chars `offset..offset + count` of a `char[]`'s contents, if inside them
/// (64-bit arithmetic: `usize` is 32 bits in wasm).
fn char_range(offset: u32, count: u32, data: &[u8]) -> Option<&[u8]> {
    let a = 2 * offset as u64;
    let b = a + 2 * count as u64;
    if b > data.len() as u64 {
        return None;
    }
    data.get(a as usize..b as usize)
}

/// Pass 2's second look, for dumps where pass 1 read Strings or Threads before their class
/// layout (hprof agent dumps): every layout is known in pass 2, so each String's value and
/// each thread's name is found there, and its array is read if it comes later in the stream
/// (an array that came earlier is missed: the cost of not reading the dump a third time).
pub(crate) struct LateText {
    id_size: u8,
    /// Per class index: what its instances hold.
    probes: Vec<LateProbe>,
    string: StringLayout,
    /// Array node → the texts it holds, found so far.
    pending: IdMap<u32, Vec<LateUse>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LateProbe {
    Nothing,
    String,
    /// Byte offset of `Thread.name` in the field data.
    ThreadName(u32),
}

#[derive(Debug, Clone, Copy)]
enum LateUse {
    /// The whole array is a text (`utf16`: coder 1 or `char[]`).
    Whole { utf16: bool },
    /// Part of it is the text of String node `string`.
    Slice {
        string: u32,
        offset: u32,
        count: u32,
    },
}

impl LateText {
    /// `None` when pass 1 missed nothing (HotSpot dumps: every CLASS DUMP comes first).
    pub(crate) fn new(
        missed: u64,
        classes: &[ClassInfo],
        names: &IdMap<Id, String>,
        id_size: u8,
    ) -> Option<LateText> {
        if missed == 0 {
            return None;
        }
        let name_of = |id: Id| names.get(&id).map_or("", String::as_str);
        let thread = classes
            .iter()
            .position(|c| c.name == "java.lang.Thread" && c.kind == ClassKind::Instance);
        let string = classes
            .iter()
            .position(|c| c.name == "java.lang.String" && c.kind == ClassKind::Instance);
        // Offset of `name` in Thread's own (flattened) field data.
        let name_in_thread = thread.and_then(|t| {
            let f =
                super::classes::layout(classes, t as u32).find(|f| name_of(f.name) == "name")?;
            (f.ty == BasicType::Object).then_some(f.offset)
        });
        let probes = (0..classes.len())
            .map(|c| {
                if Some(c) == string {
                    return LateProbe::String;
                }
                let (Some(t), Some(name_at)) = (thread, name_in_thread) else {
                    return LateProbe::Nothing;
                };
                let mut a = c as u32;
                for _ in 0..64 {
                    if a == NO_CLASS || a as usize >= classes.len() {
                        break;
                    }
                    if a as usize == t {
                        // Thread's fields are the last `field_bytes(Thread)` bytes of a
                        // subclass's field data (only `Object`, without fields, is above).
                        return classes[c]
                            .field_bytes
                            .checked_sub(classes[t].field_bytes)
                            .map_or(LateProbe::Nothing, |d| LateProbe::ThreadName(d + name_at));
                    }
                    a = classes[a as usize].super_class;
                }
                LateProbe::Nothing
            })
            .collect();
        let mut l = StringLayout::default();
        if let Some(sc) = string {
            for f in super::classes::layout(classes, sc as u32) {
                let off = Some(f.offset as usize);
                match (name_of(f.name), f.ty) {
                    ("value", BasicType::Object) => l.value = off,
                    ("coder", BasicType::Byte) => l.coder = off,
                    ("offset", BasicType::Int) => l.offset = off,
                    ("count", BasicType::Int) => l.count = off,
                    _ => {}
                }
            }
            l.fields_len = classes[sc].field_bytes as usize;
        }
        Some(LateText {
            id_size,
            probes,
            string: l,
            pending: IdMap::default(),
        })
    }
}

impl LateText {
    /// Pass 2 read instance `node` of class index `class`: note the array of its text, unless
    /// pass 1 already did (`wanted`). `position`: id → node.
    pub(crate) fn instance(
        &mut self,
        class: u32,
        fields: &[u8],
        node: u32,
        wanted: &[u64],
        position: impl Fn(Id) -> Option<u32>,
    ) {
        let is_wanted = |v: u32| wanted[v as usize / 64] & (1 << (v % 64)) != 0;
        let id_at = |off: usize| {
            fields
                .get(off..off + self.id_size as usize)
                .map(|b| read_id(b, self.id_size))
                .filter(|&id| !id.is_null())
                .and_then(&position)
        };
        match self.probes.get(class as usize) {
            Some(LateProbe::ThreadName(off)) => {
                if let Some(v) = id_at(*off as usize).filter(|&v| !is_wanted(v)) {
                    self.pending
                        .entry(v)
                        .or_default()
                        .push(LateUse::Whole { utf16: true });
                }
            }
            Some(LateProbe::String) => {
                let l = self.string;
                if fields.len() < l.fields_len {
                    return;
                }
                let Some(v) = l.value.and_then(id_at) else {
                    return;
                };
                let int_at = |o: Option<usize>| {
                    o.map(|o| i32::from_be_bytes(fields[o..o + 4].try_into().expect("4 bytes")))
                };
                let u = match (int_at(l.offset), int_at(l.count)) {
                    (Some(offset), Some(count)) if offset >= 0 && count >= 0 => LateUse::Slice {
                        string: node,
                        offset: offset as u32,
                        count: count as u32,
                    },
                    (Some(_), Some(_)) => return,
                    _ if is_wanted(v) => return,
                    _ => LateUse::Whole {
                        utf16: l.coder.is_none_or(|c| fields[c] != 0),
                    },
                };
                self.pending.entry(v).or_default().push(u);
            }
            _ => {}
        }
    }

    /// Pass 2 read the primitive array `node`: keeps the texts noted for it.
    pub(crate) fn array(
        &mut self,
        node: u32,
        elem: BasicType,
        data: &[u8],
        store: &mut Strings,
        wanted: bool,
    ) {
        let Some(uses) = self.pending.remove(&node) else {
            return;
        };
        let mut whole_done = wanted;
        for u in uses {
            match u {
                LateUse::Whole { utf16 } if !whole_done => {
                    store.insert_text(
                        Node::new(node),
                        elem,
                        utf16 || elem == BasicType::Char,
                        data,
                    );
                    whole_done = true;
                }
                LateUse::Whole { .. } => {}
                LateUse::Slice {
                    string,
                    offset,
                    count,
                } if elem == BasicType::Char => {
                    match char_range(offset, count, data) {
                        // The whole array: its own entry serves.
                        Some(bytes) if bytes.len() == data.len() => {
                            if !whole_done {
                                store.insert_text(Node::new(node), elem, true, data);
                            }
                            whole_done = true;
                        }
                        Some(bytes) => store.insert_slice(Node::new(string), elem, bytes),
                        // Outside the array: a corrupt record, no text.
                        None => {}
                    }
                }
                LateUse::Slice { .. } => {}
            }
        }
    }
}
