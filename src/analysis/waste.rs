//! Memory spent on nothing useful: duplicate strings, the largest arrays, and the unused
//! capacity of the standard JDK collections. Reachable objects only (MAT's default).

use super::objread::{
    ancestor_in, field_ref, human_bytes, id_str, int_field, non_null_elements, string_text,
};
use super::paths::{PathFinder, PathOptions, PathStep};
use crate::graph::{ClassKind, Dominance, EdgeLabel, HeapGraph, Node};
use crate::hprof::RootKind;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

// ---- Duplicate strings -------------------------------------------------------------------

/// Groups reported by [`duplicate_strings`].
pub(crate) const DUPLICATE_GROUPS: usize = 100;
/// Holders listed per group.
const TOP_HOLDERS: usize = 5;
/// [`duplicate_strings`]' entries: the text's length in the low 31 bits, and
const LEN_MASK: u32 = u32::MAX >> 1;
/// the mark of a String whose value array must be looked up to count distinct arrays.
const SHARED: u32 = !LEN_MASK;

/// Objects referencing the strings of a group, by class and field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StringHolder {
    /// Referencing object's class (`class com.example.Foo` for a static field).
    pub class: String,
    /// Field (`name`), `<static> NAME`, `[]` for array elements, `<Java Local>`.
    pub field: String,
    /// References from such holders to strings of the group.
    pub count: u64,
}

/// Strings with equal contents.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateString {
    /// The text (at most 64 characters; `…` marks a longer string).
    pub value: String,
    /// Length in characters.
    pub length: u64,
    /// `String` instances with this content.
    pub count: u64,
    /// Distinct value arrays among them (`new String(s)` shares its argument's array).
    pub distinct_arrays: u64,
    /// Bytes that keeping one copy would save: `(count − 1) × String shallow +
    /// (distinct_arrays − 1) × value-array shallow` — the `(count − 1) × (String + array)`
    /// rule when no array is shared.
    pub wasted_bytes: u64,
    /// Most frequent referrers, by class and field.
    pub top_holders: Vec<StringHolder>,
    #[serde(skip)]
    pub nodes: Vec<Node>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DuplicateStrings {
    /// Reachable `java.lang.String` instances.
    pub strings: u64,
    /// Contents that occur more than once.
    pub duplicated_values: u64,
    /// Instances beyond the first of each duplicated content.
    pub duplicate_instances: u64,
    /// Sum of `wasted_bytes` over all duplicated contents (not only the listed ones).
    pub wasted_bytes: u64,
    /// The top [`DUPLICATE_GROUPS`] by wasted bytes.
    pub groups: Vec<DuplicateString>,
}

