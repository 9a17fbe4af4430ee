//! Reading a snapshot back: each column decoded into a vector allocated at its final length,
//! every length checked against the bytes that remain before anything is allocated.

use super::*;
use crate::graph::Node;

pub(super) struct In<'a> {
    pub(super) source: &'a mut dyn FnMut(&mut [u8]) -> Result<(), String>,
    /// Scratch: `buf[head..tail]` are bytes fetched but not yet decoded.
    pub(super) buf: Vec<u8>,
    pub(super) head: usize,
    pub(super) tail: usize,
    /// Bytes taken from the source so far.
    pub(super) fetched: u64,
    /// Snapshot length (from the header).
    pub(super) total: u64,
    /// Offset and name of the item being read, for errors.
    pub(super) item: u64,
    pub(super) what: &'static str,
}

pub(super) type Res<T> = Result<T, SnapshotError>;

impl In<'_> {
    /// Offset of the next byte to decode.
    pub(super) fn pos(&self) -> u64 {
        self.fetched - (self.tail - self.head) as u64
    }
    pub(super) fn remaining(&self) -> u64 {
        self.total - self.pos()
    }
    pub(super) fn begin(&mut self, what: &'static str) {
        self.item = self.pos();
        self.what = what;
    }
    /// Names the structure that started at `offset` (for the length checks after reading it).
    pub(super) fn at(&mut self, offset: u64, what: &'static str) {
        self.item = offset;
        self.what = what;
    }
    pub(super) fn err(&self, kind: SnapshotErrorKind) -> SnapshotError {
        SnapshotError {
            offset: self.item,
            what: self.what,
            kind,
        }
    }
    pub(super) fn invalid(&self, m: impl Into<String>) -> SnapshotError {
        self.err(SnapshotErrorKind::Invalid(m.into()))
    }
    pub(super) fn check(&self, ok: bool, m: impl FnOnce() -> String) -> Res<()> {
        if ok {
            Ok(())
        } else {
            Err(self.err(SnapshotErrorKind::Inconsistent(m())))
        }
    }
    /// Fills `out` straight from the source (the scratch buffer must be empty).
    pub(super) fn direct(&mut self, out: &mut [u8]) -> Res<()> {
        debug_assert_eq!(self.head, self.tail);
        (self.source)(out).map_err(|m| self.err(SnapshotErrorKind::Source(m)))?;
        self.fetched += out.len() as u64;
        Ok(())
    }
    /// Fails unless `bytes` more bytes remain.
    pub(super) fn need(&self, bytes: u64) -> Res<()> {
        let remaining = self.remaining();
        if bytes > remaining {
            return Err(self.err(SnapshotErrorKind::TooLong {
                needed: bytes,
                remaining,
            }));
        }
        Ok(())
    }
    /// Makes at least `n` (≤ the scratch size) bytes available in the scratch buffer.
    pub(super) fn fill(&mut self, n: usize) -> Res<()> {
        let avail = self.tail - self.head;
        if avail >= n {
            return Ok(());
        }
        self.need(n as u64)?;
        self.buf.copy_within(self.head..self.tail, 0);
        self.head = 0;
        self.tail = avail;
        let want = ((self.buf.len() - avail) as u64).min(self.total - self.fetched) as usize;
        (self.source)(&mut self.buf[avail..avail + want])
            .map_err(|m| self.err(SnapshotErrorKind::Source(m)))?;
        self.fetched += want as u64;
        self.tail += want;
        Ok(())
    }
    pub(super) fn take(&mut self, n: usize) -> Res<&[u8]> {
        self.fill(n)?;
        let s = &self.buf[self.head..self.head + n];
        self.head += n;
        Ok(s)
    }
    pub(super) fn u8(&mut self) -> Res<u8> {
        Ok(self.take(1)?[0])
    }
    pub(super) fn bool(&mut self) -> Res<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.invalid(format!("boolean {b}"))),
        }
    }
    pub(super) fn u32(&mut self) -> Res<u32> {
        Ok(u32::get(self.take(4)?))
    }
    pub(super) fn u64(&mut self) -> Res<u64> {
        Ok(u64::get(self.take(8)?))
    }
    pub(super) fn id(&mut self) -> Res<crate::hprof::Id> {
        Ok(crate::hprof::Id::new(self.u64()?))
    }
    /// A count of things taking at least `min_size` bytes each, checked against what remains.
    pub(super) fn len(&mut self, min_size: u64) -> Res<usize> {
        let n = self.u64()?;
        self.need(n.saturating_mul(min_size))?;
        usize::try_from(n)
            .map_err(|_| self.invalid(format!("length {n} exceeds the address space")))
    }
    pub(super) fn opt_u32(&mut self) -> Res<Option<u32>> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.u32()?)),
            t => Err(self.invalid(format!("option tag {t}"))),
        }
    }
    /// A byte blob or byte column, read into a vector of its exact length, mostly in place.
    pub(super) fn blob(&mut self, what: &'static str) -> Res<Vec<u8>> {
        self.begin(what);
        let n = self.len(1)?;
        let mut v = vec![0u8; n];
        let from_buf = n.min(self.tail - self.head);
        v[..from_buf].copy_from_slice(&self.buf[self.head..self.head + from_buf]);
        self.head += from_buf;
        if from_buf < n {
            self.direct(&mut v[from_buf..])?;
        }
        Ok(v)
    }
    pub(super) fn string(&mut self, what: &'static str) -> Res<String> {
        let b = self.blob(what)?;
        String::from_utf8(b).map_err(|e| self.invalid(format!("string is not UTF-8: {e}")))
    }
    /// A numeric column, decoded through the scratch buffer into a vector of its exact length.
    pub(super) fn col<T: Elem>(&mut self, what: &'static str) -> Res<Vec<T>> {
        self.begin(what);
        let n = self.len(T::SIZE as u64)?;
        let mut v = Vec::with_capacity(n);
        while v.len() < n {
            self.fill(T::SIZE)?;
            let k = (n - v.len()).min((self.tail - self.head) / T::SIZE);
            let bytes = &self.buf[self.head..self.head + k * T::SIZE];
            v.extend(bytes.chunks_exact(T::SIZE).map(T::get));
            self.head += k * T::SIZE;
        }
        Ok(v)
    }
}

