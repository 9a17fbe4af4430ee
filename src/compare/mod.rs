//! Comparing two dumps: what grew between a baseline and a newer dump.
//!
//! Two steps, so a dump's graph never has to stay in memory next to the other's:
//!
//! 1. [`digest`] reduces one analysed dump (graph + dominator tree) to what a comparison needs
//!    (serializable, small: a summary, the class histogram, the keyed big objects of
//!    [`signature`], threads by name pattern, class loaders by class). The graph can be dropped
//!    afterwards (a browser worker can compute the digest of its own dump and post it).
//! 2. [`compare`] turns two digests into a [`Diff`]: the summary delta, the class histogram
//!    delta (by class, by package and by defining loader's class), the growth rows ([`growth()`]: holders whose retained
//!    size grew, matched by path, not by object id) and the threads and class loaders that
//!    appeared. The JSON form is documented in `docs/diff-schema.md` ([`DIFF_SCHEMA_VERSION`]).

pub(crate) mod groups;
pub(crate) mod growth;
pub(crate) mod histogram;
pub(crate) mod page;
pub(crate) mod signature;
pub(crate) mod summary;

pub use groups::loader_counts as loader_class_counts;
pub use growth::{growth, Growth, Match};
pub use histogram::{Change, ClassCount, ClassDelta};
pub use page::{
    compare_page, ChangeFilter, CompareHistogramPage, CompareHistogramQuery, DeltaSort,
};
pub(crate) use signature::keyed_objects;
pub use signature::{key_floor, Keyed};
pub use summary::{DumpSummary, LoaderCount, SummaryDelta};

use crate::analysis::histogram::Histogram;
use crate::analysis::{PathFinder, PathOptions};
use crate::graph::{is_jdk_class_name, Dominance, HeapGraph};
use crate::report::format::format_timestamp_ms;
use crate::report::{format_percent, Tool};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Version of the diff JSON (`docs/diff-schema.md`); same stability rules as the report's.
pub(crate) const DIFF_SCHEMA_VERSION: u32 = 2;

/// Below this share of application classes in common, the dumps are said to look unrelated.
pub(crate) const UNRELATED_BELOW: f64 = 0.5;

/// What a comparison needs from one dump.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    pub summary: DumpSummary,
    /// Reachable objects by class name.
    pub classes: Vec<ClassCount>,
    /// Reachable objects by package (retained: the union of the package's objects).
    #[serde(default)]
    pub packages: Vec<ClassCount>,
    /// Reachable objects by the class of their class's defining loader (retained: the union).
    #[serde(default)]
    pub by_loader: Vec<ClassCount>,
    /// The keyed big objects, dominator-tree pre-order.
    pub keyed: Vec<Keyed>,
    /// Live threads by name pattern.
    pub threads: BTreeMap<String, u64>,
    /// Class loader instances by class.
    pub loaders: Vec<LoaderCount>,
}

/// Reduces an analysed dump to its [`Digest`]. `source`: the file name to show.
pub fn digest(g: &HeapGraph, d: &Dominance, source: Option<String>) -> Digest {
    let h = crate::analysis::histogram(g, d);
    let paths = PathFinder::new(g, PathOptions::default());
    digest_from(g, d, &h, &paths, source)
}

/// [`digest`] from the dump's class histogram and strong paths already computed (a browser
/// worker keeps both): `paths` must use the default [`PathOptions`] (strong references only).
pub fn digest_from(
    g: &HeapGraph,
    d: &Dominance,
    h: &Histogram,
    paths: &PathFinder,
    source: Option<String>,
) -> Digest {
    let loaders = summary::loader_counts(g);
    Digest {
        summary: summary::summary(g, d, h, &loaders, source),
        classes: histogram::class_counts(h),
        packages: groups::package_counts(g, h),
        by_loader: groups::loader_counts(g, d, h),
        keyed: keyed_objects(g, d, h, paths),
        threads: summary::thread_patterns(g, d),
        loaders,
    }
}

/// Live threads of one name pattern in each dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadDelta {
    /// `ingest-worker-*` (a trailing number is `*`), or the literal name.
    pub pattern: String,
    pub base: u64,
    pub new: u64,
    pub delta: i64,
}

/// Class loaders of one class in each dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoaderDelta {
    pub class: String,
    pub loaders_base: u64,
    pub loaders_new: u64,
    pub loaders_delta: i64,
    pub classes_base: u64,
    pub classes_new: u64,
    pub classes_delta: i64,
}

/// The comparison of two dumps (serialize it for the JSON of `docs/diff-schema.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub schema: u32,
    pub tool: Tool,
    pub baseline: DumpSummary,
    pub new: DumpSummary,
    /// `new − baseline` of every summary number.
    pub delta: SummaryDelta,
    /// Every class of either dump, most grown (shallow bytes) first.
    pub histogram: Vec<ClassDelta>,
    /// The same by package (retained: the union of the package's objects).
    pub packages: Vec<ClassDelta>,
    /// The same by the class of the defining class loader (`<bootstrap>`,
    /// `jdk.internal.loader.ClassLoaders$AppClassLoader`; every loader of one class together).
    pub by_loader: Vec<ClassDelta>,
    /// Holders whose retained size grew, largest growth first.
    pub growth: Vec<Growth>,
    /// Thread name patterns whose count changed, most added first.
    pub threads: Vec<ThreadDelta>,
    /// Loader classes whose count (or classes defined) changed, most added first.
    pub class_loaders: Vec<LoaderDelta>,
    /// Application classes (outside the JDK) in both dumps over those in either (1 when neither
    /// has any).
    pub app_classes_in_common: f64,
    /// Things to know before reading the numbers (order of the dumps, unrelated dumps).
    pub warnings: Vec<String>,
}

