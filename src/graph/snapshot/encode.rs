//! Writing a snapshot: every structure as primitives and raw little-endian columns, to a
//! counter (its length) or to the caller's sink in pieces of about [`PIECE`] bytes.

use super::*;

/// Where encoded bytes go: a counter (for [`snapshot_len`]) or the caller's sink.
pub(super) trait Out {
    fn bytes(&mut self, b: &[u8]);
    fn elems<T: Elem>(&mut self, v: &[T]);

    fn u8(&mut self, x: u8) {
        self.bytes(&[x]);
    }
    fn bool(&mut self, x: bool) {
        self.u8(x as u8);
    }
    fn u32(&mut self, x: u32) {
        self.bytes(&x.to_le_bytes());
    }
    fn u64(&mut self, x: u64) {
        self.bytes(&x.to_le_bytes());
    }
    fn id(&mut self, x: crate::hprof::Id) {
        self.u64(x.get());
    }
    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    /// A byte blob or byte column: length, then the bytes.
    fn blob(&mut self, b: &[u8]) {
        self.len(b.len());
        self.bytes(b);
    }
    fn str(&mut self, s: &str) {
        self.blob(s.as_bytes());
    }
    /// A numeric column: element count, then the elements.
    fn col<T: Elem>(&mut self, v: &[T]) {
        self.len(v.len());
        self.elems(v);
    }
    fn opt_u32(&mut self, x: Option<u32>) {
        match x {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.u32(v);
            }
        }
    }
}

pub(super) struct Count(pub(super) u64);

impl Out for Count {
    fn bytes(&mut self, b: &[u8]) {
        self.0 += b.len() as u64;
    }
    fn elems<T: Elem>(&mut self, v: &[T]) {
        self.0 += (v.len() * T::SIZE) as u64;
    }
}

pub(super) struct Sink<'a> {
    pub(super) sink: &'a mut dyn FnMut(&[u8]),
    /// Small items and converted columns, handed over in pieces of at most [`PIECE`] bytes.
    pub(super) buf: Vec<u8>,
    pub(super) written: u64,
}

impl Sink<'_> {
    pub(super) fn flush(&mut self) {
        if !self.buf.is_empty() {
            (self.sink)(&self.buf);
            self.written += self.buf.len() as u64;
            self.buf.clear();
        }
    }
}

impl Out for Sink<'_> {
    fn bytes(&mut self, b: &[u8]) {
        if b.len() >= PIECE / 2 {
            // Big byte columns go out as they are, in one piece (after what precedes them).
            self.flush();
            (self.sink)(b);
            self.written += b.len() as u64;
            return;
        }
        if self.buf.len() + b.len() > PIECE {
            self.flush();
        }
        self.buf.extend_from_slice(b);
    }
    fn elems<T: Elem>(&mut self, mut v: &[T]) {
        while !v.is_empty() {
            let room = (PIECE - self.buf.len()) / T::SIZE;
            if room == 0 {
                self.flush();
                continue;
            }
            let k = room.min(v.len());
            let start = self.buf.len();
            self.buf.resize(start + k * T::SIZE, 0);
            for (out, &x) in self.buf[start..].chunks_exact_mut(T::SIZE).zip(&v[..k]) {
                x.put(out);
            }
            v = &v[k..];
        }
    }
}

