//! A [`Recorder`] visitor that keeps every callback as an owned, comparable [`Event`], plus the
//! helpers the parser tests (and the fuzz target, which includes this file by path) use to parse a
//! buffer whole or in chunks and compare the two runs.
//!
//! Depends only on `heaplens` and std, so `fuzz/fuzz_targets/parse.rs` can `#[path]`-include it.
#![allow(dead_code)]

use heaplens::hprof::*;
use std::fmt;

/// A field / static value with floats kept as bit patterns, so events compare with `Eq` (a NaN
/// read from a corrupted dump equals itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Val {
    Object(Id),
    Boolean(bool),
    Char(u16),
    Float(u32),
    Double(u64),
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
}

impl From<Value> for Val {
    fn from(v: Value) -> Val {
        match v {
            Value::Object(x) => Val::Object(x),
            Value::Boolean(x) => Val::Boolean(x),
            Value::Char(x) => Val::Char(x),
            Value::Float(x) => Val::Float(x.to_bits()),
            Value::Double(x) => Val::Double(x.to_bits()),
            Value::Byte(x) => Val::Byte(x),
            Value::Short(x) => Val::Short(x),
            Value::Int(x) => Val::Int(x),
            Value::Long(x) => Val::Long(x),
        }
    }
}

/// One visitor callback, owned. The pieces of an object array are merged into one
/// [`Event::ObjectArray`] holding all its elements (piece boundaries depend on chunking).
#[derive(Clone, PartialEq, Eq)]
pub enum Event {
    Header(Header),
    Utf8 {
        id: Id,
        bytes: Vec<u8>,
    },
    LoadClass(LoadClass),
    UnloadClass(u32),
    StackFrame(StackFrame),
    StackTrace(StackTrace),
    StartThread(StartThread),
    EndThread(u32),
    HeapSummary(HeapSummary),
    OtherRecord {
        tag: u8,
        offset: u64,
        length: u32,
    },
    HeapDumpStart {
        tag: u8,
        offset: u64,
        length: u32,
    },
    HeapDumpEnd {
        offset: u64,
    },
    GcRoot(GcRoot),
    ClassDump {
        class_id: Id,
        stack_serial: u32,
        super_id: Id,
        loader_id: Id,
        signers_id: Id,
        protection_domain_id: Id,
        instance_size: u32,
        statics: Vec<(Id, Val)>,
        fields: Vec<FieldDecl>,
    },
    Instance {
        id: Id,
        stack_serial: u32,
        class_id: Id,
        fields: Vec<u8>,
        offset: u64,
    },
    /// All elements delivered for the array (fewer than `array.length` only if the input ended
    /// inside it).
    ObjectArray {
        array: ObjectArray,
        elements: Vec<Id>,
    },
    PrimitiveArray {
        array: PrimitiveArray,
        data: Option<Vec<u8>>,
    },
    HeapInfo {
        heap_id: u32,
        name_id: Id,
    },
}

/// Debug output that stays short for big payloads (an assertion message must not print 1 MiB).
impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn bytes(b: &[u8]) -> String {
            if b.len() <= 32 {
                format!("{b:02x?}")
            } else {
                format!("{:02x?}…({} bytes)", &b[..32], b.len())
            }
        }
        match self {
            Event::Header(h) => write!(f, "Header({h:?})"),
            Event::Utf8 { id, bytes: b } => write!(f, "Utf8 {{ id: {id:#x}, bytes: {} }}", bytes(b)),
            Event::LoadClass(r) => write!(f, "{r:?}"),
            Event::UnloadClass(s) => write!(f, "UnloadClass({s})"),
            Event::StackFrame(r) => write!(f, "{r:?}"),
            Event::StackTrace(r) => write!(f, "{r:?}"),
            Event::StartThread(r) => write!(f, "{r:?}"),
            Event::EndThread(s) => write!(f, "EndThread({s})"),
            Event::HeapSummary(r) => write!(f, "{r:?}"),
            Event::OtherRecord { tag, offset, length } => {
                write!(f, "OtherRecord {{ tag: {tag:#04x}, offset: {offset}, length: {length} }}")
            }
            Event::HeapDumpStart { tag, offset, length } => {
                write!(f, "HeapDumpStart {{ tag: {tag:#04x}, offset: {offset}, length: {length} }}")
            }
            Event::HeapDumpEnd { offset } => write!(f, "HeapDumpEnd {{ offset: {offset} }}"),
            Event::GcRoot(r) => write!(f, "{r:?}"),
            Event::ClassDump { class_id, super_id, statics, fields, .. } => write!(
                f,
                "ClassDump {{ class_id: {class_id:#x}, super_id: {super_id:#x}, statics: {statics:?}, fields: {fields:?}, .. }}"
            ),
            Event::Instance { id, class_id, fields, offset, .. } => write!(
                f,
                "Instance {{ id: {id:#x}, class_id: {class_id:#x}, fields: {}, offset: {offset} }}",
                bytes(fields)
            ),
            Event::ObjectArray { array, elements } => {
                let shown: Vec<String> = elements.iter().take(8).map(|e| format!("{e:#x}")).collect();
                write!(f, "ObjectArray {{ {array:?}, elements[{}]: [{}{}] }}", elements.len(), shown.join(", "), if elements.len() > 8 { ", …" } else { "" })
            }
            Event::PrimitiveArray { array, data } => {
                write!(f, "PrimitiveArray {{ {array:?}, data: {} }}", data.as_deref().map_or("None".to_string(), bytes))
            }
            Event::HeapInfo { heap_id, name_id } => write!(f, "HeapInfo {{ heap_id: {heap_id}, name_id: {name_id:#x} }}"),
        }
    }
}