/// Compares a baseline with a newer dump (in the order given; see the warnings).
pub fn compare(base: &Digest, new: &Digest) -> Diff {
    let mut warnings = Vec::new();
    let (a, b) = (&base.summary, &new.summary);
    if b.timestamp_ms < a.timestamp_ms {
        warnings.push(format!(
            "The new dump ({}) is older than the baseline ({}): growth is read from the baseline to the new dump as given.",
            format_timestamp_ms(b.timestamp_ms),
            format_timestamp_ms(a.timestamp_ms)
        ));
    }
    if a.size_rule != b.size_rule {
        warnings.push(format!(
            "The dumps' sizes follow different rules ({} and {}; the JVM's sizes need object addresses in the dump): size deltas mix the two.",
            rule(a.size_rule),
            rule(b.size_rule),
        ));
    }
    if a.id_size != b.id_size {
        warnings.push(format!(
            "The dumps have different identifier sizes ({} and {} bytes): sizes are not comparable.",
            a.id_size, b.id_size
        ));
    }
    let app = |d: &Digest| -> BTreeSet<String> {
        d.classes
            .iter()
            .filter(|c| !is_jdk_class_name(&c.class) && !c.class.ends_with("[]"))
            .map(|c| signature::stable_class_name(&c.class).to_string())
            .collect()
    };
    let (app_a, app_b) = (app(base), app(new));
    let union = app_a.union(&app_b).count();
    let common = app_a.intersection(&app_b).count();
    let app_classes_in_common = if union == 0 {
        1.0
    } else {
        common as f64 / union as f64
    };
    if app_classes_in_common < UNRELATED_BELOW {
        warnings.push(format!(
            "The dumps have only {} of their application classes in common: they may come from different applications, so most of what is listed as grown is simply new.",
            format_percent(common as u64, union as u64)
        ));
    }
    Diff {
        schema: DIFF_SCHEMA_VERSION,
        tool: Tool::default(),
        baseline: a.clone(),
        new: b.clone(),
        delta: SummaryDelta::of(a, b),
        histogram: histogram::histogram_delta(&base.classes, &new.classes),
        packages: histogram::histogram_delta(&base.packages, &new.packages),
        by_loader: histogram::histogram_delta(&base.by_loader, &new.by_loader),
        growth: growth(&base.keyed, &new.keyed, b.heap),
        threads: thread_delta(&base.threads, &new.threads),
        class_loaders: loader_delta(&base.loaders, &new.loaders),
        app_classes_in_common,
        warnings,
    }
}

fn rule(m: crate::graph::SizeMode) -> &'static str {
    match m {
        crate::graph::SizeMode::Jvm => "jvm",
        crate::graph::SizeMode::Mat => "mat",
    }
}

fn thread_delta(a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>) -> Vec<ThreadDelta> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut out: Vec<ThreadDelta> = keys
        .into_iter()
        .map(|k| {
            let (x, y) = (
                a.get(k).copied().unwrap_or(0),
                b.get(k).copied().unwrap_or(0),
            );
            ThreadDelta {
                pattern: k.clone(),
                base: x,
                new: y,
                delta: summary::delta(x, y),
            }
        })
        .filter(|t| t.delta != 0)
        .collect();
    out.sort_by(|x, y| y.delta.cmp(&x.delta).then(x.pattern.cmp(&y.pattern)));
    out
}

fn loader_delta(a: &[LoaderCount], b: &[LoaderCount]) -> Vec<LoaderDelta> {
    let mut by: BTreeMap<&str, (Option<&LoaderCount>, Option<&LoaderCount>)> = BTreeMap::new();
    for l in a {
        by.entry(&l.class).or_default().0 = Some(l);
    }
    for l in b {
        by.entry(&l.class).or_default().1 = Some(l);
    }
    let zero = LoaderCount::default();
    let mut out: Vec<LoaderDelta> = by
        .into_iter()
        .map(|(class, (x, y))| {
            let (x, y) = (x.unwrap_or(&zero), y.unwrap_or(&zero));
            LoaderDelta {
                class: class.to_string(),
                loaders_base: x.loaders,
                loaders_new: y.loaders,
                loaders_delta: summary::delta(x.loaders, y.loaders),
                classes_base: x.classes_defined,
                classes_new: y.classes_defined,
                classes_delta: summary::delta(x.classes_defined, y.classes_defined),
            }
        })
        .filter(|l| l.loaders_delta != 0 || l.classes_delta != 0)
        .collect();
    out.sort_by(|x, y| {
        y.loaders_delta
            .cmp(&x.loaders_delta)
            .then(y.classes_delta.cmp(&x.classes_delta))
            .then(x.class.cmp(&y.class))
    });
    out
}
