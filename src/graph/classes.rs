//! Classes as the graph sees them: name, hierarchy, flattened field layout, and the shallow-size
//! rule (the JVM's sizes inferred by `graph::layout`, or Eclipse MAT's rule — see docs/semantics.md).

use super::Node;
use crate::hprof::{BasicType, Id, Value};
use serde::Serialize;

/// What the instances of a class look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ClassKind {
    Instance,
    ObjectArray,
    PrimitiveArray(BasicType),
}

/// One instance field. A class stores only the fields it declares ([`ClassInfo::fields`]): the
/// superclasses' fields are read from the superclasses (a deep hierarchy must not copy every
/// ancestor's layout into every class), and [`layout`] flattens them on demand.
///
/// Offsets and reference indices are those of an instance of the *declaring* class; in an
/// instance of a subclass `S` they shift by what `S` adds in front (INSTANCE DUMP data lists the
/// own class's fields first): `S.field_bytes - C.field_bytes` bytes and
/// `S.ref_fields - C.ref_fields` references.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FieldSlot {
    /// UTF8 symbol id of the name (`HeapGraph::symbol`): names are stored once, in the dump's
    /// string table, however many fields use them.
    pub name: Id,
    pub ty: BasicType,
    /// Byte offset in the INSTANCE DUMP's field data.
    pub offset: u32,
    /// For object fields: index among the object fields of the layout (edge slot); else `u32::MAX`.
    pub ref_index: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StaticSlot {
    /// UTF8 symbol id of the name (`HeapGraph::symbol`).
    pub name: Id,
    pub value: Value,
}

/// A class of the dump.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassInfo {
    /// Id of the class object (0 for a synthetic class the dump never described).
    pub id: Id,
    /// Node of the class object, or `NO_NODE` when the dump has no CLASS DUMP for it.
    pub node: Node,
    /// Java source form: `java.util.HashMap$Node[]`.
    pub name: String,
    /// Index of the superclass in the class table, `NO_CLASS` for none.
    pub super_class: u32,
    /// Id of the defining class loader (0 = bootstrap).
    pub loader: Id,
    pub kind: ClassKind,
    /// The instance fields this class declares (not its superclasses'; see [`layout`]), with
    /// offsets and reference indices in an instance of this class.
    pub fields: Vec<FieldSlot>,
    /// Bytes of field data an INSTANCE DUMP of this class carries (whole hierarchy).
    pub field_bytes: u32,
    /// Number of object fields in the whole hierarchy's layout.
    pub ref_fields: u32,
    pub statics: Vec<StaticSlot>,
    /// Instance size the VM wrote in CLASS DUMP (informational; the size rule recomputes it).
    pub vm_instance_size: u32,
    /// Shallow size of an instance under the size rule (instances only).
    pub instance_size: u32,
    /// Shallow size of the class object itself.
    pub class_object_size: u32,
}

/// Sentinel for "no class".
pub const NO_CLASS: u32 = u32::MAX;

impl ClassInfo {
    pub fn is_array(&self) -> bool {
        !matches!(self.kind, ClassKind::Instance)
    }
}

/// The flattened instance-field layout of class `class` (own fields first, then each
/// superclass's, as in INSTANCE DUMP data), with offsets and reference indices in an instance of
/// `class`. Walks the superclass chain (acyclic: the build breaks cycles) without copying it.
pub fn layout(classes: &[ClassInfo], class: u32) -> impl Iterator<Item = FieldSlot> + '_ {
    let top = classes.get(class as usize);
    let (bytes, refs) = top.map_or((0, 0), |c| (c.field_bytes, c.ref_fields));
    let mut level = top;
    let mut steps = 0usize;
    std::iter::from_fn(move || {
        // A corrupt hierarchy cannot make this endless: at most one visit per class.
        let c = level.filter(|_| steps <= classes.len())?;
        steps += 1;
        level = classes.get(c.super_class as usize);
        let (db, dr) = (
            bytes.saturating_sub(c.field_bytes),
            refs.saturating_sub(c.ref_fields),
        );
        Some(c.fields.iter().map(move |f| FieldSlot {
            offset: f.offset.saturating_add(db),
            ref_index: if f.ref_index == u32::MAX {
                u32::MAX
            } else {
                f.ref_index.saturating_add(dr)
            },
            ..*f
        }))
    })
    .flatten()
}

/// Which shallow sizes a graph uses (see docs/semantics.md, "Shallow size").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SizeMode {
    /// The JVM's own sizes, as `jcmd GC.class_histogram` counts them: the object layout (header,
    /// array bases, reference size, field packing) and each class's instance size are inferred
    /// from the address gaps between consecutive objects of the dump (`graph::layout`), with
    /// Eclipse MAT's rule where the dump gives no evidence.
    #[default]
    Jvm,
    /// Eclipse MAT's rule for HPROF, exactly: for comparing numbers with MAT.
    Mat,
}