pub(super) fn decode(r: &mut In<'_>) -> Res<Snapshot> {
    let extra = r.blob("extra payload")?;
    let meta = decode_meta(r)?;
    r.begin("size rule");
    let sizes = SizeRule {
        pointer: r.u32()?,
        reference: r.u32()?,
        alignment: r.u32()?,
        compressed_oops: r.bool()?,
        mode: if r.bool()? {
            SizeMode::Mat
        } else {
            SizeMode::Jvm
        },
        instance_header: r.u32()?,
        object_array_base: r.u32()?,
        primitive_array_base: [r.u32()?, r.u32()?, r.u32()?, r.u32()?],
    };
    r.begin("class table");
    // A class takes at least 69 bytes (three empty lengths, no fields).
    let n_classes = r.len(69)?;
    let mut classes = Vec::with_capacity(n_classes);
    for _ in 0..n_classes {
        classes.push(decode_class(r)?);
    }

    r.begin("id column");
    let start = r.pos();
    let shift = r.u32()?;
    let block_base = r.col::<u64>("column `ids.block_base`")?;
    let deltas = r.blob("column `ids.deltas`")?;
    let big = r.col::<(u32, u64)>("column `ids.big`")?;
    let n = deltas.len();
    r.at(start, "id column");
    r.check(block_base.len() == n.div_ceil(64), || {
        format!("{} id blocks for {n} nodes", block_base.len())
    })?;
    if shift >= 64 {
        return Err(r.invalid(format!("id shift {shift}")));
    }
    let ids = IdColumn::from_raw_parts(shift, block_base, deltas, big);

    r.begin("class/length column");
    let start = r.pos();
    let class_len = match r.u8()? {
        0 => ClassLenColumn::Packed {
            packed: r.col("column `class_len.packed`")?,
            long_lens: r.col("column `class_len.long_lens`")?,
        },
        1 => ClassLenColumn::Split {
            class_of: r.col("column `class_len.class_of`")?,
            lens: r.col("column `class_len.lens`")?,
        },
        t => return Err(r.invalid(format!("class/length column tag {t}"))),
    };
    r.at(start, "class/length column");
    if let ClassLenColumn::Split { class_of, lens } = &class_len {
        r.check(class_of.len() == lens.len(), || {
            format!("{} classes for {} lengths", class_of.len(), lens.len())
        })?;
    }
    r.check(class_len.node_count() == n, || {
        format!(
            "class/length column of {} nodes, not {n}",
            class_len.node_count()
        )
    })?;

    let start = r.pos();
    let block_start = r.col::<u32>("column `offsets.block_start`")?;
    let sub_start = r.col::<u16>("column `offsets.sub_start`")?;
    let has_big = r.col::<u64>("column `offsets.has_big`")?;
    let degree = r.blob("column `offsets.degree`")?;
    let big = r.col::<(u32, u32)>("column `offsets.big`")?;
    r.at(start, "edge offsets");
    r.check(
        degree.len() == n
            && block_start.len() == n.div_ceil(64)
            && sub_start.len() == n.div_ceil(16)
            && has_big.len() == n.div_ceil(64).div_ceil(64),
        || format!("edge offsets sized for {} nodes, not {n}", degree.len()),
    )?;
    let offsets = EdgeOffsets::from_raw_parts(block_start, sub_start, has_big, degree, big);

    let start = r.pos();
    let targets = r.col::<u32>("column `targets`")?;
    let slots = r.blob("column `slots`")?;
    r.at(start, "edges");
    r.check(targets.len() == slots.len(), || {
        format!("{} targets, {} slots", targets.len(), slots.len())
    })?;
    let jumps = r.col::<(u32, u32)>("column `jumps`")?;
    let locals_count = pairs_map(r.col::<(u32, u32)>("column `locals_count`")?);
    let class_by_node = pairs_map(r.col::<(u32, u32)>("column `class_by_node`")?);
    let class_classes = r.col::<u32>("column `class_classes`")?;

    r.begin("roots");
    let n_roots = r.len(4 + 1 + 1 + 1 + 4)?;
    let mut roots = Vec::with_capacity(n_roots);
    for _ in 0..n_roots {
        let node = r.u32()?;
        let code = r.u8()?;
        let kind = *ROOT_KINDS
            .get(code as usize)
            .ok_or_else(|| r.invalid(format!("root kind {code}")))?;
        roots.push(RootRef {
            node: Node::new(node),
            kind,
            thread_serial: r.opt_u32()?,
            frame: r.opt_u32()?,
            thread_node: Node::new(r.u32()?),
        });
    }
    let root_nodes = r.col::<Node>("column `root_nodes`")?;

    let members = decode_rank(
        r,
        "column `fields.members.bits`",
        "column `fields.members.before`",
    )?;
    let starts = r.col::<u32>("column `fields.starts`")?;
    let data = r.blob("column `fields.data`")?;
    let fields = FieldStore::from_raw_parts(members, starts, data);
    let members = decode_rank(
        r,
        "column `strings.members.bits`",
        "column `strings.members.before`",
    )?;
    let preview_at = r.col::<u32>("column `strings.preview_at`")?;
    let text = r.blob("column `strings.text`")?;
    let utf16 = r.col::<u32>("column `strings.utf16`")?;
    let strings = StringStore::from_raw_parts(members, preview_at, text, utf16);

    r.begin("build stats");
    let stats = BuildStats {
        heap_records: r.u32()?,
        heap_dumps: r.u32()?,
        dump_shown: r.u32()?,
        edges: r.u64()?,
        dangling_refs: r.u64()?,
        dangling_roots: r.u64()?,
        duplicate_ids: r.u64()?,
        malformed_instances: r.u64()?,
        input_changed: r.bool()?,
    };

    let start = r.pos();
    let blocks = r.col::<u64>("column `locations.blocks`")?;
    let break_nodes = r.col::<u32>("column `locations.break_nodes`")?;
    let break_offsets = r.col::<u64>("column `locations.break_offsets`")?;
    let locations = ObjectLocations::from_raw_parts(blocks, break_nodes, break_offsets);
    r.at(start, "locations");
    locations
        .check(n)
        .map_err(|m| r.err(SnapshotErrorKind::Inconsistent(m)))?;

    let start = r.pos();
    let idom = r.col::<u32>("column `idom`")?;
    let units = r.col::<u32>("column `retained.units`")?;
    r.begin("retained granule");
    let granule = r.u64()?;
    let large = r.col::<(u32, u64)>("column `retained.large`")?;
    let by_parent = r.col::<Node>("column `by_parent`")?;
    r.begin("reachable count");
    let reachable = r.u64()?;
    r.at(start, "dominance");
    r.check(idom.len() == n + 1 && units.len() == n + 1, || {
        format!(
            "dominance of {} / {} nodes for a graph of {n} (+ super-root)",
            idom.len(),
            units.len()
        )
    })?;
    r.check(by_parent.len() as u64 == reachable, || {
        format!("{} children for {reachable} reachable", by_parent.len())
    })?;
    let reachable = by_parent.len();
    let dominance = Dominance::from_raw_parts(
        idom,
        RetainedSizes::from_raw_parts(units, granule, large),
        by_parent,
        reachable,
    );

    let graph = HeapGraph {
        meta,
        sizes,
        classes,
        ids,
        class_len,
        offsets,
        targets,
        slots,
        jumps,
        locals_count,
        class_by_node,
        class_classes,
        roots,
        root_nodes,
        fields,
        strings,
        stats,
        locations,
    };
    Ok(Snapshot {
        graph,
        dominance,
        extra,
    })
}