/// Records every callback. Also checks the object-array piece contract of
/// [`Visitor::object_array`] and notes violations in `violations` (must stay empty).
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    pub events: Vec<Event>,
    pub violations: Vec<String>,
    /// Object-array pieces received (more than arrays when an array was split).
    pub object_array_pieces: u64,
    /// Index in `events` of an object array whose elements are still arriving.
    open_array: Option<usize>,
}

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, e: Event) {
        self.check_no_open_array(&e);
        self.events.push(e);
    }

    fn check_no_open_array(&mut self, next: &Event) {
        if let Some(i) = self.open_array.take() {
            if let Event::ObjectArray { array, elements } = &self.events[i] {
                self.violations.push(format!(
                    "object array at {} got {} of {} elements before the next event {next:?}",
                    array.offset,
                    elements.len(),
                    array.length
                ));
            }
        }
    }
}

impl Visitor for Recorder {
    fn header(&mut self, header: &Header) {
        self.push(Event::Header(header.clone()));
    }
    fn utf8(&mut self, id: Id, bytes: &[u8]) {
        self.push(Event::Utf8 {
            id,
            bytes: bytes.to_vec(),
        });
    }
    fn load_class(&mut self, r: &LoadClass) {
        self.push(Event::LoadClass(r.clone()));
    }
    fn unload_class(&mut self, serial: u32) {
        self.push(Event::UnloadClass(serial));
    }
    fn stack_frame(&mut self, r: &StackFrame) {
        self.push(Event::StackFrame(r.clone()));
    }
    fn stack_trace(&mut self, r: &StackTrace) {
        self.push(Event::StackTrace(r.clone()));
    }
    fn start_thread(&mut self, r: &StartThread) {
        self.push(Event::StartThread(r.clone()));
    }
    fn end_thread(&mut self, thread_serial: u32) {
        self.push(Event::EndThread(thread_serial));
    }
    fn heap_summary(&mut self, r: &HeapSummary) {
        self.push(Event::HeapSummary(r.clone()));
    }
    fn other_record(&mut self, tag: u8, offset: u64, length: u32) {
        self.push(Event::OtherRecord {
            tag,
            offset,
            length,
        });
    }
    fn heap_dump_start(&mut self, tag: u8, offset: u64, length: u32) {
        self.push(Event::HeapDumpStart {
            tag,
            offset,
            length,
        });
    }
    fn heap_dump_end(&mut self, offset: u64) {
        self.push(Event::HeapDumpEnd { offset });
    }
    fn gc_root(&mut self, root: &GcRoot) {
        self.push(Event::GcRoot(root.clone()));
    }
    fn class_dump(&mut self, c: &ClassDump) {
        self.push(Event::ClassDump {
            class_id: c.class_id,
            stack_serial: c.stack_serial,
            super_id: c.super_id,
            loader_id: c.loader_id,
            signers_id: c.signers_id,
            protection_domain_id: c.protection_domain_id,
            instance_size: c.instance_size,
            statics: c
                .statics
                .iter()
                .map(|s| (s.name_id, Val::from(s.value)))
                .collect(),
            fields: c.fields.clone(),
        });
    }
    fn instance(&mut self, i: &Instance<'_>) {
        self.push(Event::Instance {
            id: i.id,
            stack_serial: i.stack_serial,
            class_id: i.class_id,
            fields: i.fields.to_vec(),
            offset: i.offset,
        });
    }
    fn object_array(&mut self, array: &ObjectArray, first_index: u32, elements: IdList<'_>) {
        self.object_array_pieces += 1;
        if elements.is_empty() && array.length != 0 {
            self.violations
                .push(format!("empty piece of non-empty object array {array:?}"));
        }
        if first_index as u64 + elements.len() as u64 > array.length as u64 {
            self.violations.push(format!(
                "piece {first_index}+{} runs past the end of object array {array:?}",
                elements.len()
            ));
        }
        let continues = match self.open_array {
            Some(i) => match &self.events[i] {
                Event::ObjectArray {
                    array: a,
                    elements: e,
                } => a == array && first_index as usize == e.len() && first_index != 0,
                _ => false,
            },
            None => false,
        };
        if continues {
            let i = self.open_array.unwrap();
            if let Event::ObjectArray { elements: e, .. } = &mut self.events[i] {
                e.extend(elements.iter());
            }
        } else {
            let e = Event::ObjectArray {
                array: *array,
                elements: elements.iter().collect(),
            };
            self.check_no_open_array(&e);
            if first_index != 0 {
                self.violations.push(format!(
                    "object array {array:?} starts with a piece at index {first_index}"
                ));
            }
            self.events.push(e);
            self.open_array = Some(self.events.len() - 1);
        }
        if first_index as u64 + elements.len() as u64 >= array.length as u64 {
            self.open_array = None;
        }
    }
    fn primitive_array(&mut self, array: &PrimitiveArray, data: Option<&[u8]>) {
        if let Some(d) = data {
            let expected = array.length as u64 * array.elem.size(0) as u64;
            if d.len() as u64 != expected {
                self.violations.push(format!(
                    "primitive array {array:?} has {} data bytes",
                    d.len()
                ));
            }
        }
        self.push(Event::PrimitiveArray {
            array: *array,
            data: data.map(<[u8]>::to_vec),
        });
    }
    fn heap_info(&mut self, heap_id: u32, name_id: Id) {
        self.push(Event::HeapInfo { heap_id, name_id });
    }
}

