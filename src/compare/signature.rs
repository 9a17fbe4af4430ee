//! Stable keys for the big objects of one dump, so two dumps can be matched without object ids.
//!
//! Object ids are addresses: they change with every GC and between runs. What stays is the
//! *shape* of the way an object is reached: the GC root it hangs from and the chain of field
//! names from there. The **signature** of an object is a 64-bit hash of its shortest path from
//! a GC root (strong references only, [`PathFinder`]'s default), one step per reference:
//!
//! - the root: `class com.example.App` for a class object (its statics; a class object is an
//!   anchor wherever it is on the path, so the way the class itself is reached does not
//!   matter), `thread "pool-*"` for a thread (the name's trailing number becomes `*`), else the
//!   root kind and the class;
//! - each reference: `.field` (instance field, or static field of a class object), `[]` for
//!   any array element (the index is not stable), `<local m>` for a stack local of method `m`,
//!   followed by the class of the object reached;
//! - **collapsed**: a reference between two objects of the same class (`next`, `left`,
//!   `right`, `parent`… of linked lists, hash bins and trees) adds nothing, so every node of a
//!   chain has the signature of its head and collection elements have one signature whatever
//!   their position;
//! - hidden classes keep their name up to `$$Lambda` (the numbered suffix differs per run).
//!
//! Every dominator-tree node retaining at least [`FLOOR_FRACTION`] of the reachable heap (and
//! [`MIN_FLOOR`] bytes) gets its signature; nodes sharing one are one [`Keyed`] entry whose
//! retained size is the sum over its nodes that are not dominated by another node of the same
//! signature (as a class's retained size is computed). Each entry also records its nearest keyed
//! dominator (`parent`), so the growth search can descend from a holder to what grew inside it.
//!
//! Two fallback keys serve the matching when a path changed between the dumps:
//! `local` hashes the path from the nearest application-level object above (the *holder*) only,
//! so a holder that moved under another parent still matches; `shape` hashes the holder's class
//! and the object's class only (an application-level object: its class alone), so a renamed
//! field or a moved holder still matches.

use crate::analysis::collections::{array_info, collection_info, sample_elements};
use crate::analysis::histogram::Histogram;
use crate::analysis::paths::{hex, is_subclass_of, PathFinder};
use crate::analysis::patterns::{is_app_level, name_pattern};
use crate::analysis::threads::thread_name;
use crate::graph::{ClassKind, Dominance, HeapGraph, Node, NO_NODE};
use crate::hprof::RootKind;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Nodes retaining less than this fraction of the reachable heap get no key.
pub(crate) const FLOOR_FRACTION: f64 = 1.0 / 20_000.0;
/// … nor those retaining less than this many bytes.
pub(crate) const MIN_FLOOR: u64 = 1024;
/// At most this many distinct keys per dump (the biggest nodes come first in the walk).
pub(crate) const MAX_KEYS: usize = 200_000;
/// Paths longer than this (in characters) keep their start and end.
const MAX_PATH_TEXT: usize = 400;

/// One signature of a dump: the big objects reached the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyed {
    /// Hash of the whole path from the GC root.
    pub sig: u64,
    /// Hash of the path from the holder (nearest application-level object above) only.
    pub local: u64,
    /// Hash of this object's class for application-level objects, else of the holder's class
    /// and this object's class.
    pub shape: u64,
    /// Index of the nearest keyed dominator's entry.
    pub parent: Option<u32>,
    /// Objects with this signature (not dominated by another of the same signature).
    pub count: u64,
    /// Their retained bytes together.
    pub retained: u64,
    /// Their retained objects together (themselves included).
    pub objects: u64,
    /// Elements (entries for maps) together, when they are collections or object arrays.
    pub elements: Option<u64>,
    /// Class of the biggest of them (`class com.example.Foo` for a class object).
    pub class: String,
    /// Object id of the biggest of them.
    pub object_id: String,
    /// Readable path: `class com.example.App.TRAIL.pending`.
    pub path: String,
    /// Its start: the GC root (`thread "worker-*"`, `JNI Global java.lang.Object[]`) or the
    /// class whose static field it starts from (`class com.example.App`).
    pub root: String,
    /// Class of the holder, if an application-level object is on the path above.
    pub holder: Option<String>,
    /// The path from the holder (`pending`, `bySku.table[].value`).
    pub holder_path: String,
    /// Most common element class (of up to 200 sampled) for collections and object arrays.
    pub element_class: Option<String>,
    /// A collection or an object array.
    pub collection: bool,
    /// An array or a JDK object (not a class object): internals of something else.
    pub internal: bool,
    /// An application-level object (see `analysis::patterns::is_app_level`).
    pub app_level: bool,
}