fn pairs_map(pairs: Vec<(u32, u32)>) -> IdMap<u32, u32> {
    let mut m = IdMap::with_capacity_and_hasher(pairs.len(), Default::default());
    m.extend(pairs);
    m
}

fn decode_rank(r: &mut In<'_>, bits: &'static str, before: &'static str) -> Res<NodeRank> {
    let start = r.pos();
    let bits = r.col::<u64>(bits)?;
    let before = r.col::<u32>(before)?;
    r.at(start, "node set");
    r.check(bits.len() == before.len(), || {
        format!("{} rank words, {} rank counts", bits.len(), before.len())
    })?;
    Ok(NodeRank::from_raw_parts(bits, before))
}

fn basic_type(r: &In<'_>, code: u8) -> Res<BasicType> {
    BasicType::from_code(code).ok_or_else(|| r.invalid(format!("basic type {code}")))
}

fn decode_meta(r: &mut In<'_>) -> Res<DumpMeta> {
    r.begin("dump header");
    let version = match r.u8()? {
        0 => Version::V101,
        1 => Version::V102,
        2 => Version::V103,
        v => return Err(r.invalid(format!("HPROF version tag {v}"))),
    };
    let header = Header {
        version,
        id_size: r.u8()?,
        timestamp_ms: r.u64()?,
    };

    r.begin("symbols");
    let n = r.len(16)?;
    let mut strings = IdMap::with_capacity_and_hasher(n, Default::default());
    for _ in 0..n {
        r.begin("symbol id");
        let id = r.id()?;
        let s = r.string("symbol text")?;
        strings.insert(id, s);
    }

    r.begin("LOAD CLASS records");
    let n = r.len(24)?;
    let mut load_classes = Vec::with_capacity(n);
    for _ in 0..n {
        load_classes.push(LoadClass {
            serial: r.u32()?,
            class_id: r.id()?,
            stack_serial: r.u32()?,
            name_id: r.id()?,
        });
    }

    r.begin("stack frames");
    let n = r.len(48)?;
    let mut frames = IdMap::with_capacity_and_hasher(n, Default::default());
    for _ in 0..n {
        let key = r.id()?;
        let f = StackFrame {
            frame_id: r.id()?,
            method_name_id: r.id()?,
            signature_id: r.id()?,
            source_file_id: r.id()?,
            class_serial: r.u32()?,
            line: r.u32()? as i32,
        };
        frames.insert(key, f);
    }

    r.begin("stack traces");
    let n = r.len(20)?;
    let mut traces = HashMap::with_capacity(n);
    for _ in 0..n {
        r.begin("stack trace");
        let key = r.u32()?;
        let serial = r.u32()?;
        let thread_serial = r.u32()?;
        let frame_ids = r.col::<Id>("stack trace frame ids")?;
        traces.insert(
            key,
            StackTrace {
                serial,
                thread_serial,
                frame_ids,
            },
        );
    }

    r.begin("START THREAD records");
    let n = r.len(40)?;
    let mut threads = Vec::with_capacity(n);
    for _ in 0..n {
        threads.push(StartThread {
            thread_serial: r.u32()?,
            thread_object_id: r.id()?,
            stack_serial: r.u32()?,
            name_id: r.id()?,
            group_name_id: r.id()?,
            parent_group_name_id: r.id()?,
        });
    }

    r.begin("heap summary");
    let heap_summary = match r.u8()? {
        0 => None,
        1 => Some(HeapSummary {
            live_bytes: r.u32()?,
            live_instances: r.u32()?,
            allocated_bytes: r.u64()?,
            allocated_instances: r.u64()?,
        }),
        t => return Err(r.invalid(format!("option tag {t}"))),
    };

    r.begin("warnings");
    let n = r.len(9)?;
    let mut warnings = Vec::with_capacity(n);
    for _ in 0..n {
        let tag = r.u8()?;
        let offset = r.u64()?;
        warnings.push(match tag {
            0 => Warning::Truncated {
                offset,
                item: decode_item(r)?,
            },
            1 => Warning::HeapRecordRanToEnd { offset },
            2 => Warning::TrailingGarbage { offset },
            3 => Warning::RecordSkipped {
                offset,
                item: decode_item(r)?,
                len: r.u64()?,
            },
            t => return Err(r.invalid(format!("warning tag {t}"))),
        });
    }
    r.begin("dump byte count");
    let bytes = r.u64()?;
    Ok(DumpMeta {
        header,
        strings,
        load_classes,
        frames,
        traces,
        threads,
        heap_summary,
        warnings,
        bytes,
    })
}