// ---- running parses ----------------------------------------------------------------------------

pub type Outcome = Result<ParseSummary, ParseError>;

/// What one parse delivered: the events, the piece-contract violations, and the final result
/// (`Err` either from `feed` — parsing stopped there — or from `finish`).
#[derive(Debug, Clone)]
pub struct Run {
    pub events: Vec<Event>,
    pub violations: Vec<String>,
    pub outcome: Outcome,
    pub object_array_pieces: u64,
}

impl Run {
    fn from(r: Recorder, outcome: Outcome) -> Run {
        Run {
            events: r.events,
            violations: r.violations,
            outcome,
            object_array_pieces: r.object_array_pieces,
        }
    }

    pub fn summary(&self) -> &ParseSummary {
        match &self.outcome {
            Ok(s) => s,
            Err(e) => panic!("expected a successful parse, got {e:?} ({e})"),
        }
    }

    pub fn error(&self) -> &ParseError {
        match &self.outcome {
            Ok(s) => panic!("expected a parse error, got {s:?}"),
            Err(e) => e,
        }
    }
}

/// Parses `bytes` with one `feed` through [`DumpDecoder`].
pub fn parse_whole(bytes: &[u8]) -> Run {
    let mut r = Recorder::new();
    let mut d = DumpDecoder::new();
    let outcome = match d.feed(bytes, &mut r) {
        Ok(()) => d.finish(&mut r),
        Err(e) => Err(e),
    };
    Run::from(r, outcome)
}

/// Parses raw (uncompressed) `bytes` with the bare [`Parser`], one `feed`.
pub fn parse_whole_raw_parser(bytes: &[u8]) -> Run {
    let mut r = Recorder::new();
    let mut p = Parser::new();
    let outcome = match p.feed(bytes, &mut r) {
        Ok(()) => p.finish(),
        Err(e) => Err(e),
    };
    Run::from(r, outcome)
}