/// Duplicate strings: reachable `String`s grouped by the content hash of their value array
/// (and its length), the top [`DUPLICATE_GROUPS`] by wasted bytes, each with its main holders
/// (one scan of all edges).
pub fn duplicate_strings(g: &HeapGraph, d: &Dominance) -> DuplicateStrings {
    let Some(string_class) = g
        .classes
        .iter()
        .position(|c| c.name == "java.lang.String" && c.kind == ClassKind::Instance)
    else {
        return DuplicateStrings::default();
    };
    let string_class = string_class as u32;
    // One 16-byte entry per reachable String with a text: (content hash, length | SHARED,
    // String), sorted by (hash, length, String). The value array is not kept (8 more bytes per
    // String, at 150 M objects the analyses' peak): it is looked up again for the first String
    // of each duplicated run (its shallow size) and, in the rare runs where some String's
    // array is held by an earlier String too (`new String(s)`) or the String is a slice of its
    // array (JDK ≤ 6), for every member, to count distinct arrays. A run without SHARED
    // members has one array per String: two members with one array would have marked the
    // second.
    let mut all: Vec<(u64, u32, Node)> = Vec::new();
    let mut seen = vec![0u64; g.node_count().div_ceil(64)];
    let mut strings = 0u64;
    // `value`'s reference index, looked up once rather than by name per String (a name lookup
    // walks the class layout and its symbols: millions of times here).
    let value_index = g
        .field_slot(string_class, "value")
        .filter(|f| f.ref_index != u32::MAX)
        .map(|f| f.ref_index);
    let value_of = |v: Node| value_index.and_then(|i| g.ref_at(v, i));
    for v in g.nodes() {
        if g.class_index(v) != string_class || !d.is_reachable(v) || g.as_class(v).is_some() {
            continue;
        }
        strings += 1;
        let Some(value) = value_of(v) else {
            continue;
        };
        // The text's identity and length: of the String itself where it is a slice of its
        // array (JDK ≤ 6 `offset`/`count`), else of the array (`string_identity(v)` and
        // `string_len(v)` would look `value` up by name again).
        let slice = g.strings.contains(v);
        let text = if slice {
            v
        } else if g.strings.contains(value) {
            value
        } else {
            continue;
        };
        let (Some(h), Some(len)) = (g.string_identity(text), g.string_len(text)) else {
            continue;
        };
        let (w, bit) = (value.index() / 64, 1u64 << (value.get() % 64));
        let shared = slice || seen[w] & bit != 0;
        seen[w] |= bit;
        // A Java array holds fewer than 2^31 elements: the top bit is free for the mark.
        let len = len.min(LEN_MASK as u64) as u32 | if shared { SHARED } else { 0 };
        all.push((h, len, v));
    }
    drop(seen);
    all.sort_unstable_by_key(|&(h, len, v)| (h, len & LEN_MASK, v));
    let mut out = DuplicateStrings {
        strings,
        ..DuplicateStrings::default()
    };
    // Every run of equal texts is counted, but only the runs that can make the top
    // DUPLICATE_GROUPS get their text and members: a heap with millions of duplicated values
    // would otherwise build millions of strings to keep 100.
    struct Run {
        wasted: u64,
        count: u64,
        distinct_arrays: u64,
        range: std::ops::Range<usize>,
    }
    let mut runs: Vec<Run> = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let mut j = i + 1;
        let key = |e: &(u64, u32, Node)| (e.0, e.1 & LEN_MASK);
        while j < all.len() && key(&all[j]) == key(&all[i]) {
            j += 1;
        }
        if j - i >= 2 {
            let run = &all[i..j];
            let len = run[0].1 & LEN_MASK;
            let distinct_arrays = if run.iter().any(|e| e.1 & SHARED != 0) {
                let mut arrays: Vec<Node> = run.iter().filter_map(|e| value_of(e.2)).collect();
                arrays.sort_unstable();
                arrays.dedup();
                arrays.len() as u64
            } else {
                run.len() as u64
            };
            let count = run.len() as u64;
            let first_array = value_of(run[0].2).map_or(0, |a| g.shallow(a));
            // A String that is a slice of a bigger char[] (JDK ≤ 6) wastes at most an array
            // of its own text, not the whole shared array.
            let array_bytes = if g.strings.contains(run[0].2) {
                let own = g.sizes.primitive_array(crate::hprof::BasicType::Char, len);
                own.min(first_array)
            } else {
                first_array
            };
            let wasted = (count - 1) * g.shallow(run[0].2) + (distinct_arrays - 1) * array_bytes;
            out.duplicated_values += 1;
            out.duplicate_instances += count - 1;
            out.wasted_bytes += wasted;
            runs.push(Run {
                wasted,
                count,
                distinct_arrays,
                range: i..j,
            });
        }
        i = j;
    }
    // Stable sorts throughout, so equal groups keep the order of `all` as before: first by
    // (wasted, count), then the text breaks ties among the candidates only. The candidates are
    // the first DUPLICATE_GROUPS runs and every run tied with the last of them.
    let by_size = |a: &Run, b: &Run| b.wasted.cmp(&a.wasted).then(b.count.cmp(&a.count));
    runs.sort_by(by_size);
    let mut keep = runs.len().min(DUPLICATE_GROUPS);
    while keep > 0 && keep < runs.len() && by_size(&runs[keep - 1], &runs[keep]).is_eq() {
        keep += 1;
    }
    runs.truncate(keep);
    let mut groups: Vec<DuplicateString> = runs
        .into_iter()
        .map(|r| {
            let run = &all[r.range];
            DuplicateString {
                value: string_text(g, run[0].2).unwrap_or_default(),
                length: (run[0].1 & LEN_MASK) as u64,
                count: r.count,
                distinct_arrays: r.distinct_arrays,
                wasted_bytes: r.wasted,
                top_holders: Vec::new(),
                nodes: run.iter().map(|e| e.2).collect(),
            }
        })
        .collect();
    drop(all);
    groups.sort_by(|a, b| {
        b.wasted_bytes
            .cmp(&a.wasted_bytes)
            .then(b.count.cmp(&a.count))
            .then_with(|| a.value.cmp(&b.value))
    });
    groups.truncate(DUPLICATE_GROUPS);

    // Holders: one scan of every reachable node's edges.
    let mut group_of: HashMap<Node, u32> = HashMap::new();
    let mut marked = vec![0u64; g.node_count().div_ceil(64)];
    for (k, gr) in groups.iter().enumerate() {
        for &s in &gr.nodes {
            group_of.insert(s, k as u32);
            marked[s.index() / 64] |= 1 << (s.get() % 64);
        }
    }
    let is_marked = |t: Node| marked[t.index() / 64] & (1 << (t.get() % 64)) != 0;
    let mut holders: Vec<HashMap<(String, String), u64>> = vec![HashMap::new(); groups.len()];
    let mut class_names: HashMap<u32, String> = HashMap::new();
    for v in g.nodes() {
        if !d.is_reachable(v) || !g.edges(v).any(|(t, _)| is_marked(t)) {
            continue;
        }
        if g.class(v).kind == ClassKind::ObjectArray && g.as_class(v).is_none() {
            let class = class_names
                .entry(g.class_index(v))
                .or_insert_with(|| g.class(v).name.clone())
                .clone();
            for (t, _) in g.edges(v) {
                if let Some(&k) = group_of.get(&t) {
                    *holders[k as usize]
                        .entry((class.clone(), "[]".to_string()))
                        .or_insert(0) += 1;
                }
            }
            continue;
        }
        let class = g.display_class(v);
        for (t, label) in g.labelled_edges(v) {
            if label == EdgeLabel::Class {
                continue;
            }
            if let Some(&k) = group_of.get(&t) {
                *holders[k as usize]
                    .entry((class.clone(), label.to_string()))
                    .or_insert(0) += 1;
            }
        }
    }
    for (gr, h) in groups.iter_mut().zip(holders) {
        let mut h: Vec<StringHolder> = h
            .into_iter()
            .map(|((class, field), count)| StringHolder {
                class,
                field,
                count,
            })
            .collect();
        h.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.class.cmp(&b.class))
                .then_with(|| a.field.cmp(&b.field))
        });
        h.truncate(TOP_HOLDERS);
        gr.top_holders = h;
    }
    out.groups = groups;
    out
}

