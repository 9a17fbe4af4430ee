//! Class loaders: what each defines and retains, classes defined by several loaders, and
//! loaders that look leaked.
//!
//! A loader is every object named as the defining loader of a CLASS DUMP, plus `<bootstrap>`
//! (loader id 0). Leak-candidate rules (any one flags the loader; built-in JDK loaders —
//! bootstrap, platform, application, reflection delegating loaders — are never flagged):
//! 1. it defines at least [`MANY_CLASSES`] classes (an application server's webapp or a
//!    plugin/agent loader of that size that is no longer in use keeps all its classes'
//!    metadata alive: Metaspace);
//! 2. at least [`MIN_DUPLICATES`] of its classes are also defined by another loader of the
//!    same loader class (the redeploy leak: the old deployment's loader is still reachable);
//! 3. it is a `java.net.URLClassLoader` (or subclass) that keeps jar files open: open
//!    `java.util.zip.ZipFile`s (`JarFile`s; `closeRequested` false) reachable from the loader's
//!    own objects — its class path and caches; the walk does not enter class objects, other
//!    class loaders, threads or modules (bounded: 200,000 objects per loader, 5 million over
//!    all). A discarded loader must be `close()`d to release them.

use super::objread::{
    ancestor_in, bool_field, for_each_strong_edge, id_str, referent_index, string_text,
    subclasses_of,
};
use crate::graph::{Dominance, HeapGraph, Node, NO_NODE};
use crate::hprof::Id;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Rule 1 threshold.
pub(crate) const MANY_CLASSES: u32 = 1000;
/// Rule 2 threshold.
pub(crate) const MIN_DUPLICATES: u32 = 10;
/// Cap on the objects the open-jar walk visits per loader, and over all loaders.
const JAR_WALK_LIMIT: usize = 200_000;
const JAR_WALK_BUDGET: usize = 5_000_000;

/// JDK loaders that are part of the platform (never leak candidates).
const BUILTIN_LOADERS: &[&str] = &[
    "jdk.internal.loader.ClassLoaders$AppClassLoader",
    "jdk.internal.loader.ClassLoaders$PlatformClassLoader",
    "jdk.internal.loader.ClassLoaders$BootClassLoader",
    "sun.misc.Launcher$AppClassLoader",
    "sun.misc.Launcher$ExtClassLoader",
    "jdk.internal.reflect.DelegatingClassLoader",
    "sun.reflect.DelegatingClassLoader",
];

/// A jar (zip) file kept open.
/// (`node` is not serialized: read back from JSON, as the page does, it is 0.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenJar {
    pub object_id: String,
    pub class: String,
    /// The file name (`ZipFile.name`).
    pub name: Option<String>,
    /// The loader whose objects reach it, if any.
    pub loader_id: Option<String>,
    #[serde(skip)]
    pub node: Node,
}

/// (`node` is not serialized: read back from JSON, as the page does, it is 0.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassLoaderInfo {
    /// `null` for `<bootstrap>`.
    pub object_id: Option<String>,
    /// Loader class (`java.net.URLClassLoader`), `<bootstrap>` for the VM's loader.
    pub class: String,
    /// The `ClassLoader.name` field (JDK 9+), if set.
    pub name: Option<String>,
    /// Classes (CLASS DUMPs, array classes included) whose defining loader this is.
    pub classes_defined: u32,
    /// Objects whose class this loader defined.
    pub instances: u64,
    /// Retained size of the loader object; for `<bootstrap>`, of its classes (all GC roots).
    pub retained: u64,
    /// The `parent` loader's id (`null`: bootstrap).
    pub parent: Option<String>,
    pub builtin: bool,
    /// Open jar files reachable from the loader's own objects (rule 3; `URLClassLoader`s only).
    pub open_jars: u32,
    pub open_jar_names: Vec<String>,
    /// Classes also defined by another loader of the same loader class (rule 2).
    pub duplicated_classes: u32,
    pub leak_candidate: bool,
    /// Why it is a leak candidate (empty if it is not).
    pub reason: String,
    #[serde(skip)]
    pub node: Node,
}

/// A class name defined by more than one loader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateClass {
    pub class: String,
    /// Loader ids (`<bootstrap>` for the VM's).
    pub loaders: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassLoaderReport {
    /// Leak candidates first, then by retained size.
    pub loaders: Vec<ClassLoaderInfo>,
    /// Classes defined by several loaders, most loaders first (at most 1,000).
    pub duplicate_classes: Vec<DuplicateClass>,
    /// All duplicated class names (the list above may be cut).
    pub duplicate_classes_total: u32,
    /// Every open `ZipFile`/`JarFile` of the reachable heap.
    pub open_jar_files: Vec<OpenJar>,
}

