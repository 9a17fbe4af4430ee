//! The JVM's real object sizes, inferred from the dump itself ([`SizeMode::Jvm`]).
//!
//! HotSpot writes an object's address as its HPROF id, and a live dump (`dumpHeap(live=true)`,
//! `jmap -dump:live`, `-XX:+HeapDumpOnOutOfMemoryError` after a full GC) comes from a heap a
//! full GC has just compacted: consecutive objects touch, so the gap between an object's id and
//! the next id is the object's real size. MAT's rule (`SizeRule::mat`) does not know HotSpot's
//! layout: compact object headers (JDK 24+, 8-byte headers), JDK 15+ field packing,
//! VM-injected fields and `@Contended` padding all differ from it. So, per dump:
//!
//! - **Arrays**: the first-element offset (and, for object arrays, the reference size) is the
//!   candidate that matches the most gaps after arrays of every length;
//! - **Instances**: a class's size is the gap that follows most of its instances (a strict
//!   majority of at least two); otherwise a model calibrated on the classes that have such
//!   evidence: header size (8, 12 or 16) and field packing (MAT-like per-class alignment, as
//!   HotSpot up to JDK 14, or packed, as JDK 15+), never more than the smallest gap seen after
//!   one of its instances (an object cannot be bigger than the room to the next one);
//! - **Class objects** (mirrors): a base size found the same way plus the static fields.
//!
//! When the ids do not look like addresses (an array longer than the gap to the next object, or
//! fewer than four distinct gaps after arrays, as in a synthetic dump with evenly spaced ids),
//! MAT's rule is kept and the rule says so (`SizeRule::mode`).

use super::classes::{align_to, elem_size_index, ClassInfo, ClassKind, SizeMode, SizeRule};
use super::ids::{IdMap, SortedIds};
use crate::graph::NO_NODE;
use crate::hprof::{BasicType, Id, Value};

/// Candidate offsets of an array's first element.
const BASES: [u32; 5] = [8, 12, 16, 20, 24];
/// Distinct gaps after arrays needed to take the ids for addresses.
const MIN_DISTINCT_ARRAY_GAPS: usize = 4;
/// Candidate instance header sizes.
const HEADERS: [u32; 3] = [8, 12, 16];

/// How a class's fields follow its superclass's in the model of [`model_sizes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Packing {
    /// Each class level aligned to the reference size (MAT's rule; HotSpot up to JDK 14).
    Levels,
    /// Fields of the whole hierarchy packed, a long/double aligned to 8 (JDK 15+).
    Packed,
}

/// A strict-majority vote (Boyer–Moore) over the gaps after one class's instances.
#[derive(Debug, Clone, Copy, Default)]
struct Vote {
    candidate: u64,
    lead: u32,
    /// Gaps seen, and how many equal the final candidate (second walk).
    samples: u32,
    exact: u32,
    min_gap: u64,
}

impl Vote {
    fn add(&mut self, gap: u64) {
        if self.samples == 0 || gap < self.min_gap {
            self.min_gap = gap;
        }
        self.samples += 1;
        if self.lead == 0 {
            self.candidate = gap;
            self.lead = 1;
        } else if self.candidate == gap {
            self.lead += 1;
        } else {
            self.lead -= 1;
        }
    }
    /// The majority gap, if at least two samples agree on it and they are more than half.
    fn strong(&self) -> Option<u64> {
        (self.exact >= 2 && self.exact * 2 > self.samples).then_some(self.candidate)
    }
}

