//! Plain data types of the HPROF format, as the parser hands them to a [`Visitor`].
//!
//! Object identifiers are widened to `u64` whatever the dump's identifier size; `0` is null.
//!
//! [`Visitor`]: super::Visitor

use byteorder::{BigEndian, ByteOrder};
use serde::{Deserialize, Serialize};

/// An object identifier as written in the dump (an address for HotSpot), widened to 64 bits
/// whatever the dump's identifier size. `0` ([`Id::NULL`]) means null.
///
/// A type of its own (not a `u64` alias) so that an object id cannot be passed where a node
/// index ([`crate::graph::Node`]) or a size is expected. Zero-cost: `repr(transparent)`, and
/// serde writes it as the plain number, so every JSON and wire format is unchanged. Bulk
/// storage (id columns, hash keys on hot paths) keeps raw `u64`s; [`Id::get`] and
/// [`Id::new`] cross that border.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
#[repr(transparent)]
pub struct Id(u64);

impl Id {
    /// The null reference.
    pub const NULL: Id = Id(0);

    /// The id the dump wrote as `raw`.
    #[inline(always)]
    pub const fn new(raw: u64) -> Id {
        Id(raw)
    }

    /// The raw value, as the dump wrote it (for columns, hashing and arithmetic on addresses).
    #[inline(always)]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Whether this is the null reference (`0`).
    #[inline(always)]
    pub const fn is_null(self) -> bool {
        self.0 == 0
    }
}

/// `0x1a2b3c`: how MAT and the UI show an address.
impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// Debug shows the address in hex too (test failures read like the UI).
impl std::fmt::Debug for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Id({:#x})", self.0)
    }
}

/// `{:x}` / `{:#x}` format the raw value, as for a `u64`.
impl std::fmt::LowerHex for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::LowerHex::fmt(&self.0, f)
    }
}

/// `{:X}` formats the raw value in upper case, as for a `u64`.
impl std::fmt::UpperHex for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::UpperHex::fmt(&self.0, f)
    }
}

impl From<Id> for u64 {
    fn from(id: Id) -> u64 {
        id.0
    }
}

/// The format version named in the file header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Version {
    /// `JAVA PROFILE 1.0.1`: one HEAP DUMP record (old HotSpot, jhat era).
    V101,
    /// `JAVA PROFILE 1.0.2`: HEAP DUMP SEGMENTs (HotSpot 6+).
    V102,
    /// `JAVA PROFILE 1.0.3`: Android (ART) dumps, with extra heap sub-records.
    V103,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V101 => "JAVA PROFILE 1.0.1",
            Version::V102 => "JAVA PROFILE 1.0.2",
            Version::V103 => "JAVA PROFILE 1.0.3",
        }
    }
}

/// The file header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    pub version: Version,
    /// 4 or 8.
    pub id_size: u8,
    /// Milliseconds since the epoch when the dump was written.
    pub timestamp_ms: u64,
}

/// HPROF basic types (the `u1` type codes of fields and primitive arrays).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum BasicType {
    Object = 2,
    Boolean = 4,
    Char = 5,
    Float = 6,
    Double = 7,
    Byte = 8,
    Short = 9,
    Int = 10,
    Long = 11,
}

impl BasicType {
    pub fn from_code(code: u8) -> Option<BasicType> {
        Some(match code {
            2 => BasicType::Object,
            4 => BasicType::Boolean,
            5 => BasicType::Char,
            6 => BasicType::Float,
            7 => BasicType::Double,
            8 => BasicType::Byte,
            9 => BasicType::Short,
            10 => BasicType::Int,
            11 => BasicType::Long,
            _ => return None,
        })
    }

    /// Size in the dump (and in the Java heap, except `Object`, see the graph's size rule).
    pub fn size(self, id_size: u8) -> usize {
        match self {
            BasicType::Object => id_size as usize,
            BasicType::Boolean | BasicType::Byte => 1,
            BasicType::Char | BasicType::Short => 2,
            BasicType::Float | BasicType::Int => 4,
            BasicType::Double | BasicType::Long => 8,
        }
    }

    /// Java source name of the primitive (`"int"`), or `"Object"`.
    pub(crate) fn java_name(self) -> &'static str {
        match self {
            BasicType::Object => "Object",
            BasicType::Boolean => "boolean",
            BasicType::Char => "char",
            BasicType::Float => "float",
            BasicType::Double => "double",
            BasicType::Byte => "byte",
            BasicType::Short => "short",
            BasicType::Int => "int",
            BasicType::Long => "long",
        }
    }
}

/// A field or static value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Value {
    Object(Id),
    Boolean(bool),
    Char(u16),
    Float(f32),
    Double(f64),
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
}