/// FNV-1a, continued from `seed`: deterministic on every platform (the web worker and the CLI
/// must compute the same keys).
fn hash(seed: u64, s: &str) -> u64 {
    let mut x = seed ^ 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        x ^= b as u64;
        x = x.wrapping_mul(0x0000_0100_0000_01b3);
    }
    x
}

/// Class name with a hidden class's per-run suffix cut (`Foo$$Lambda$18+0x…` → `Foo$$Lambda`).
pub(crate) fn stable_class_name(name: &str) -> &str {
    match name.find("$$Lambda") {
        Some(i) => &name[..i + "$$Lambda".len()],
        None => name,
    }
}

#[derive(Clone, Copy)]
struct Sig {
    full: u64,
    local: u64,
    holder: Node,
}

struct Signer<'a, 'g> {
    g: &'a HeapGraph,
    paths: &'a PathFinder<'g>,
    memo: HashMap<Node, Sig>,
    root_kind: HashMap<Node, RootKind>,
    /// Per class index: 0 unknown, 1 not application-level, 2 application-level (instances).
    app: Vec<u8>,
    thread: Vec<u8>,
}

impl<'a, 'g> Signer<'a, 'g> {
    fn new(g: &'a HeapGraph, paths: &'a PathFinder<'g>) -> Self {
        const PRIORITY: &[RootKind] = &[
            RootKind::ThreadObject,
            RootKind::StickyClass,
            RootKind::JniGlobal,
            RootKind::JavaFrame,
            RootKind::JniLocal,
        ];
        let rank = |k: RootKind| {
            PRIORITY
                .iter()
                .position(|&p| p == k)
                .unwrap_or(PRIORITY.len())
        };
        let mut root_kind: HashMap<Node, RootKind> = HashMap::new();
        for r in &g.roots {
            let e = root_kind.entry(r.node).or_insert(r.kind);
            if rank(r.kind) < rank(*e) {
                *e = r.kind;
            }
        }
        Signer {
            g,
            paths,
            memo: HashMap::new(),
            root_kind,
            app: vec![0; g.classes.len()],
            thread: vec![0; g.classes.len()],
        }
    }

    fn app_level(&mut self, v: Node) -> bool {
        if self.g.as_class(v).is_some() {
            return is_app_level(self.g, v);
        }
        let c = self.g.class_index(v) as usize;
        if self.app[c] == 0 {
            self.app[c] = 1 + is_app_level(self.g, v) as u8;
        }
        self.app[c] == 2
    }

    fn is_thread(&mut self, v: Node) -> bool {
        if self.g.as_class(v).is_some() {
            return false;
        }
        let c = self.g.class_index(v);
        if self.thread[c as usize] == 0 {
            self.thread[c as usize] = 1 + is_subclass_of(self.g, c, "java.lang.Thread") as u8;
        }
        self.thread[c as usize] == 2
    }

    fn class_name(&self, v: Node) -> String {
        stable_class_name(&self.g.display_class(v)).to_string()
    }

    fn root_text(&mut self, r: Node) -> String {
        let g = self.g;
        if g.as_class(r).is_some() {
            return self.class_name(r);
        }
        if !self.paths.has_path(r) {
            return format!("<no strong path> {}", self.class_name(r));
        }
        if self.is_thread(r) {
            let name = thread_name(g, r).unwrap_or_default();
            return format!("thread \"{}\"", name_pattern(&name));
        }
        let kind = self
            .root_kind
            .get(&r)
            .map(|k| k.label())
            .unwrap_or("GC root");
        format!("{kind} {}", self.class_name(r))
    }

    /// The reference `p → v` as a path step; `None` when collapsed (same class).
    fn step(&mut self, p: Node, v: Node) -> Option<String> {
        let g = self.g;
        let p_class = g.as_class(p).is_none();
        if p_class && g.as_class(v).is_none() && g.class_index(p) == g.class_index(v) {
            return None;
        }
        if p_class && matches!(g.class(p).kind, ClassKind::ObjectArray) {
            return Some("[]".into());
        }
        let label = self.paths.edge_label(p, v);
        Some(if label == "<Java Local>" {
            let frame = self.paths.local_frame(p, v).unwrap_or_default();
            // `com.example.X.run(X.java:42)` → `com.example.X.run`: the line moves.
            let method = frame.split('(').next().unwrap_or("");
            format!(" <local {method}>")
        } else if let Some(name) = label.strip_prefix("<static> ") {
            format!(".{name}")
        } else if label.starts_with('[') {
            "[]".into()
        } else {
            format!(".{label}")
        })
    }