/// Parses `bytes` through [`DumpDecoder`], fed in chunks whose sizes cycle through `sizes`
/// (a size of 0 feeds an empty chunk; an all-zero or empty `sizes` means 1-byte chunks).
pub fn parse_chunked(bytes: &[u8], sizes: &[usize]) -> Run {
    let sizes: &[usize] = if sizes.iter().all(|&s| s == 0) {
        &[1]
    } else {
        sizes
    };
    let mut r = Recorder::new();
    let mut d = DumpDecoder::new();
    let mut at = 0;
    let mut i = 0;
    let mut failed = None;
    while at < bytes.len() {
        let n = sizes[i % sizes.len()].min(bytes.len() - at);
        i += 1;
        if let Err(e) = d.feed(&bytes[at..at + n], &mut r) {
            failed = Some(e);
            break;
        }
        at += n;
    }
    let outcome = match failed {
        Some(e) => Err(e),
        None => d.finish(&mut r),
    };
    Run::from(r, outcome)
}

/// Like [`parse_chunked`] with the bare [`Parser`] (raw input only).
pub fn parse_chunked_raw_parser(bytes: &[u8], sizes: &[usize]) -> Run {
    let sizes: &[usize] = if sizes.iter().all(|&s| s == 0) {
        &[1]
    } else {
        sizes
    };
    let mut r = Recorder::new();
    let mut p = Parser::new();
    let mut at = 0;
    let mut i = 0;
    let mut failed = None;
    while at < bytes.len() {
        let n = sizes[i % sizes.len()].min(bytes.len() - at);
        i += 1;
        if let Err(e) = p.feed(&bytes[at..at + n], &mut r) {
            failed = Some(e);
            break;
        }
        at += n;
    }
    let outcome = match failed {
        Some(e) => Err(e),
        None => p.finish(),
    };
    Run::from(r, outcome)
}

/// How the fuzz target (fuzz/fuzz_targets/parse.rs) reads its input: the first 4 bytes choose
/// the chunk sizes (`1 + b²`, 1..=65,026, cycled), the rest is the file.
pub fn fuzz_split(data: &[u8]) -> (Vec<usize>, &[u8]) {
    let k = data.len().min(4);
    let sizes = data[..k]
        .iter()
        .map(|&b| 1 + b as usize * b as usize)
        .collect();
    (sizes, &data[k..])
}

/// Panics with a short, precise message unless the two runs delivered the same events and the
/// same result, and neither broke the object-array piece contract.
pub fn assert_same_run(expected: &Run, actual: &Run, what: &str) {
    if let Some(msg) = diff_runs(expected, actual) {
        panic!("{what}: {msg}");
    }
}

/// `None` when the runs are the same (see [`assert_same_run`]), else a description of the first
/// difference.
pub fn diff_runs(expected: &Run, actual: &Run) -> Option<String> {
    for (name, run) in [("expected", expected), ("actual", actual)] {
        if !run.violations.is_empty() {
            return Some(format!(
                "{name} run broke the visitor contract: {:?}",
                run.violations
            ));
        }
    }
    if expected.outcome != actual.outcome {
        return Some(format!(
            "different results:\n  expected {:?}\n  actual   {:?}\n  (events: {} vs {}{})",
            expected.outcome,
            actual.outcome,
            expected.events.len(),
            actual.events.len(),
            first_event_difference(&expected.events, &actual.events)
                .map_or(String::new(), |d| format!("; first event difference: {d}"))
        ));
    }
    first_event_difference(&expected.events, &actual.events)
        .map(|d| format!("different events: {d}"))
}

/// Describes the first index where the event lists differ, `None` if they are equal.
pub fn first_event_difference(a: &[Event], b: &[Event]) -> Option<String> {
    let i = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    if i == a.len() && i == b.len() {
        return None;
    }
    let from = i.saturating_sub(2);
    Some(format!(
        "first difference at event #{i} (of {} vs {})\n  expected[{from}..]: {:?}\n  actual[{from}..]:   {:?}",
        a.len(),
        b.len(),
        &a[from..(i + 2).min(a.len())],
        &b[from..(i + 2).min(b.len())],
    ))
}

// ---- synthetic dumps shared by the parser tests and the fuzz seed corpus -------------------

use heaplens_hprof_writer as w;

/// A synthetic dump with the writer's layout facts.
#[derive(Debug, Clone)]
pub struct Synth {
    pub bytes: Vec<u8>,
    /// Header length (offset of the first record).
    pub header_len: u64,
    /// Start of every top-level record (including split heap dump segments), file order.
    pub records: Vec<u64>,
    /// Start of every heap sub-record, file order.
    pub subs: Vec<u64>,
}