/// Infers the JVM's sizes: sets `instance_size` and `class_object_size` of every class and
/// returns the rule for arrays. Returns `mat` unchanged (classes untouched) when the ids do not
/// look like the addresses of a heap.
pub(super) fn infer_jvm_sizes(
    ids: &SortedIds,
    class_of: &[u32],
    lens: &[u32],
    classes: &mut [ClassInfo],
    mat: &SizeRule,
    symbols: &IdMap<Id, String>,
) -> SizeRule {
    let n = ids.len();
    let align = mat.alignment as u64;
    let refs: &[u32] = if mat.pointer == 8 { &[4, 8] } else { &[4] };
    // Class-object nodes, in node order, with their class.
    let mut mirrors: Vec<(u32, u32)> = classes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.node != NO_NODE && c.node.index() < n)
        .map(|(k, c)| (c.node.get(), k as u32))
        .collect();
    mirrors.sort_unstable();
    let mut mirror_gap = vec![0u64; classes.len()];
    let mut votes = vec![Vote::default(); classes.len()];
    // [reference size][base] and [element size][base] hit counts, and samples.
    let mut oa_hits = [[0u64; BASES.len()]; 2];
    let mut oa_samples = 0u64;
    let mut prim_hits = [[0u64; BASES.len()]; 4];
    let mut prim_samples = [0u64; 4];
    // Arrays whose data alone would not fit before the next id: the ids are not addresses.
    let mut overlapping = 0u64;
    // A few distinct gaps after arrays: a real heap has many (synthetic dumps with evenly
    // spaced ids have one).
    let mut array_gaps: Vec<u64> = Vec::with_capacity(MIN_DISTINCT_ARRAY_GAPS);

    let mut m = 0usize;
    for i in 0..n.saturating_sub(1) {
        let gap = ids.get(i + 1) - ids.get(i);
        while m < mirrors.len() && (mirrors[m].0 as usize) < i {
            m += 1;
        }
        if m < mirrors.len() && mirrors[m].0 as usize == i {
            mirror_gap[mirrors[m].1 as usize] = gap;
            continue;
        }
        let c = class_of[i] as usize;
        let len = lens[i] as u64;
        if classes[c].kind != ClassKind::Instance
            && array_gaps.len() < MIN_DISTINCT_ARRAY_GAPS
            && !array_gaps.contains(&gap)
        {
            array_gaps.push(gap);
        }
        match classes[c].kind {
            ClassKind::Instance => votes[c].add(gap),
            ClassKind::ObjectArray => {
                overlapping += (gap < len * 4) as u64;
                oa_samples += 1;
                for (ri, &r) in refs.iter().enumerate() {
                    for (bi, &b) in BASES.iter().enumerate() {
                        oa_hits[ri][bi] +=
                            (align_to(b as u64 + len * r as u64, align) == gap) as u64;
                    }
                }
            }
            ClassKind::PrimitiveArray(e) => {
                let size = e.size(8) as u64;
                overlapping += (gap < len * size) as u64;
                let k = elem_size_index(e);
                prim_samples[k] += 1;
                for (bi, &b) in BASES.iter().enumerate() {
                    prim_hits[k][bi] += (align_to(b as u64 + len * size, align) == gap) as u64;
                }
            }
        }
    }
    if array_gaps.len() < MIN_DISTINCT_ARRAY_GAPS || overlapping > 0 {
        return *mat;
    }
    // Second walk: how many gaps equal each class's majority candidate.
    let mut m = 0usize;
    for i in 0..n.saturating_sub(1) {
        while m < mirrors.len() && (mirrors[m].0 as usize) < i {
            m += 1;
        }
        if m < mirrors.len() && mirrors[m].0 as usize == i {
            continue;
        }
        let v = &mut votes[class_of[i] as usize];
        v.exact += (v.samples > 0 && ids.get(i + 1) - ids.get(i) == v.candidate) as u32;
    }

    // --- Arrays: the best-matching base (and reference size), if it explains most gaps; on a
    // tie (lengths that round to the same size under either base), MAT's.
    let best = |hits: &[u64; BASES.len()], samples: u64, default: u32| -> Option<(u32, u64)> {
        let top = hits.iter().copied().max()?;
        let bi = (0..BASES.len())
            .find(|&bi| BASES[bi] == default && hits[bi] == top)
            .or_else(|| hits.iter().position(|&h| h == top))?;
        (top >= 2 && top * 2 > samples).then_some((BASES[bi], top))
    };
    let mut reference = mat.reference;
    let mut object_array_base = mat.object_array_base;
    let best_oa = (0..refs.len())
        .filter_map(|ri| {
            let (b, hits) = best(&oa_hits[ri], oa_samples, mat.object_array_base)?;
            // Ties between reference sizes: MAT's.
            Some((hits, refs[ri] == mat.reference, ri, b))
        })
        .max();
    if let Some((_, _, ri, b)) = best_oa {
        reference = refs[ri];
        object_array_base = b;
    }
    let mut prim: [Option<u32>; 4] = [None; 4];
    for k in 0..4 {
        prim[k] = best(&prim_hits[k], prim_samples[k], mat.primitive_array_base[k]).map(|b| b.0);
    }
    // Without evidence for an element size: the base of the smaller elements (8-byte elements
    // start 8-aligned), else MAT's.
    let small = prim[..3].iter().flatten().copied().max();
    let primitive_array_base: [u32; 4] = std::array::from_fn(|k| {
        prim[k].unwrap_or(match (k, small) {
            (3, Some(b)) => align_to(b as u64, 8) as u32,
            (_, Some(b)) => b,
            _ => mat.primitive_array_base[k],
        })
    });

    // --- Instances: calibrate the model on the classes with strong evidence.
    let mut best_model: Option<(u64, Vec<u64>, u32)> = None;
    for packing in [Packing::Levels, Packing::Packed] {
        // MAT's header first, so that ties keep MAT's rule.
        let headers = std::iter::once(mat.instance_header)
            .chain(
                HEADERS
                    .iter()
                    .copied()
                    .filter(|&h| h != mat.instance_header),
            )
            .filter(|&h| h <= 2 * mat.pointer);
        for h in headers {
            let sizes = model_sizes(classes, h, reference, align, packing);
            let agree = classes
                .iter()
                .enumerate()
                .filter(|(k, c)| {
                    c.kind == ClassKind::Instance && votes[*k].strong() == Some(sizes[*k])
                })
                .count() as u64;
            if best_model.as_ref().is_none_or(|b| agree > b.0) {
                best_model = Some((agree, sizes, h));
            }
        }
    }
    let (_, model, instance_header) = best_model.expect("at least one model");
    for (k, c) in classes.iter_mut().enumerate() {
        if c.kind != ClassKind::Instance {
            continue;
        }
        let v = &votes[k];
        let size = match v.strong() {
            Some(g) => g.min(v.min_gap),
            None if v.samples > 0 && v.min_gap >= align => model[k].min(v.min_gap),
            None => model[k],
        };
        c.instance_size = u32::try_from(size).unwrap_or(c.instance_size);
    }

    // --- Class objects: java.lang.Class's own part (the majority of gap − statics), then the
    // statics of each class.
    let statics: Vec<u64> = classes
        .iter()
        .map(|c| static_bytes(c, reference, symbols))
        .collect();
    let mut base = Vote::default();
    for (k, &g) in mirror_gap.iter().enumerate() {
        let s = align_to(statics[k], align);
        if g > s {
            base.add(g - s);
        }
    }
    let mut exact = 0;
    for (k, &g) in mirror_gap.iter().enumerate() {
        exact += (g > 0 && g == base.candidate + align_to(statics[k], align)) as u32;
    }
    base.exact = exact;
    if let Some(b) = base.strong() {
        for (k, c) in classes.iter_mut().enumerate() {
            if c.node == NO_NODE {
                continue;
            }
            let mut size = b + align_to(statics[k], align);
            if mirror_gap[k] > 0 {
                size = size.min(mirror_gap[k]);
            }
            c.class_object_size = u32::try_from(size).unwrap_or(c.class_object_size);
        }
    }

    SizeRule {
        pointer: mat.pointer,
        reference,
        alignment: mat.alignment,
        compressed_oops: reference < mat.pointer,
        mode: SizeMode::Jvm,
        instance_header,
        object_array_base,
        primitive_array_base,
    }
}