pub(super) fn encode<O: Out>(o: &mut O, g: &HeapGraph, d: &Dominance, extra: &[u8]) {
    o.blob(extra);
    encode_meta(o, &g.meta);
    let s = &g.sizes;
    o.u32(s.pointer);
    o.u32(s.reference);
    o.u32(s.alignment);
    o.bool(s.compressed_oops);
    o.bool(s.mode == SizeMode::Mat);
    o.u32(s.instance_header);
    o.u32(s.object_array_base);
    for &b in &s.primitive_array_base {
        o.u32(b);
    }
    o.len(g.classes.len());
    for c in &g.classes {
        encode_class(o, c);
    }

    let (shift, block_base, deltas, big) = g.ids.raw_parts();
    o.u32(shift);
    o.col(block_base);
    o.blob(deltas);
    o.col(big);

    match &g.class_len {
        ClassLenColumn::Packed { packed, long_lens } => {
            o.u8(0);
            o.col(packed);
            o.col(long_lens);
        }
        ClassLenColumn::Split { class_of, lens } => {
            o.u8(1);
            o.col(class_of);
            o.col(lens);
        }
    }

    let (block_start, sub_start, has_big, degree, big) = g.offsets.raw_parts();
    o.col(block_start);
    o.col(sub_start);
    o.col(has_big);
    o.blob(degree);
    o.col(big);

    o.col(&g.targets);
    o.blob(&g.slots);
    o.col(&g.jumps);
    o.col(&sorted_pairs(&g.locals_count));
    o.col(&sorted_pairs(&g.class_by_node));
    o.col(&g.class_classes);

    o.len(g.roots.len());
    for r in &g.roots {
        o.u32(r.node.get());
        o.u8(root_kind_code(r.kind));
        o.opt_u32(r.thread_serial);
        o.opt_u32(r.frame);
        o.u32(r.thread_node.get());
    }
    o.col(&g.root_nodes);

    let (members, starts, data) = g.fields.raw_parts();
    encode_rank(o, members);
    o.col(starts);
    o.blob(data);
    let (members, preview_at, text, utf16) = g.strings.raw_parts();
    encode_rank(o, members);
    o.col(preview_at);
    o.blob(text);
    o.col(utf16);

    let st = &g.stats;
    o.u32(st.heap_records);
    o.u32(st.heap_dumps);
    o.u32(st.dump_shown);
    o.u64(st.edges);
    o.u64(st.dangling_refs);
    o.u64(st.dangling_roots);
    o.u64(st.duplicate_ids);
    o.u64(st.malformed_instances);
    o.bool(st.input_changed);

    // Where each object's record lies: a restored graph reads fields from the dump again.
    let (blocks, break_nodes, break_offsets) = g.locations.raw_parts();
    o.col(blocks);
    o.col(break_nodes);
    o.col(break_offsets);

    let (retained, by_parent) = d.raw_parts();
    let (units, granule, large) = retained.raw_parts();
    o.col(&d.idom);
    o.col(units);
    o.u64(granule);
    o.col(large);
    o.col(by_parent);
    o.u64(d.reachable as u64);

    o.bytes(&TRAILER);
}

fn sorted_pairs(m: &IdMap<u32, u32>) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = m.iter().map(|(&k, &x)| (k, x)).collect();
    v.sort_unstable();
    v
}

fn encode_rank<O: Out>(o: &mut O, r: &NodeRank) {
    let (bits, before) = r.raw_parts();
    o.col(bits);
    o.col(before);
}