/// What [`synthetic_dump`] writes.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub id_size: u32,
    /// `"1.0.1"` (one HEAP DUMP record), `"1.0.2"` or `"1.0.3"` (HEAP DUMP SEGMENTs + END).
    pub version: &'static str,
    /// Split heap dumps so no segment body exceeds this (`Some(1)`: one sub-record per segment).
    pub max_segment_bytes: Option<usize>,
    /// Write instances and arrays before the CLASS DUMPs they refer to.
    pub instances_first: bool,
    /// Android sub-records (HEAP DUMP INFO, the 0x89..0x90 roots, PRIM ARRAY NODATA).
    pub android: bool,
    /// Object arrays of 64 KiB and > 64 KiB of elements, primitive arrays of exactly 1 MiB and of
    /// 1 MiB + 1 (the streaming / skipping paths). Makes the dump ~2.3 MB.
    pub big_arrays: bool,
    /// A second heap dump after the first.
    pub two_dumps: bool,
    /// End with a heap dump segment whose length is 0 (runs to EOF, as a VM that died writes).
    pub zero_length_tail: bool,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            id_size: 8,
            version: "1.0.2",
            max_segment_bytes: None,
            instances_first: false,
            android: false,
            big_arrays: false,
            two_dumps: false,
            zero_length_tail: false,
        }
    }
}

pub const CLS_OBJECT: u64 = 0x1_0000;
pub const CLS_FOO: u64 = 0x1_0100;
pub const CLS_OBJ_ARRAY: u64 = 0x1_0200;
pub const THREAD_OBJ: u64 = 0x2_0000;

/// Every value type once, for statics / constants / instance fields.
pub fn every_value(seed: u64) -> Vec<w::Value> {
    use w::Value::*;
    vec![
        Object(0x3_0000 + seed * 16),
        Boolean(seed % 2 == 1),
        Char(0x263A + seed as u16),
        Float(1.5 + seed as f32),
        Double(f64::from_bits(0x7FF8_0000_0000_0001)), // a NaN payload must survive
        Byte(-3),
        Short(-300),
        Int(-70_000 - seed as i32),
        Long(i64::MIN + seed as i64),
    ]
}