/// Analyses every class loader of the dump.
pub fn class_loaders(g: &HeapGraph, d: &Dominance) -> ClassLoaderReport {
    // Classes and instances per loader id.
    let mut defined: BTreeMap<Id, u32> = BTreeMap::new();
    for c in &g.classes {
        if c.node != NO_NODE {
            *defined.entry(c.loader).or_insert(0) += 1;
        }
    }
    defined.entry(Id::NULL).or_insert(0);
    let mut per_class_instances = vec![0u64; g.classes.len()];
    for v in g.nodes() {
        per_class_instances[g.class_index(v) as usize] += 1;
    }
    let mut instances: HashMap<Id, u64> = HashMap::new();
    for (c, &n) in g.classes.iter().zip(&per_class_instances) {
        *instances.entry(c.loader).or_insert(0) += n;
    }

    // Open zip files and which loader's objects reach them.
    let is_zip = subclasses_of(g, "java.util.zip.ZipFile");
    let open_zips: Vec<Node> = g
        .nodes()
        .filter(|&v| {
            is_zip[g.class_index(v) as usize] && g.as_class(v).is_none() && d.is_reachable(v)
        })
        .filter(|&v| !bool_field(g, v, "closeRequested").unwrap_or(false))
        .collect();
    let is_loader = subclasses_of(g, "java.lang.ClassLoader");
    let referent = referent_index(g);
    let is_stop = {
        let threads = subclasses_of(g, "java.lang.Thread");
        let modules = subclasses_of(g, "java.lang.Module");
        let layers = subclasses_of(g, "java.lang.ModuleLayer");
        (0..g.classes.len())
            .map(|c| is_loader[c] || threads[c] || modules[c] || layers[c])
            .collect::<Vec<bool>>()
    };

    // Class name → loaders, and loader class per loader id, for duplicates.
    let loader_class_of = |id: Id| -> String {
        if id.is_null() {
            return "<bootstrap>".to_string();
        }
        g.node_of(id)
            .map_or_else(|| "<unknown>".to_string(), |n| g.class(n).name.clone())
    };
    let mut by_name: HashMap<&str, Vec<Id>> = HashMap::new();
    for c in &g.classes {
        if c.node != NO_NODE && !c.is_array() {
            let v = by_name.entry(c.name.as_str()).or_default();
            if !v.contains(&c.loader) {
                v.push(c.loader);
            }
        }
    }
    let mut dup_same_kind: HashMap<Id, u32> = HashMap::new();
    for loaders in by_name.values().filter(|l| l.len() > 1) {
        let kinds: Vec<String> = loaders.iter().map(|&l| loader_class_of(l)).collect();
        for (i, &l) in loaders.iter().enumerate() {
            if kinds
                .iter()
                .enumerate()
                .any(|(j, k)| j != i && *k == kinds[i])
            {
                *dup_same_kind.entry(l).or_insert(0) += 1;
            }
        }
    }

    let mut jar_owner: HashMap<Node, Node> = HashMap::new();
    let mut budget = JAR_WALK_BUDGET;
    let mut loaders = Vec::new();
    for (&id, &classes_defined) in &defined {
        let node = if id.is_null() { None } else { g.node_of(id) };
        let class = if id.is_null() {
            "<bootstrap>".to_string()
        } else {
            loader_class_of(id)
        };
        let builtin = id.is_null()
            || node.is_some_and(|n| ancestor_in(g, g.class_index(n), BUILTIN_LOADERS).is_some());
        let name = node
            .and_then(|n| g.ref_field(n, "name"))
            .and_then(|s| string_text(g, s));
        let parent = node
            .and_then(|n| g.ref_field(n, "parent"))
            .map(|p| id_str(g, p));
        let retained = match node {
            Some(n) => d.retained(n),
            None if id.is_null() => g
                .classes
                .iter()
                .filter(|c| {
                    c.loader.is_null()
                        && c.node != NO_NODE
                        && d.idom(c.node) == Some(g.super_root())
                })
                .map(|c| d.retained(c.node))
                .sum(),
            None => 0,
        };
        let is_url = node.is_some_and(|n| {
            ancestor_in(g, g.class_index(n), &["java.net.URLClassLoader"]).is_some()
        });
        let jars = match node {
            Some(n) if !open_zips.is_empty() && is_url && budget > 0 => {
                jars_reached(g, n, &is_zip, &is_stop, &referent, &mut budget)
            }
            _ => Vec::new(),
        };
        let jars: Vec<Node> = jars
            .into_iter()
            .filter(|j| open_zips.binary_search(j).is_ok())
            .collect();
        for &j in &jars {
            jar_owner.entry(j).or_insert(node.unwrap_or(NO_NODE));
        }
        let open_jar_names: Vec<String> = jars
            .iter()
            .map(|&j| zip_name(g, j).unwrap_or_else(|| id_str(g, j)))
            .collect();
        let duplicated = dup_same_kind.get(&id).copied().unwrap_or(0);

        let mut reasons = Vec::new();
        if !builtin {
            if classes_defined >= MANY_CLASSES {
                reasons.push(format!(
                    "defines {classes_defined} classes; if this loader is no longer in use, all of them (and their static data) stay in memory"
                ));
            }
            if duplicated >= MIN_DUPLICATES {
                reasons.push(format!(
                    "{duplicated} of its classes are also defined by another {class}: an old loader (e.g. of a previous deployment) still reachable?"
                ));
            }
            if is_url && !jars.is_empty() {
                reasons.push(format!(
                    "keeps {} jar file{} open ({}); a discarded URLClassLoader must be close()d",
                    jars.len(),
                    if jars.len() == 1 { "" } else { "s" },
                    short_list(&open_jar_names)
                ));
            }
        }
        loaders.push(ClassLoaderInfo {
            object_id: node
                .map(|n| id_str(g, n))
                .or_else(|| (!id.is_null()).then(|| format!("0x{id:x}"))),
            class,
            name,
            classes_defined,
            instances: instances.get(&id).copied().unwrap_or(0),
            retained,
            parent,
            builtin,
            open_jars: jars.len() as u32,
            open_jar_names,
            duplicated_classes: duplicated,
            leak_candidate: !reasons.is_empty(),
            reason: reasons.join("; "),
            node: node.unwrap_or(NO_NODE),
        });
    }
    loaders.sort_by(|a, b| {
        b.leak_candidate
            .cmp(&a.leak_candidate)
            .then(b.retained.cmp(&a.retained))
            .then(b.classes_defined.cmp(&a.classes_defined))
            .then_with(|| a.object_id.cmp(&b.object_id))
    });

    let mut duplicate_classes: Vec<DuplicateClass> = by_name
        .iter()
        .filter(|(_, l)| l.len() > 1)
        .map(|(&name, l)| {
            let mut ids: Vec<Id> = l.clone();
            ids.sort();
            DuplicateClass {
                class: name.to_string(),
                loaders: ids
                    .iter()
                    .map(|&i| {
                        if i.is_null() {
                            "<bootstrap>".to_string()
                        } else {
                            format!("0x{i:x}")
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    duplicate_classes.sort_by(|a, b| {
        b.loaders
            .len()
            .cmp(&a.loaders.len())
            .then_with(|| a.class.cmp(&b.class))
    });
    let duplicate_classes_total = duplicate_classes.len() as u32;
    duplicate_classes.truncate(1000);

    let open_jar_files = open_zips
        .iter()
        .map(|&j| OpenJar {
            object_id: id_str(g, j),
            class: g.class(j).name.clone(),
            name: zip_name(g, j),
            loader_id: jar_owner
                .get(&j)
                .filter(|&&l| l != NO_NODE)
                .map(|&l| id_str(g, l)),
            node: j,
        })
        .collect();
    ClassLoaderReport {
        loaders,
        duplicate_classes,
        duplicate_classes_total,
        open_jar_files,
    }
}

/// `ZipFile.name`.
fn zip_name(g: &HeapGraph, zip: Node) -> Option<String> {
    g.ref_field(zip, "name").and_then(|s| string_text(g, s))
}

fn short_list(names: &[String]) -> String {
    // File names (a name cut short, ending in `…`, stays whole: its tail is unknown).
    let base: Vec<&str> = names
        .iter()
        .map(|n| {
            if n.ends_with('…') {
                n.as_str()
            } else {
                n.rsplit(['/', '\\']).next().unwrap_or(n)
            }
        })
        .collect();
    if base.len() <= 5 {
        base.join(", ")
    } else {
        format!("{}, … {} more", base[..5].join(", "), base.len() - 5)
    }
}

/// Zip files strongly reachable from `loader` without entering class objects or `stop`
/// classes (and without following `Reference.referent`: the Cleaner's list of phantom
/// references would otherwise lead to every zip file of the VM).
fn jars_reached(
    g: &HeapGraph,
    loader: Node,
    is_zip: &[bool],
    stop: &[bool],
    referent: &[Option<u32>],
    budget: &mut usize,
) -> Vec<Node> {
    let mut seen: HashSet<Node> = HashSet::new();
    let mut stack = vec![loader];
    seen.insert(loader);
    let mut found = Vec::new();
    while let Some(v) = stack.pop() {
        if seen.len() >= JAR_WALK_LIMIT.min(*budget) {
            break;
        }
        for_each_strong_edge(g, referent, v, |t| {
            if !seen.insert(t) || g.as_class(t).is_some() {
                return;
            }
            let c = g.class_index(t) as usize;
            if is_zip[c] {
                found.push(t);
            }
            if !stop[c] {
                stack.push(t);
            }
        });
    }
    *budget = budget.saturating_sub(seen.len());
    found.sort_unstable();
    found
}