fn encode_meta<O: Out>(o: &mut O, m: &DumpMeta) {
    o.u8(match m.header.version {
        Version::V101 => 0,
        Version::V102 => 1,
        Version::V103 => 2,
    });
    o.u8(m.header.id_size);
    o.u64(m.header.timestamp_ms);

    let mut strings: Vec<(&Id, &String)> = m.strings.iter().collect();
    strings.sort_unstable_by_key(|e| *e.0);
    o.len(strings.len());
    for (&id, s) in strings {
        o.id(id);
        o.str(s);
    }

    o.len(m.load_classes.len());
    for l in &m.load_classes {
        o.u32(l.serial);
        o.id(l.class_id);
        o.u32(l.stack_serial);
        o.id(l.name_id);
    }

    let mut frames: Vec<(&Id, &StackFrame)> = m.frames.iter().collect();
    frames.sort_unstable_by_key(|e| *e.0);
    o.len(frames.len());
    for (&id, f) in frames {
        o.id(id);
        o.id(f.frame_id);
        o.id(f.method_name_id);
        o.id(f.signature_id);
        o.id(f.source_file_id);
        o.u32(f.class_serial);
        o.u32(f.line as u32);
    }

    let mut traces: Vec<(&u32, &StackTrace)> = m.traces.iter().collect();
    traces.sort_unstable_by_key(|e| *e.0);
    o.len(traces.len());
    for (&k, t) in traces {
        o.u32(k);
        o.u32(t.serial);
        o.u32(t.thread_serial);
        o.col(&t.frame_ids);
    }

    o.len(m.threads.len());
    for t in &m.threads {
        o.u32(t.thread_serial);
        o.id(t.thread_object_id);
        o.u32(t.stack_serial);
        o.id(t.name_id);
        o.id(t.group_name_id);
        o.id(t.parent_group_name_id);
    }

    match &m.heap_summary {
        None => o.u8(0),
        Some(h) => {
            o.u8(1);
            o.u32(h.live_bytes);
            o.u32(h.live_instances);
            o.u64(h.allocated_bytes);
            o.u64(h.allocated_instances);
        }
    }

    o.len(m.warnings.len());
    for w in &m.warnings {
        match *w {
            Warning::Truncated { offset, item } => {
                o.u8(0);
                o.u64(offset);
                encode_item(o, item);
            }
            Warning::HeapRecordRanToEnd { offset } => {
                o.u8(1);
                o.u64(offset);
            }
            Warning::TrailingGarbage { offset } => {
                o.u8(2);
                o.u64(offset);
            }
            Warning::RecordSkipped { offset, item, len } => {
                o.u8(3);
                o.u64(offset);
                encode_item(o, item);
                o.u64(len);
            }
        }
    }
    o.u64(m.bytes);
}

fn encode_item<O: Out>(o: &mut O, item: Item) {
    let (tag, t) = match item {
        Item::Gzip => (0, 0),
        Item::Header => (1, 0),
        Item::Record(t) => (2, t),
        Item::SubRecord(t) => (3, t),
    };
    o.u8(tag);
    o.u8(t);
}

fn encode_class<O: Out>(o: &mut O, c: &ClassInfo) {
    o.id(c.id);
    o.u32(c.node.get());
    o.str(&c.name);
    o.u32(c.super_class);
    o.id(c.loader);
    match c.kind {
        ClassKind::Instance => o.u8(0),
        ClassKind::ObjectArray => o.u8(1),
        ClassKind::PrimitiveArray(e) => {
            o.u8(2);
            o.u8(e as u8);
        }
    }
    o.len(c.fields.len());
    for f in &c.fields {
        o.id(f.name);
        o.u8(f.ty as u8);
        o.u32(f.offset);
        o.u32(f.ref_index);
    }
    o.u32(c.field_bytes);
    o.u32(c.ref_fields);
    o.len(c.statics.len());
    for s in &c.statics {
        o.id(s.name);
        encode_value(o, s.value);
    }
    o.u32(c.vm_instance_size);
    o.u32(c.instance_size);
    o.u32(c.class_object_size);
}

fn encode_value<O: Out>(o: &mut O, v: Value) {
    match v {
        Value::Object(id) => {
            o.u8(0);
            o.id(id);
        }
        Value::Boolean(b) => {
            o.u8(1);
            o.bool(b);
        }
        Value::Char(c) => {
            o.u8(2);
            o.bytes(&c.to_le_bytes());
        }
        Value::Float(f) => {
            o.u8(3);
            o.u32(f.to_bits());
        }
        Value::Double(f) => {
            o.u8(4);
            o.u64(f.to_bits());
        }
        Value::Byte(b) => {
            o.u8(5);
            o.u8(b as u8);
        }
        Value::Short(s) => {
            o.u8(6);
            o.bytes(&s.to_le_bytes());
        }
        Value::Int(i) => {
            o.u8(7);
            o.u32(i as u32);
        }
        Value::Long(l) => {
            o.u8(8);
            o.u64(l as u64);
        }
    }
}