/// A dump holding every top-level record kind and every heap sub-record kind the parser knows,
/// shaped by `o`. Deterministic.
pub fn synthetic_dump(o: &SynthOptions) -> Synth {
    use w::BasicType as T;
    let n = o.id_size;
    let segmented = o.version != "1.0.1";
    let mut wr = w::HprofWriter::new(o.version, n, 1_700_000_000_123)
        .with_max_segment_bytes(o.max_segment_bytes);
    wr.set_time_offset_us(42);
    let name = |i: u64| 0x100 + i * 8;
    let names: [&[u8]; 8] = [
        b"java/lang/Object",
        b"Foo",
        b"[Ljava/lang/Object;",
        b"f",
        b"main",
        b"",
        b"x",
        b"y",
    ];
    for (i, s) in names.iter().enumerate() {
        wr.utf8(name(i as u64), s);
    }
    wr.utf8(name(8), w::modified_utf8("nul \0 and \u{1F600} and é"));
    wr.load_class(1, CLS_OBJECT, 1, name(0));
    wr.load_class(2, CLS_FOO, 1, name(1));
    wr.load_class(2, CLS_FOO, 1, name(1)); // duplicate, as real dumps have
    wr.load_class(3, CLS_OBJ_ARRAY, 1, name(2));
    wr.unload_class(99);
    wr.stack_frame(0x501, name(4), name(5), name(6), 2, 17);
    wr.stack_frame(0x502, name(4), name(5), 0, 2, -3);
    wr.stack_trace(1, 0, &[]);
    wr.stack_trace(2, 1, &[0x501, 0x502]);
    wr.start_thread(1, THREAD_OBJ, 2, name(4), name(6), 0);
    wr.end_thread(1);
    wr.heap_summary(1 << 20, 1000, 1 << 40, 1 << 33);
    wr.raw_record(w::tag::ALLOC_SITES, &(0u8..30).collect::<Vec<_>>());
    wr.raw_record(w::tag::CPU_SAMPLES, &[0, 0, 0, 1, 0, 0, 0, 0]);
    wr.raw_record(w::tag::CONTROL_SETTINGS, &[0, 0, 0, 2, 0, 8]);
    wr.raw_record(w::tag::CONTROL_SETTINGS, &[]);

    wr.begin_heap_dump(segmented);
    if o.android {
        wr.heap_dump_info(b'Z' as u32, name(6));
    }
    let classes = |wr: &mut w::HprofWriter| {
        wr.class_dump(&w::ClassDump {
            class_id: CLS_OBJECT,
            stack_serial: 1,
            ..Default::default()
        });
        let vals = every_value(1);
        wr.class_dump(&w::ClassDump {
            class_id: CLS_FOO,
            stack_serial: 1,
            super_id: CLS_OBJECT,
            loader_id: 0x4_0000,
            signers_id: 0x4_0010,
            protection_domain_id: 0x4_0020,
            reserved1: 0x77,
            reserved2: 0x88,
            instance_size: 12345,
            constants: vals
                .iter()
                .enumerate()
                .map(|(i, v)| (i as u16, *v))
                .collect(),
            statics: vals
                .iter()
                .enumerate()
                .map(|(i, v)| (name(i as u64 % 8), *v))
                .collect(),
            fields: [
                T::Object,
                T::Boolean,
                T::Char,
                T::Float,
                T::Double,
                T::Byte,
                T::Short,
                T::Int,
                T::Long,
            ]
            .iter()
            .enumerate()
            .map(|(i, t)| (name(i as u64 % 8), *t))
            .collect(),
        });
        wr.class_dump(&w::ClassDump {
            class_id: CLS_OBJ_ARRAY,
            stack_serial: 1,
            super_id: CLS_OBJECT,
            ..Default::default()
        });
    };
    let objects = |wr: &mut w::HprofWriter| {
        for k in 0..3u64 {
            wr.instance(
                0x3_0000 + k * 16,
                1,
                CLS_FOO,
                &w::encode_values(&every_value(k), n),
            );
        }
        wr.instance(0x3_1000, 1, CLS_OBJECT, &[]);
        wr.instance(THREAD_OBJ, 1, CLS_OBJECT, &[]);
        wr.obj_array(0x3_2000, 1, CLS_OBJ_ARRAY, &[]);
        wr.obj_array(0x3_2010, 1, CLS_OBJ_ARRAY, &[0x3_0000, 0, 0xDEAD_BEE0]);
        for (i, t) in [
            T::Boolean,
            T::Char,
            T::Float,
            T::Double,
            T::Byte,
            T::Short,
            T::Int,
            T::Long,
        ]
        .iter()
        .enumerate()
        {
            let data: Vec<u8> = (0..3 * t.size(n)).map(|b| (b * 7 + i) as u8).collect();
            wr.prim_array(0x3_3000 + i as u64 * 16, 1, *t, &data);
        }
        wr.prim_array(0x3_3100, 1, T::Byte, &[]);
        if o.big_arrays {
            // Exactly the 64 KiB buffered limit, then past it (streamed in pieces).
            let at_limit = 64 * 1024 / n as usize;
            let elems: Vec<u64> = (0..at_limit as u64)
                .map(|i| if i % 5 == 0 { 0 } else { 0x5_0000 + i * 8 })
                .collect();
            wr.obj_array(0x3_4000, 1, CLS_OBJ_ARRAY, &elems);
            let elems: Vec<u64> = (0..20_000u64).map(|i| 0x6_0000 + i * 8).collect();
            wr.obj_array(0x3_4010, 1, CLS_OBJ_ARRAY, &elems);
            // Exactly the 1 MiB inline limit, then past it (skipped without data).
            let data: Vec<u8> = (0..1usize << 20).map(|i| (i % 251) as u8).collect();
            wr.prim_array(0x3_4020, 1, T::Int, &data);
            let data: Vec<u8> = (0..(1usize << 20) + 1).map(|i| (i % 253) as u8).collect();
            wr.prim_array(0x3_4030, 1, T::Byte, &data);
        }
        if o.android {
            wr.prim_array_nodata(0x3_5000, 1, 1000, T::Char);
            wr.heap_dump_info(b'A' as u32, name(7));
        }
    };
    let roots = |wr: &mut w::HprofWriter| {
        wr.root_unknown(0x3_0000);
        wr.root_jni_global(0x3_0010, 0x9_0000);
        wr.root_jni_local(0x3_0020, 1, 0);
        wr.root_java_frame(0x3_1000, 1, u32::MAX);
        wr.root_native_stack(0x3_2000, 1);
        wr.root_sticky_class(CLS_OBJECT);
        wr.root_thread_block(0x3_2010, 1);
        wr.root_monitor_used(0x3_3000);
        wr.root_thread_object(THREAD_OBJ, 1, 2);
        if o.android {
            wr.root_interned_string(0x3_3010);
            wr.root_finalizing(0x3_3020);
            wr.root_debugger(0x3_3030);
            wr.root_reference_cleanup(0x3_3040);
            wr.root_vm_internal(0x3_3050);
            wr.root_jni_monitor(0x3_3060, 1, 3);
            wr.root_unreachable(0xDEAD_BEE0);
        }
    };
    if o.instances_first {
        objects(&mut wr);
        classes(&mut wr);
    } else {
        classes(&mut wr);
        objects(&mut wr);
    }
    roots(&mut wr);
    wr.end_heap_dump();
    if segmented {
        wr.heap_dump_end();
    }
    if o.two_dumps {
        wr.begin_heap_dump(segmented);
        wr.class_dump(&w::ClassDump {
            class_id: CLS_OBJECT,
            stack_serial: 1,
            ..Default::default()
        });
        wr.instance(0x3_0000, 1, CLS_OBJECT, &[]);
        wr.root_sticky_class(CLS_OBJECT);
        wr.end_heap_dump();
        if segmented {
            wr.heap_dump_end();
        }
    }
    wr.utf8(name(9), b"after the heap dump");
    wr.end_thread(2);
    if o.zero_length_tail {
        wr.begin_heap_dump(true);
        wr.root_sticky_class(CLS_FOO);
        wr.instance(0x3_7000, 1, CLS_OBJECT, &[]);
        wr.prim_array(0x3_7010, 1, T::Char, &[0, 65, 0, 66]);
        wr.end_heap_dump_with_zero_length();
    }
    let header_len = wr.header_len() as u64;
    let records = wr.record_offsets().to_vec();
    let subs = wr.sub_record_offsets().to_vec();
    Synth {
        bytes: wr.finish(),
        header_len,
        records,
        subs,
    }
}