impl Value {
    /// Decodes a value of type `ty` from the start of `b` (which must be long enough).
    pub(crate) fn read(ty: BasicType, b: &[u8], id_size: u8) -> Value {
        match ty {
            BasicType::Object => Value::Object(read_id(b, id_size)),
            BasicType::Boolean => Value::Boolean(b[0] != 0),
            BasicType::Char => Value::Char(u16::from_be_bytes([b[0], b[1]])),
            BasicType::Float => Value::Float(f32::from_bits(be_u32(b))),
            BasicType::Double => Value::Double(f64::from_bits(be_u64(b))),
            BasicType::Byte => Value::Byte(b[0] as i8),
            BasicType::Short => Value::Short(i16::from_be_bytes([b[0], b[1]])),
            BasicType::Int => Value::Int(be_u32(b) as i32),
            BasicType::Long => Value::Long(be_u64(b) as i64),
        }
    }

    /// The value's type.
    pub(crate) fn basic_type(&self) -> BasicType {
        match self {
            Value::Object(_) => BasicType::Object,
            Value::Boolean(_) => BasicType::Boolean,
            Value::Char(_) => BasicType::Char,
            Value::Float(_) => BasicType::Float,
            Value::Double(_) => BasicType::Double,
            Value::Byte(_) => BasicType::Byte,
            Value::Short(_) => BasicType::Short,
            Value::Int(_) => BasicType::Int,
            Value::Long(_) => BasicType::Long,
        }
    }
}

/// LOAD CLASS (0x02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadClass {
    pub serial: u32,
    pub class_id: Id,
    pub stack_serial: u32,
    pub name_id: Id,
}

/// STACK FRAME (0x04). `line`: > 0 a line number, -1 unknown, -2 compiled, -3 native.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackFrame {
    pub frame_id: Id,
    pub method_name_id: Id,
    pub signature_id: Id,
    pub source_file_id: Id,
    pub class_serial: u32,
    pub line: i32,
}

/// STACK TRACE (0x05).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackTrace {
    pub serial: u32,
    pub thread_serial: u32,
    pub frame_ids: Vec<Id>,
}

/// START THREAD (0x0A).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StartThread {
    pub thread_serial: u32,
    pub thread_object_id: Id,
    pub stack_serial: u32,
    pub name_id: Id,
    pub group_name_id: Id,
    pub parent_group_name_id: Id,
}

/// HEAP SUMMARY (0x07).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeapSummary {
    pub live_bytes: u32,
    pub live_instances: u32,
    pub allocated_bytes: u64,
    pub allocated_instances: u64,
}

/// The kind of a GC root sub-record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum RootKind {
    Unknown,
    JniGlobal,
    JniLocal,
    JavaFrame,
    NativeStack,
    StickyClass,
    ThreadBlock,
    MonitorUsed,
    ThreadObject,
    // Android (1.0.3) additions.
    InternedString,
    Finalizing,
    Debugger,
    ReferenceCleanup,
    VmInternal,
    JniMonitor,
    /// Android's ROOT UNREACHABLE (0x90): marks an object the VM knows is unreachable; not a root.
    Unreachable,
}

impl RootKind {
    /// MAT's / HotSpot's name for the root kind, as shown to users.
    pub fn label(self) -> &'static str {
        match self {
            RootKind::Unknown => "Unknown",
            RootKind::JniGlobal => "JNI Global",
            RootKind::JniLocal => "JNI Local",
            RootKind::JavaFrame => "Java Local",
            RootKind::NativeStack => "Native Stack",
            RootKind::StickyClass => "System Class",
            RootKind::ThreadBlock => "Thread Block",
            RootKind::MonitorUsed => "Busy Monitor",
            RootKind::ThreadObject => "Thread",
            RootKind::InternedString => "Interned String",
            RootKind::Finalizing => "Finalizable",
            RootKind::Debugger => "Debugger",
            RootKind::ReferenceCleanup => "Reference Cleanup",
            RootKind::VmInternal => "VM Internal",
            RootKind::JniMonitor => "JNI Monitor",
            RootKind::Unreachable => "Unreachable",
        }
    }

    /// `serde(serialize_with)`: the kind as its [`label`](Self::label), the form the report's
    /// JSON uses for `root_kind` and a local's `kind` (the derived form is the variant name).
    pub(crate) fn serialize_label<S: serde::Serializer>(
        kind: &RootKind,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.label())
    }

    /// [`serialize_label`](Self::serialize_label) for an optional kind: `null` when absent.
    pub(crate) fn serialize_label_opt<S: serde::Serializer>(
        kind: &Option<RootKind>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match kind {
            Some(k) => s.serialize_str(k.label()),
            None => s.serialize_none(),
        }
    }

    /// [`serialize_label`](Self::serialize_label) for an optional kind: `""` when absent (the
    /// report's `root_kind` of a suspect that has no path, such as unreachable objects).
    pub(crate) fn serialize_label_or_empty<S: serde::Serializer>(
        kind: &Option<RootKind>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.map_or("", RootKind::label))
    }

    /// The kind whose [`label`](Self::label) is `label`.
    pub(crate) fn from_label(label: &str) -> Option<RootKind> {
        use RootKind::*;
        [
            Unknown,
            JniGlobal,
            JniLocal,
            JavaFrame,
            NativeStack,
            StickyClass,
            ThreadBlock,
            MonitorUsed,
            ThreadObject,
            InternedString,
            Finalizing,
            Debugger,
            ReferenceCleanup,
            VmInternal,
            JniMonitor,
            Unreachable,
        ]
        .into_iter()
        .find(|k| k.label() == label)
    }

    /// `serde(deserialize_with)`, the inverse of [`serialize_label`](Self::serialize_label): the
    /// page reads the worker's JSON back into the core's types.
    pub(crate) fn deserialize_label<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<RootKind, D::Error> {
        let label = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        RootKind::from_label(&label)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown GC root kind {label:?}")))
    }

    /// The inverse of [`serialize_label_or_empty`](Self::serialize_label_or_empty).
    pub(crate) fn deserialize_label_or_empty<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<RootKind>, D::Error> {
        let label = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        if label.is_empty() {
            return Ok(None);
        }
        RootKind::from_label(&label)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown GC root kind {label:?}")))
    }
}