/// The shallow-size rule of a graph: instance sizes are per class (`ClassInfo::instance_size`),
/// array and class-object sizes come from here.
///
/// Under [`SizeMode::Mat`] (Eclipse MAT's rule for HPROF, inferred from the dump as MAT does):
/// - pointer = identifier size; reference = identifier size, or 4 when compressed oops are
///   detected (an object array that starts inside the span the previous one would need with
///   8-byte references);
/// - alignment = GCD of the gaps between sorted object addresses, clamped to 8..=256;
/// - object header = pointer + reference (mark word + class pointer);
/// - instance = align(sizeRec(C)), sizeRec(Object) = header, sizeRec(C) = align_to(own field
///   bytes + sizeRec(super), reference) — field bytes with references counted at reference size;
/// - object array = align(header + 4 + n × reference);
/// - primitive array = align(align_to(header + 4, reference) + n × element size);
/// - class object = align(header + static field bytes) — MAT-like, documented as our choice.
///
/// Under [`SizeMode::Jvm`] the header, the first-element offsets of arrays and the reference
/// size are the ones the dump's address gaps show (see `graph::layout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SizeRule {
    pub pointer: u32,
    /// Bytes of a reference in an object (4 with compressed oops).
    pub reference: u32,
    pub alignment: u32,
    pub compressed_oops: bool,
    /// The rule in effect: a JVM-mode build falls back to MAT's rule (and says `Mat` here) when
    /// the dump's ids are not the addresses of a compacted heap.
    pub mode: SizeMode,
    /// Bytes before an instance's first field (mark word + class pointer; 8 with compact
    /// object headers).
    pub instance_header: u32,
    /// Offset of an object array's first element.
    pub object_array_base: u32,
    /// Offset of a primitive array's first element, by element size 1, 2, 4, 8.
    pub primitive_array_base: [u32; 4],
}

#[inline]
pub(crate) fn align_to(x: u64, a: u64) -> u64 {
    // Alignments are powers of two (8 in every HotSpot dump): a mask, not a 64-bit division
    // (slow in wasm; the sizes of every array go through here).
    match x.checked_add(a.wrapping_sub(1)) {
        Some(up) if a.is_power_of_two() => up & !(a - 1),
        _ => x.div_ceil(a) * a,
    }
}

/// An array's size: its header (`base`) and `n` elements of `elem` bytes, aligned (the rule of
/// [`SizeRule::object_array`] and [`SizeRule::primitive_array`], and of the per-class size table).
#[inline]
pub(crate) fn array_bytes(base: u32, elem: u32, n: u32, alignment: u64) -> u64 {
    align_to(base as u64 + n as u64 * elem as u64, alignment)
}