/// A realistic heap from [`w::HeapBuilder`]: strings, threads with frames and locals, object
/// graphs, shuffled ids, written with `opts`.
pub fn builder_dump(id_size: u32, opts: &w::WriteOptions) -> Vec<u8> {
    use w::BasicType as T;
    let mut h = w::HeapBuilder::new(id_size).with_ids(w::IdScheme::Shuffled {
        start: 0x10_0000,
        step: 24,
        seed: 7,
    });
    let object = h.object_class();
    let node = h.class(
        "com/example/Node",
        Some(object),
        &[("next", T::Object), ("value", T::Int)],
        &[],
    );
    let holder = h.class(
        "com/example/Holder",
        Some(object),
        &[("nodes", T::Object), ("name", T::Object)],
        &[("COUNT", w::Value::Long(3))],
    );
    let mut prev = None;
    for i in 0..200 {
        let n = h.instance(node, &[("value", w::Value::Int(i))]);
        if let Some(p) = prev {
            h.set_field(n, "next", w::Value::from(p));
        }
        prev = Some(n);
    }
    let arr_class = h.array_class("com/example/Node");
    let arr = h.obj_array(arr_class, &[prev, None, prev]);
    let s = h.string("holder \u{e9}\u{1F600}");
    let hold = h.instance(
        holder,
        &[("nodes", w::Value::from(arr)), ("name", w::Value::from(s))],
    );
    for i in 0..50 {
        h.string(&format!("string number {i}"));
    }
    h.prim_array(
        T::Long,
        &w::encode_values(&[w::Value::Long(1), w::Value::Long(-1)], id_size),
    );
    h.thread(
        "main",
        &[w::Frame {
            class: holder,
            method: "run",
            signature: "()V",
            source_file: "Holder.java",
            line: 12,
            locals: &[hold.id()],
        }],
    );
    h.root(hold, w::RootKind::JniGlobal { jni_ref_id: 0x99 });
    h.write(opts)
}

/// Gzip as `gzip` does (one member) or as JDK 15+ `-gz` does (members of `member_size` bytes).
pub fn gzip(data: &[u8], member_size: Option<usize>) -> Vec<u8> {
    w::gzip(data, member_size)
}