impl std::fmt::Display for RootKind {
    /// The [`label`](Self::label).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A GC root sub-record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GcRoot {
    pub kind: RootKind,
    pub object_id: Id,
    /// Thread serial for thread-related roots (JNI local, Java frame, native stack, thread block,
    /// thread object).
    pub thread_serial: Option<u32>,
    /// Frame number in the thread's stack trace (JNI local, Java frame); -1 / u32::MAX = unknown.
    pub frame: Option<u32>,
    /// Stack trace serial of a ROOT THREAD OBJECT.
    pub stack_serial: Option<u32>,
}

/// A static field of a CLASS DUMP.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaticField {
    pub name_id: Id,
    pub value: Value,
}

/// An instance field declaration of a CLASS DUMP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldDecl {
    pub name_id: Id,
    pub ty: BasicType,
}

/// CLASS DUMP (0x20).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassDump {
    pub class_id: Id,
    pub stack_serial: u32,
    pub super_id: Id,
    pub loader_id: Id,
    pub signers_id: Id,
    pub protection_domain_id: Id,
    /// Instance size as written by the VM (MAT ignores it; see the graph's size rule).
    pub instance_size: u32,
    pub statics: Vec<StaticField>,
    /// This class's own instance fields, in dump order.
    pub fields: Vec<FieldDecl>,
}

/// INSTANCE DUMP (0x21). `fields` holds the field values: own class's fields first, then each
/// superclass's.
#[derive(Debug, Clone, Copy)]
pub struct Instance<'a> {
    pub id: Id,
    pub stack_serial: u32,
    pub class_id: Id,
    pub fields: &'a [u8],
    /// Byte offset of the sub-record in the (decompressed) dump.
    pub offset: u64,
}

/// OBJ ARRAY DUMP (0x22) header; elements are delivered separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectArray {
    pub id: Id,
    pub stack_serial: u32,
    pub length: u32,
    pub class_id: Id,
    pub offset: u64,
}

/// PRIM ARRAY DUMP (0x23) header (and Android's PRIM ARRAY NODATA, 0xC3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrimitiveArray {
    pub id: Id,
    pub stack_serial: u32,
    pub length: u32,
    pub elem: BasicType,
    pub offset: u64,
    /// PRIM ARRAY NODATA (Android): the record holds no contents.
    pub no_data: bool,
}

/// A run of object identifiers as stored in the dump (big-endian, `id_size` bytes each).
#[derive(Debug, Clone, Copy)]
pub struct IdList<'a> {
    bytes: &'a [u8],
    id_size: u8,
}

impl<'a> IdList<'a> {
    pub(crate) fn new(bytes: &'a [u8], id_size: u8) -> Self {
        debug_assert!(bytes.len() % id_size as usize == 0);
        IdList { bytes, id_size }
    }
    pub fn len(&self) -> usize {
        self.bytes.len() / self.id_size as usize
    }
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = Id> + 'a {
        let id_size = self.id_size;
        self.bytes
            .chunks_exact(id_size as usize)
            .map(move |c| read_id(c, id_size))
    }
}

#[inline(always)]
pub(crate) fn be_u32(b: &[u8]) -> u32 {
    BigEndian::read_u32(b)
}

#[inline(always)]
pub(crate) fn be_u64(b: &[u8]) -> u64 {
    BigEndian::read_u64(b)
}

/// Reads an identifier of `id_size` (4 or 8) bytes.
#[inline(always)]
pub(crate) fn read_id(b: &[u8], id_size: u8) -> Id {
    Id(if id_size == 4 {
        be_u32(b) as u64
    } else {
        be_u64(b)
    })
}

#[cfg(test)]
mod tests {
    use super::RootKind;

    #[test]
    fn root_kind_labels_read_back() {
        for label in [
            "Thread",
            "Java Local",
            "System Class",
            "JNI Global",
            "Unreachable",
        ] {
            assert_eq!(
                RootKind::from_label(label).map(RootKind::label),
                Some(label)
            );
        }
        assert_eq!(
            RootKind::from_label("Busy Monitor"),
            Some(RootKind::MonitorUsed)
        );
        assert_eq!(RootKind::from_label("thread"), None);
    }
}