/// `gcd(acc, x)` (0 is the identity), as the folds over every object's size or address gap use
/// it: where `acc` is a power of two that divides `x` (on a heap, nearly always: the alignment
/// and an object's size) it stays, found with a mask instead of 64-bit remainders (a division
/// each, slow in wasm).
#[inline]
pub(crate) fn gcd_step(acc: u64, x: u64) -> u64 {
    if acc.is_power_of_two() && x & (acc - 1) == 0 {
        return acc;
    }
    let (mut a, mut b) = (acc, x);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Index of an element size (1, 2, 4, 8 bytes) in [`SizeRule::primitive_array_base`].
#[inline]
pub(crate) fn elem_size_index(elem: BasicType) -> usize {
    match elem.size(8) {
        1 => 0,
        2 => 1,
        4 => 2,
        _ => 3,
    }
}

impl SizeRule {
    /// MAT's rule for a dump with these pointer and reference sizes and this alignment.
    pub(crate) fn mat(pointer: u32, reference: u32, alignment: u32) -> SizeRule {
        let header = pointer + reference;
        let prim = align_to(header as u64 + 4, reference as u64) as u32;
        SizeRule {
            pointer,
            reference,
            alignment,
            compressed_oops: reference < pointer,
            mode: SizeMode::Mat,
            instance_header: header,
            object_array_base: header + 4,
            primitive_array_base: [prim; 4],
        }
    }
    pub(crate) fn header(&self) -> u64 {
        self.instance_header as u64
    }
    pub(crate) fn align(&self, x: u64) -> u64 {
        align_to(x, self.alignment as u64)
    }
    fn field_size(&self, ty: BasicType) -> u64 {
        match ty {
            BasicType::Object => self.reference as u64,
            t => t.size(8) as u64,
        }
    }
    pub fn object_array(&self, n: u32) -> u64 {
        array_bytes(
            self.object_array_base,
            self.reference,
            n,
            self.alignment as u64,
        )
    }
    pub(crate) fn primitive_array(&self, elem: BasicType, n: u32) -> u64 {
        let base = self.primitive_array_base[elem_size_index(elem)];
        array_bytes(base, elem.size(8) as u32, n, self.alignment as u64)
    }
    /// sizeRec for one class level given its super's sizeRec.
    pub(crate) fn size_rec(&self, own_fields: &[BasicType], super_rec: u64) -> u64 {
        let own: u64 = own_fields.iter().map(|&t| self.field_size(t)).sum();
        align_to(own + super_rec, self.reference as u64)
    }
    /// Bytes of the static fields of a class, references at reference size.
    pub(crate) fn static_bytes(&self, statics: &[StaticSlot]) -> u64 {
        statics
            .iter()
            .map(|s| match s.value {
                Value::Object(_) => self.reference as u64,
                Value::Boolean(_) | Value::Byte(_) => 1,
                Value::Char(_) | Value::Short(_) => 2,
                Value::Int(_) | Value::Float(_) => 4,
                Value::Long(_) | Value::Double(_) => 8,
            })
            .sum()
    }
    pub(crate) fn class_object(&self, statics: &[StaticSlot]) -> u64 {
        self.align(self.header() + self.static_bytes(statics))
    }
}

/// Java basic type of an array class name in JVM form (`[B` → Byte), if primitive one-dimensional.
pub(crate) fn primitive_array_elem(jvm_name: &str) -> Option<BasicType> {
    Some(match jvm_name {
        "[Z" => BasicType::Boolean,
        "[C" => BasicType::Char,
        "[F" => BasicType::Float,
        "[D" => BasicType::Double,
        "[B" => BasicType::Byte,
        "[S" => BasicType::Short,
        "[I" => BasicType::Int,
        "[J" => BasicType::Long,
        _ => return None,
    })
}

/// JVM name of the one-dimensional primitive array class of `elem`.
pub(crate) fn primitive_array_jvm_name(elem: BasicType) -> &'static str {
    match elem {
        BasicType::Boolean => "[Z",
        BasicType::Char => "[C",
        BasicType::Float => "[F",
        BasicType::Double => "[D",
        BasicType::Byte => "[B",
        BasicType::Short => "[S",
        BasicType::Int => "[I",
        BasicType::Long => "[J",
        BasicType::Object => "[Ljava/lang/Object;",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut gives Euclid's answer.
    #[test]
    fn gcd_step_is_the_gcd() {
        fn euclid(mut a: u64, mut b: u64) -> u64 {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        }
        let xs = [
            0u64,
            1,
            2,
            3,
            4,
            6,
            8,
            12,
            16,
            24,
            40,
            64,
            96,
            256,
            1 << 40,
            u64::MAX,
        ];
        for &a in &xs {
            for &x in &xs {
                assert_eq!(gcd_step(a, x), euclid(a, x), "gcd({a}, {x})");
            }
        }
    }

    /// The mask gives the division's answer, for powers of two and the rest, up to the top.
    #[test]
    fn align_to_is_the_rounded_up_multiple() {
        for a in [1u64, 2, 8, 16, 24, 40, 256] {
            for x in (0..600).chain([u64::MAX - 300, u64::MAX / 2 + 7]) {
                let want = x.checked_next_multiple_of(a).expect("in range");
                assert_eq!(align_to(x, a), want, "{x} to {a}");
            }
        }
    }

    #[test]
    fn hotspot_64_bit_compressed_oops() {
        let r = SizeRule::mat(8, 4, 8);
        assert!(r.compressed_oops);
        assert_eq!(r.header(), 12);
        assert_eq!(r.align(r.header()), 16, "java.lang.Object");
        assert_eq!(r.primitive_array(BasicType::Byte, 4096), 16 + 4096);
        assert_eq!(r.primitive_array(BasicType::Byte, 0), 16);
        assert_eq!(r.object_array(3), 32);
        // java.lang.String (JDK 17): value ref, hash int, coder byte, hashIsZero boolean.
        let rec = r.size_rec(
            &[
                BasicType::Object,
                BasicType::Int,
                BasicType::Byte,
                BasicType::Boolean,
            ],
            r.header(),
        );
        assert_eq!(r.align(rec), 24);
    }

    #[test]
    fn hotspot_64_bit_uncompressed() {
        let r = SizeRule::mat(8, 8, 8);
        assert_eq!(r.primitive_array(BasicType::Int, 1), 32);
        assert_eq!(r.object_array(1), 32);
    }
}