    /// The previous object on `v`'s path; none for a GC root and for a class object: a class
    /// is its own anchor (`class com.example.App`), whichever way its class object is reached
    /// (a loader's class list, a `Class` field, a sticky-class root…).
    fn parent(&self, v: Node) -> Option<Node> {
        if self.g.as_class(v).is_some() {
            return None;
        }
        self.paths.parent(v)
    }

    fn sig(&mut self, v: Node) -> Sig {
        if let Some(&s) = self.memo.get(&v) {
            return s;
        }
        // Walk up to a known signature or a root, then come back down (no recursion: paths
        // can be millions of references long).
        let mut chain = vec![v];
        let mut x = v;
        while let Some(p) = self.parent(x) {
            if self.memo.contains_key(&p) {
                break;
            }
            chain.push(p);
            x = p;
        }
        for &x in chain.iter().rev() {
            let s = match self.parent(x) {
                None => {
                    let h = hash(0, &self.root_text(x));
                    Sig {
                        full: h,
                        local: h,
                        holder: NO_NODE,
                    }
                }
                Some(p) => {
                    let ps = self.memo[&p];
                    match self.step(p, x) {
                        None => ps,
                        Some(step) => {
                            let class = self.class_name(x);
                            let full = hash(hash(ps.full, &step), &class);
                            let (base, holder) = if self.app_level(p) {
                                (hash(1, &self.class_name(p)), p)
                            } else {
                                (ps.local, ps.holder)
                            };
                            Sig {
                                full,
                                local: hash(hash(base, &step), &class),
                                holder,
                            }
                        }
                    }
                }
            };
            self.memo.insert(x, s);
        }
        self.memo[&v]
    }

    /// Readable path of `v`, its root part, and the part after its holder.
    fn texts(&mut self, v: Node, holder: Node) -> (String, String, String) {
        let Some(mut nodes) = self.paths.path_nodes(v) else {
            let root = format!("<no strong path> {}", self.class_name(v));
            return (root.clone(), root, String::new());
        };
        // Start at the last class object, as the signature does.
        if let Some(i) = nodes.iter().rposition(|&x| self.g.as_class(x).is_some()) {
            nodes.drain(..i);
        }
        let root = self.root_text(nodes[0]);
        let mut full = root.clone();
        let mut local = String::new();
        let mut after_holder = holder == NO_NODE;
        for w in nodes.windows(2) {
            if let Some(s) = self.step(w[0], w[1]) {
                full.push_str(&s);
                if after_holder {
                    local.push_str(&s);
                }
            }
            if w[0] == holder {
                // The holder was reached: steps from here on are the holder's path.
                local.clear();
                if let Some(s) = self.step(w[0], w[1]) {
                    local.push_str(&s);
                }
                after_holder = true;
            }
        }
        let local = local.trim_start_matches('.').trim().to_string();
        (shorten(full), shorten(root), shorten(local))
    }
}

fn shorten(s: String) -> String {
    if s.chars().count() <= MAX_PATH_TEXT {
        return s;
    }
    let head: String = s.chars().take(MAX_PATH_TEXT / 4).collect();
    let n = s.chars().count();
    let tail: String = s.chars().skip(n - MAX_PATH_TEXT * 3 / 4).collect();
    format!("{head}…{tail}")
}

struct Acc {
    sig: Sig,
    parent: Option<u32>,
    count: u64,
    retained: u64,
    objects: u64,
    elements: Option<u64>,
    rep: Node,
}

/// The byte floor of the keyed objects: [`FLOOR_FRACTION`] of the reachable heap, at least
/// [`MIN_FLOOR`]. The class histogram's walk counts the retained objects of every node at or
/// above it (`Histogram::big_counts`) for [`keyed_objects`].
pub fn key_floor(d: &Dominance) -> u64 {
    ((d.reachable_bytes() as f64 * FLOOR_FRACTION) as u64).max(MIN_FLOOR)
}