// ---- Largest arrays ------------------------------------------------------------------------

/// Arrays reported by [`largest_arrays`].
pub(crate) const LARGEST_ARRAYS: usize = 50;
/// Path steps kept at each end of a long path.
const PATH_END_STEPS: usize = 3;

/// A shortened path from a GC root.
#[derive(Debug, Clone, Serialize)]
pub struct PathSummary {
    /// The root's kind, serialized as MAT's label (`Java Local`, `System Class`, `Thread`…).
    #[serde(serialize_with = "RootKind::serialize_label")]
    pub root_kind: RootKind,
    /// `Java Local in com.example.Foo.run(Foo.java:42) of thread "worker-1"`, …
    pub root_detail: String,
    /// Steps in the path (root = 1 … the array).
    pub length: usize,
    /// Root first; at most `2 × 3` steps: the first three and the last three when longer.
    pub steps: Vec<PathStep>,
    /// Steps left out between `steps[2]` and `steps[3]` (0: the path is complete).
    pub omitted: usize,
}

impl PathSummary {
    /// `p` shortened to its first and last [`PATH_END_STEPS`] steps.
    pub(crate) fn from_path(p: crate::analysis::Path) -> PathSummary {
        let length = p.steps.len();
        let (steps, omitted) = if length <= 2 * PATH_END_STEPS {
            (p.steps, 0)
        } else {
            let mut steps = p.steps;
            let tail = steps.split_off(length - PATH_END_STEPS);
            steps.truncate(PATH_END_STEPS);
            steps.extend(tail);
            (steps, length - 2 * PATH_END_STEPS)
        };
        PathSummary {
            root_kind: p.root_kind,
            root_detail: p.root_detail,
            length,
            steps,
            omitted,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ArrayInfo {
    pub object_id: String,
    /// `int[]`, `java.lang.Object[]`…
    pub class: String,
    pub primitive: bool,
    pub length: u32,
    pub shallow: u64,
    pub retained: u64,
    /// Shortest path from a GC root without weak references (`None`: only weakly reachable).
    pub path: Option<PathSummary>,
    #[serde(skip)]
    pub node: Node,
}

/// The [`LARGEST_ARRAYS`] largest reachable arrays (object and primitive) by shallow size,
/// each with its (shortened) shortest path from a GC root.
pub fn largest_arrays(g: &HeapGraph, d: &Dominance) -> Vec<ArrayInfo> {
    largest_arrays_with(g, d, None)
}

/// [`largest_arrays`] reusing a [`PathFinder`] (weak references excluded) the caller has.
pub fn largest_arrays_with(
    g: &HeapGraph,
    d: &Dominance,
    finder: Option<&PathFinder<'_>>,
) -> Vec<ArrayInfo> {
    let mut top: Vec<(u64, Node)> = Vec::new();
    let mut min_kept = 0u64;
    for v in g.nodes() {
        let class = g.class(v);
        if class.kind == ClassKind::Instance || g.as_class(v).is_some() || !d.is_reachable(v) {
            continue;
        }
        let s = g.shallow(v);
        if top.len() >= LARGEST_ARRAYS && s <= min_kept {
            continue;
        }
        top.push((s, v));
        if top.len() >= LARGEST_ARRAYS * 4 {
            top.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            top.truncate(LARGEST_ARRAYS);
            min_kept = top.last().map_or(0, |e| e.0);
        }
    }
    top.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    top.truncate(LARGEST_ARRAYS);
    if top.is_empty() {
        return Vec::new();
    }
    let own;
    let finder = match finder {
        Some(f) => f,
        None => {
            own = PathFinder::new(
                g,
                PathOptions {
                    include_weak: false,
                },
            );
            &own
        }
    };
    top.into_iter()
        .map(|(s, v)| ArrayInfo {
            object_id: id_str(g, v),
            class: g.class(v).name.clone(),
            primitive: matches!(g.class(v).kind, ClassKind::PrimitiveArray(_)),
            length: g.array_len(v),
            shallow: s,
            retained: d.retained(v),
            path: finder.shortest_path(v).map(PathSummary::from_path),
            node: v,
        })
        .collect()
}

// ---- Collection fill ratios ----------------------------------------------------------------

/// The standard collections measured, by JDK base class (subclasses are reported under their
/// own class name).
const FILL_CLASSES: &[&str] = &[
    "java.util.HashMap",
    "java.util.HashSet",
    "java.util.Hashtable",
    "java.util.WeakHashMap",
    "java.util.IdentityHashMap",
    "java.util.ArrayList",
    "java.util.Vector",
    "java.util.ArrayDeque",
    "java.util.PriorityQueue",
    "java.util.concurrent.ConcurrentHashMap",
    "java.util.concurrent.ArrayBlockingQueue",
    "java.util.concurrent.LinkedBlockingQueue",
];

/// Worst instances listed per class, and overall.
const WORST_PER_CLASS: usize = 5;
const WORST_OVERALL: usize = 20;

/// One collection instance.
#[derive(Debug, Clone, Serialize)]
pub struct CollectionFill {
    pub object_id: String,
    pub class: String,
    /// Elements (entries for maps).
    pub size: u64,
    /// Slots of the backing array (hash tables: buckets; `IdentityHashMap`: entry pairs), or
    /// the declared bound of a `LinkedBlockingQueue`; `None` when unallocated / unbounded.
    pub capacity: Option<u64>,
    /// `size / capacity`.
    pub fill_ratio: Option<f64>,
    /// Null slots of the backing array × reference size.
    pub wasted_bytes: u64,
    pub retained: u64,
    #[serde(skip)]
    pub node: Node,
}

/// Fill statistics of one collection class.
#[derive(Debug, Clone, Serialize)]
pub struct CollectionClassFill {
    pub class: String,
    /// The JDK collection it is read as (`java.util.HashMap` for `LinkedHashMap`).
    pub jdk_class: String,
    pub count: u64,
    /// Instances with no element.
    pub empty: u64,
    pub total_size: u64,
    pub total_capacity: u64,
    /// `total_size / total_capacity` over the instances with a capacity.
    pub total_fill_ratio: Option<f64>,
    /// Mean of the instances' fill ratios.
    pub avg_fill_ratio: Option<f64>,
    pub wasted_bytes: u64,
    /// Largest `wasted_bytes` first.
    pub worst: Vec<CollectionFill>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CollectionFillReport {
    /// By wasted bytes, largest first.
    pub classes: Vec<CollectionClassFill>,
    pub wasted_bytes: u64,
    /// Worst instances over all classes.
    pub worst: Vec<CollectionFill>,
}

/// Reads one collection: (size, backing array, capacity override).
fn read_collection(g: &HeapGraph, v: Node, jdk: &str) -> Option<(u64, Option<Node>, Option<u64>)> {
    let int = |node: Node, f: &str| int_field(g, node, f).filter(|&x| x >= 0).map(|x| x as u64);
    Some(match jdk {
        "java.util.HashMap" | "java.util.WeakHashMap" => {
            let t = field_ref(g, v, "table");
            (
                int(v, "size").unwrap_or_else(|| t.map_or(0, |t| count_bins(g, t))),
                t,
                None,
            )
        }
        "java.util.HashSet" => {
            let m = field_ref(g, v, "map")?;
            let t = field_ref(g, m, "table");
            (
                int(m, "size").unwrap_or_else(|| t.map_or(0, |t| count_bins(g, t))),
                t,
                None,
            )
        }
        "java.util.Hashtable" => {
            let t = field_ref(g, v, "table");
            (
                int(v, "count").unwrap_or_else(|| t.map_or(0, |t| count_bins(g, t))),
                t,
                None,
            )
        }
        "java.util.IdentityHashMap" => {
            let t = field_ref(g, v, "table");
            let size =
                int(v, "size").unwrap_or_else(|| t.map_or(0, |t| non_null_elements(g, t) / 2));
            (size, t, t.map(|t| g.array_len(t) as u64 / 2))
        }
        "java.util.ArrayList" => {
            let a = field_ref(g, v, "elementData");
            (
                int(v, "size").unwrap_or_else(|| a.map_or(0, |a| non_null_elements(g, a))),
                a,
                None,
            )
        }
        "java.util.Vector" => {
            let a = field_ref(g, v, "elementData");
            (
                int(v, "elementCount").unwrap_or_else(|| a.map_or(0, |a| non_null_elements(g, a))),
                a,
                None,
            )
        }
        "java.util.ArrayDeque" => {
            let a = field_ref(g, v, "elements");
            (a.map_or(0, |a| non_null_elements(g, a)), a, None)
        }
        "java.util.PriorityQueue" => {
            let a = field_ref(g, v, "queue");
            (
                int(v, "size").unwrap_or_else(|| a.map_or(0, |a| non_null_elements(g, a))),
                a,
                None,
            )
        }
        // JDK 5–7: `segments`, each with its own table (read as `collections` does).
        "java.util.concurrent.ConcurrentHashMap" if field_ref(g, v, "segments").is_some() => {
            let i = super::collections::collection_info(g, v)?;
            (i.size, None, i.capacity)
        }
        "java.util.concurrent.ConcurrentHashMap" => {
            let t = field_ref(g, v, "table");
            let size = match (field_ref(g, v, "counterCells"), int(v, "baseCount")) {
                (None, Some(b)) => b,
                _ => t.map_or(0, |t| count_bins(g, t)),
            };
            (size, t, None)
        }
        "java.util.concurrent.ArrayBlockingQueue" => {
            let a = field_ref(g, v, "items");
            (
                int(v, "count").unwrap_or_else(|| a.map_or(0, |a| non_null_elements(g, a))),
                a,
                None,
            )
        }
        "java.util.concurrent.LinkedBlockingQueue" => {
            let size = field_ref(g, v, "count")
                .and_then(|c| int(c, "value"))
                .unwrap_or(0);
            let bound = int(v, "capacity").filter(|&c| c < i32::MAX as u64);
            (size, None, bound)
        }
        _ => return None,
    })
}

/// Entries of a hash table: bins and their `next` chains (`TreeBin`s through `first`).
fn count_bins(g: &HeapGraph, table: Node) -> u64 {
    let mut n = 0u64;
    for (bin, _) in g.edges(table) {
        let name = &g.class(bin).name;
        if name.ends_with("$ForwardingNode") || name.ends_with("$ReservationNode") {
            continue;
        }
        let mut cur = if name.ends_with("$TreeBin") {
            field_ref(g, bin, "first")
        } else {
            Some(bin)
        };
        let mut seen = 0u64;
        while let Some(x) = cur {
            n += 1;
            seen += 1;
            if seen > 10_000_000 {
                break;
            }
            cur = field_ref(g, x, "next").filter(|&nx| nx != x);
        }
    }
    n
}

/// Fill ratios of the standard JDK collections (see [`FILL_CLASSES`]; a `HashSet`'s inner
/// `HashMap` is counted once, under the set).
pub fn collection_fill(g: &HeapGraph, d: &Dominance) -> CollectionFillReport {
    let jdk_of: Vec<Option<&str>> = (0..g.classes.len() as u32)
        .map(|c| ancestor_in(g, c, FILL_CLASSES))
        .collect();
    if jdk_of.iter().all(Option::is_none) {
        return CollectionFillReport::default();
    }
    let reference = g.sizes.reference as u64;
    // The collections (their JDK class is looked up again from the class: 4 bytes each, not
    // 24, on a collection-heavy heap the analyses' peak).
    let mut instances: Vec<Node> = Vec::new();
    let mut set_maps: HashSet<Node> = HashSet::new();
    for v in g.nodes() {
        if let Some(jdk) = jdk_of[g.class_index(v) as usize] {
            if g.as_class(v).is_none() && d.is_reachable(v) {
                instances.push(v);
                if jdk == "java.util.HashSet" {
                    if let Some(m) = field_ref(g, v, "map") {
                        set_maps.insert(m);
                    }
                }
            }
        }
    }
    // Per (class name, JDK class): one slot, found once per class index (two loaders' classes
    // of one name share a row, as they did when the rows were keyed by name).
    let mut slot_of_key: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut slot_of_class: Vec<Option<usize>> = vec![None; g.classes.len()];
    let mut per_class: Vec<(CollectionClassFill, f64, u64)> = Vec::new();
    // Light records of every collection; object ids and names are formatted only for the
    // rows that are reported (the worst few), not for each of millions of collections.
    // 40 bytes per collection (an `Option<u64>` capacity and a `usize` slot made it 56).
    struct Fill {
        wasted: u64,
        retained: u64,
        size: u64,
        /// 0: none (a capacity read as 0 is none too).
        capacity: u64,
        node: Node,
        slot: u32,
    }
    let mut all: Vec<Fill> = Vec::new();
    for v in instances {
        let Some(jdk) = jdk_of[g.class_index(v) as usize] else {
            continue;
        };
        if set_maps.contains(&v) {
            continue;
        }
        let Some((size, array, cap_override)) = read_collection(g, v, jdk) else {
            continue;
        };
        let capacity = cap_override
            .or_else(|| array.map(|a| g.array_len(a) as u64))
            .filter(|&c| c > 0);
        let wasted = array.map_or(0, |a| {
            (g.array_len(a) as u64).saturating_sub(non_null_elements(g, a)) * reference
        });
        let ci = g.class_index(v) as usize;
        let slot = *slot_of_class[ci].get_or_insert_with(|| {
            let class = g.classes[ci].name.as_str();
            *slot_of_key.entry((class, jdk)).or_insert_with(|| {
                per_class.push((
                    CollectionClassFill {
                        class: class.to_string(),
                        jdk_class: jdk.to_string(),
                        count: 0,
                        empty: 0,
                        total_size: 0,
                        total_capacity: 0,
                        total_fill_ratio: None,
                        avg_fill_ratio: None,
                        wasted_bytes: 0,
                        worst: Vec::new(),
                    },
                    0.0,
                    0,
                ));
                per_class.len() - 1
            })
        });
        let (c, ratio_sum, ratio_n) = &mut per_class[slot];
        c.count += 1;
        c.empty += (size == 0) as u64;
        if let Some(cap) = capacity {
            c.total_size += size;
            c.total_capacity += cap;
            *ratio_sum += size as f64 / cap as f64;
            *ratio_n += 1;
        }
        c.wasted_bytes += wasted;
        all.push(Fill {
            wasted,
            retained: d.retained(v),
            size,
            capacity: capacity.unwrap_or(0),
            node: v,
            slot: slot as u32,
        });
    }
    all.sort_unstable_by(|a, b| {
        b.wasted
            .cmp(&a.wasted)
            .then(b.retained.cmp(&a.retained))
            .then(a.node.cmp(&b.node))
    });
    let row = |f: &Fill| CollectionFill {
        object_id: id_str(g, f.node),
        class: per_class[f.slot as usize].0.class.clone(),
        size: f.size,
        capacity: Some(f.capacity).filter(|&c| c > 0),
        fill_ratio: Some(f.capacity)
            .filter(|&c| c > 0)
            .map(|c| f.size as f64 / c as f64),
        wasted_bytes: f.wasted,
        retained: f.retained,
        node: f.node,
    };
    // The worst of each class name, in one pass over the sorted records.
    let mut worst_of_name: HashMap<&str, Vec<CollectionFill>> = HashMap::new();
    for f in &all {
        let w = worst_of_name
            .entry(per_class[f.slot as usize].0.class.as_str())
            .or_default();
        if w.len() < WORST_PER_CLASS {
            w.push(row(f));
        }
    }
    let mut worst_of_name: HashMap<String, Vec<CollectionFill>> = worst_of_name
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let all: Vec<CollectionFill> = all.iter().take(WORST_OVERALL).map(row).collect();
    let mut slots: Vec<Option<(CollectionClassFill, f64, u64)>> =
        per_class.into_iter().map(Some).collect();
    // In (class name, JDK class) order before the final stable sort, as the map was.
    let mut classes: Vec<CollectionClassFill> = slot_of_key
        .into_values()
        .map(|slot| {
            let (mut c, sum, n) = slots[slot].take().expect("one key per slot");
            if n > 0 {
                c.avg_fill_ratio = Some(sum / n as f64);
                c.total_fill_ratio = Some(c.total_size as f64 / c.total_capacity.max(1) as f64);
            }
            c
        })
        .collect();
    for c in &mut classes {
        // Two JDK kinds under one class name share the name's worst list (as before).
        c.worst = worst_of_name.get(&c.class).cloned().unwrap_or_default();
    }
    worst_of_name.clear();
    classes.sort_by(|a, b| {
        b.wasted_bytes
            .cmp(&a.wasted_bytes)
            .then(b.count.cmp(&a.count))
            .then_with(|| a.class.cmp(&b.class))
    });
    let wasted_bytes = classes.iter().map(|c| c.wasted_bytes).sum();
    CollectionFillReport {
        classes,
        wasted_bytes,
        worst: all,
    }
}

// ---- All together ----------------------------------------------------------------------------

/// The three waste analyses.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WasteReport {
    pub duplicate_strings: DuplicateStrings,
    pub largest_arrays: Vec<ArrayInfo>,
    pub collections: CollectionFillReport,
    /// One-line summary (`12.3 MiB in duplicate strings, …`).
    pub summary: String,
}

/// `1.2 MiB in 3456 duplicate strings; … of unused collection capacity; largest array …`,
/// sizes and counts written by `bytes` and `count` (the report's plain numbers, the page's
/// `report::format`).
pub(crate) fn summary_line(
    dups: &DuplicateStrings,
    collections: &CollectionFillReport,
    arrays: &[ArrayInfo],
    bytes: impl Fn(u64) -> String,
    count: impl Fn(u64) -> String,
) -> String {
    format!(
        "{} in {} duplicate strings; {} of unused collection capacity; largest array {}",
        bytes(dups.wasted_bytes),
        count(dups.duplicate_instances),
        bytes(collections.wasted_bytes),
        arrays.first().map_or_else(
            || "none".to_string(),
            |a| format!("{} ({})", a.class, bytes(a.shallow))
        ),
    )
}

/// Runs the three waste analyses (one [`PathFinder`] BFS for the arrays' paths).
pub fn waste(g: &HeapGraph, d: &Dominance) -> WasteReport {
    let duplicate_strings = duplicate_strings(g, d);
    let largest_arrays = largest_arrays(g, d);
    let collections = collection_fill(g, d);
    let summary = summary_line(
        &duplicate_strings,
        &collections,
        &largest_arrays,
        human_bytes,
        |n| n.to_string(),
    );
    WasteReport {
        duplicate_strings,
        largest_arrays,
        collections,
        summary,
    }
}