fn decode_item(r: &mut In<'_>) -> Res<Item> {
    let (t, x) = (r.u8()?, r.u8()?);
    Ok(match t {
        0 => Item::Gzip,
        1 => Item::Header,
        2 => Item::Record(x),
        3 => Item::SubRecord(x),
        t => return Err(r.invalid(format!("item tag {t}"))),
    })
}

fn decode_class(r: &mut In<'_>) -> Res<ClassInfo> {
    r.begin("class");
    let id = r.id()?;
    let node = r.u32()?;
    let name = r.string("class name")?;
    r.begin("class");
    let super_class = r.u32()?;
    let loader = r.id()?;
    let kind = match r.u8()? {
        0 => ClassKind::Instance,
        1 => ClassKind::ObjectArray,
        2 => {
            let code = r.u8()?;
            ClassKind::PrimitiveArray(basic_type(r, code)?)
        }
        t => return Err(r.invalid(format!("class kind tag {t}"))),
    };
    r.begin("class field layout");
    let n = r.len(8 + 1 + 4 + 4)?;
    let mut fields = Vec::with_capacity(n);
    for _ in 0..n {
        r.begin("field slot");
        let name = r.id()?;
        let code = r.u8()?;
        fields.push(FieldSlot {
            name,
            ty: basic_type(r, code)?,
            offset: r.u32()?,
            ref_index: r.u32()?,
        });
    }
    r.begin("class");
    let field_bytes = r.u32()?;
    let ref_fields = r.u32()?;
    r.begin("class statics");
    let n = r.len(8 + 2)?;
    let mut statics = Vec::with_capacity(n);
    for _ in 0..n {
        r.begin("static field");
        let name = r.id()?;
        statics.push(StaticSlot {
            name,
            value: decode_value(r)?,
        });
    }
    r.begin("class sizes");
    Ok(ClassInfo {
        id,
        node: Node::new(node),
        name,
        super_class,
        loader,
        kind,
        fields,
        field_bytes,
        ref_fields,
        statics,
        vm_instance_size: r.u32()?,
        instance_size: r.u32()?,
        class_object_size: r.u32()?,
    })
}

fn decode_value(r: &mut In<'_>) -> Res<Value> {
    Ok(match r.u8()? {
        0 => Value::Object(r.id()?),
        1 => Value::Boolean(r.bool()?),
        2 => Value::Char(u16::get(r.take(2)?)),
        3 => Value::Float(f32::from_bits(r.u32()?)),
        4 => Value::Double(f64::from_bits(r.u64()?)),
        5 => Value::Byte(r.u8()? as i8),
        6 => Value::Short(u16::get(r.take(2)?) as i16),
        7 => Value::Int(r.u32()? as i32),
        8 => Value::Long(r.u64()? as i64),
        t => return Err(r.invalid(format!("value tag {t}"))),
    })
}