/// Bytes of a class's real static fields (HotSpot adds a pseudo static,
/// `<resolved_references>`, that lives elsewhere).
fn static_bytes(c: &ClassInfo, reference: u32, symbols: &IdMap<Id, String>) -> u64 {
    c.statics
        .iter()
        .filter(|s| !symbols.get(&s.name).is_some_and(|n| n.starts_with('<')))
        .map(|s| match s.value {
            Value::Object(_) => reference as u64,
            Value::Boolean(_) | Value::Byte(_) => 1,
            Value::Char(_) | Value::Short(_) => 2,
            Value::Int(_) | Value::Float(_) => 4,
            Value::Long(_) | Value::Double(_) => 8,
        })
        .sum()
}

/// Instance sizes of every class under a header size, reference size and packing (0 for
/// arrays). Supers before subclasses, iteratively (hierarchies may be deep or, when corrupt,
/// cyclic).
fn model_sizes(
    classes: &[ClassInfo],
    header: u32,
    reference: u32,
    align: u64,
    packing: Packing,
) -> Vec<u64> {
    /// Per class: (level size for `Levels`, all field bytes, bytes of ≤ 4-byte fields, has
    /// an 8-byte field).
    #[derive(Clone, Copy, Default)]
    struct Acc {
        rec: u64,
        bytes: u64,
        small: u64,
        wide: bool,
    }
    let n = classes.len();
    let mut acc: Vec<Option<Acc>> = vec![None; n];
    let field = |t: BasicType| match t {
        BasicType::Object => reference as u64,
        t => t.size(8) as u64,
    };
    for start in 0..n {
        let mut chain = Vec::new();
        let mut c = start as u32;
        // Superclass cycles were cut by the build (`layout_classes`); the length bound is a
        // second guard (no `contains`: quadratic on a deep chain).
        while (c as usize) < n && acc[c as usize].is_none() && chain.len() < n {
            chain.push(c);
            c = classes[c as usize].super_class;
        }
        for &c in chain.iter().rev() {
            let info = &classes[c as usize];
            let sup = info.super_class;
            let parent = acc.get(sup as usize).copied().flatten().unwrap_or(Acc {
                rec: header as u64,
                ..Acc::default()
            });
            // A class stores only the fields it declares.
            let own = &info.fields;
            let mut a = parent;
            let own_bytes: u64 = own.iter().map(|f| field(f.ty)).sum();
            a.rec = align_to(parent.rec + own_bytes, reference as u64);
            a.bytes += own_bytes;
            for f in own {
                let s = field(f.ty);
                if s >= 8 {
                    a.wide = true;
                } else {
                    a.small += s;
                }
            }
            acc[c as usize] = Some(a);
        }
    }
    classes
        .iter()
        .zip(&acc)
        .map(|(c, a)| {
            let a = a.unwrap_or_default();
            if c.kind != ClassKind::Instance {
                return 0;
            }
            match packing {
                Packing::Levels => align_to(a.rec, align),
                Packing::Packed => {
                    // A header that is not 8-aligned leaves a 4-byte hole before the first
                    // 8-byte field, which smaller fields fill if there are enough of them.
                    let hole = if header % 8 == 4 && a.wide {
                        4u64.saturating_sub(a.small)
                    } else {
                        0
                    };
                    align_to(header as u64 + a.bytes + hole, align)
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::graph::{build_from_bytes_with, BuildOptions, HeapGraph, SizeMode};
    use heaplens_hprof_writer::{BasicType, HeapBuilder, IdScheme, RootKind, Value, WriteOptions};

    /// A small heap: instances of two classes, object and primitive arrays of many lengths.
    fn heap(ids: IdScheme) -> Vec<u8> {
        let mut b = HeapBuilder::new(8).with_ids(ids);
        let object = b.object_class();
        let point = b.class(
            "com/example/Point",
            Some(object),
            &[("x", BasicType::Int), ("y", BasicType::Long)],
            &[],
        );
        let named = b.class(
            "com/example/Named",
            Some(point),
            &[("name", BasicType::Object), ("flag", BasicType::Boolean)],
            &[],
        );
        let arrays = b.array_class("java/lang/Object");
        let mut all = Vec::new();
        for i in 0..40u8 {
            let p = b.instance(point, &[("x", Value::Int(i as i32))]);
            let bytes = b.prim_array(BasicType::Byte, &vec![i; i as usize]);
            let n = b.instance(named, &[("name", bytes.into())]);
            let ints = b.prim_array(BasicType::Int, &vec![0; 4 * (i as usize % 7)]);
            all.extend([Some(p), Some(n), Some(ints)]);
        }
        let holder = b.obj_array(arrays, &all);
        b.root(holder, RootKind::JniGlobal { jni_ref_id: 1 });
        b.write(&WriteOptions::default())
    }

    fn build(bytes: &[u8], sizes: SizeMode) -> HeapGraph {
        build_from_bytes_with(bytes, BuildOptions { sizes }).expect("synthetic dump parses")
    }

    /// Ids packed by MAT's own sizes look like a compacted heap whose layout is MAT's rule:
    /// the inference finds it, object for object.
    #[test]
    fn packed_ids_give_back_the_layout_they_were_packed_with() {
        let bytes = heap(IdScheme::Packed {
            start: 0x10_0000,
            align: 8,
        });
        let (jvm, mat) = (build(&bytes, SizeMode::Jvm), build(&bytes, SizeMode::Mat));
        assert_eq!(jvm.sizes.mode, SizeMode::Jvm);
        assert_eq!(
            (jvm.sizes.instance_header, jvm.sizes.reference),
            (mat.sizes.instance_header, mat.sizes.reference)
        );
        for v in mat.nodes() {
            if mat.as_class(v).is_none() {
                assert_eq!(jvm.shallow(v), mat.shallow(v), "{}", mat.display_class(v));
            }
        }
    }

    /// Evenly spaced ids are not addresses: MAT's rule, and the rule says so.
    #[test]
    fn evenly_spaced_ids_keep_mats_rule() {
        let bytes = heap(IdScheme::Sequential {
            start: 0x1000,
            step: 16,
        });
        let (jvm, mat) = (build(&bytes, SizeMode::Jvm), build(&bytes, SizeMode::Mat));
        assert_eq!(jvm.sizes, mat.sizes);
        assert_eq!(jvm.sizes.mode, SizeMode::Mat);
        for v in mat.nodes() {
            assert_eq!(jvm.shallow(v), mat.shallow(v));
        }
    }
}