/// The keyed big objects of a dump, in dominator-tree pre-order (a parent before its children).
/// `h` is the dump's class histogram; `paths` must use the default options (strong references
/// only).
///
/// The walk goes down the dominator tree only through nodes at or above the floor: a node
/// below it retains a subtree below it too (a dominated object retains no more than its
/// dominator), where nothing gets a key. The retained object counts of the keyed nodes come
/// from the histogram's own walk of the whole tree (`Histogram::big_counts`), so this one
/// visits only the few thousand big nodes, not the millions under them (a node missing from
/// there, e.g. a histogram from before the counts were kept, is counted by walking its subtree).
pub(crate) fn keyed_objects(
    g: &HeapGraph,
    d: &Dominance,
    h: &Histogram,
    paths: &PathFinder,
) -> Vec<Keyed> {
    let floor = key_floor(d);
    let mut signer = Signer::new(g, paths);
    let tree = d.child_index();
    let objects_of = |v: Node| match h.big_counts.binary_search_by_key(&v, |&(n, _)| n) {
        Ok(i) => h.big_counts[i].1,
        Err(_) => tree.retained_count(v),
    };
    struct Frame {
        v: Node,
        i: u32,
        /// The keyed entry this node is counted in, and its signature (`None`: not keyed).
        key: Option<(u32, u64)>,
    }
    let mut accs: Vec<Acc> = Vec::new();
    let mut by_sig: HashMap<u64, u32> = HashMap::new();
    // Nodes of each signature on the stack: a node adds to its entry only when no node above
    // it has its signature (as a class's retained size counts an instance once).
    let mut active: HashMap<u64, u32> = HashMap::new();
    let mut key_stack: Vec<u32> = Vec::new();
    let mut stack = vec![Frame {
        v: g.super_root(),
        i: 0,
        key: None,
    }];
    while let Some(top) = stack.last_mut() {
        let kids = tree.children(top.v);
        // Children come largest first, but do not rely on it: skip every one below the floor.
        while kids
            .get(top.i as usize)
            .is_some_and(|&w| d.retained(w) < floor)
        {
            top.i += 1;
        }
        let Some(&w) = kids.get(top.i as usize) else {
            let f = stack.pop().expect("non-empty");
            if let Some((_, full)) = f.key {
                if let Some(a) = active.get_mut(&full) {
                    *a -= 1;
                }
                key_stack.pop();
            }
            continue;
        };
        top.i += 1;
        let mut f = Frame {
            v: w,
            i: 0,
            key: None,
        };
        let r = d.retained(w);
        let s = signer.sig(w);
        let idx = match by_sig.get(&s.full) {
            Some(&i) => Some(i),
            None if accs.len() < MAX_KEYS => {
                let i = accs.len() as u32;
                accs.push(Acc {
                    sig: s,
                    parent: key_stack.last().copied(),
                    count: 0,
                    retained: 0,
                    objects: 0,
                    elements: None,
                    rep: w,
                });
                by_sig.insert(s.full, i);
                Some(i)
            }
            None => None,
        };
        if let Some(idx) = idx {
            let a = active.entry(s.full).or_insert(0);
            if *a == 0 {
                let acc = &mut accs[idx as usize];
                acc.count += 1;
                acc.retained += r;
                acc.objects += objects_of(w);
                if r > d.retained(acc.rep) || acc.count == 1 {
                    acc.rep = w;
                }
                let size = collection_info(g, w)
                    .or_else(|| array_info(g, w))
                    .map(|i| i.size);
                if let Some(n) = size {
                    *acc.elements.get_or_insert(0) += n;
                }
            }
            *a += 1;
            f.key = Some((idx, s.full));
            key_stack.push(idx);
        }
        stack.push(f);
    }
    accs.into_iter()
        .map(|a| describe(g, &mut signer, a))
        .collect()
}

fn describe(g: &HeapGraph, signer: &mut Signer, a: Acc) -> Keyed {
    let v = a.rep;
    let class = signer.class_name(v);
    let holder = a.sig.holder;
    let holder_class = (holder != NO_NODE).then(|| signer.class_name(holder));
    let (path, root, holder_path) = signer.texts(v, holder);
    let info = collection_info(g, v).or_else(|| array_info(g, v));
    let element_class = info.as_ref().and_then(|i| {
        let mut by: HashMap<u32, u64> = HashMap::new();
        for e in sample_elements(g, i, 200) {
            *by.entry(g.class_index(e)).or_insert(0) += 1;
        }
        by.into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(c, _)| stable_class_name(&g.classes[c as usize].name).to_string())
    });
    let is_class_object = g.as_class(v).is_some();
    let internal = !is_class_object
        && (g.class(v).is_array() || crate::graph::is_jdk_class_name(&g.class(v).name));
    let app_level = signer.app_level(v);
    // An application object is matched by its class alone (a service, a registry: usually one
    // of a kind); anything else by its holder's class and its own.
    let shape = if app_level {
        hash(3, &class)
    } else {
        hash(hash(2, holder_class.as_deref().unwrap_or("")), &class)
    };
    Keyed {
        sig: a.sig.full,
        local: a.sig.local,
        shape,
        parent: a.parent,
        count: a.count,
        retained: a.retained,
        objects: a.objects,
        elements: a.elements,
        app_level,
        class,
        object_id: hex(g.id(v)),
        path,
        root,
        holder: holder_class,
        holder_path,
        element_class,
        collection: info.is_some(),
        internal,
    }
}
