//! Class histogram delta: every class of either dump, matched by name.
//!
//! Counts are of reachable objects (Eclipse MAT's default histogram; a `live` dump has no
//! other). Classes of the same name defined by several loaders are one row (the sum), as a
//! class histogram taken by the JVM (`jcmd GC.class_histogram`) also lists them by name.

use super::summary::delta;
use crate::analysis::histogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One class of one dump.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCount {
    pub class: String,
    pub instances: u64,
    pub shallow: u64,
    /// Retained bytes of the class (instances dominated by another of the same class not
    /// counted twice).
    pub retained: u64,
}

/// How a class changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Only in the new dump.
    New,
    /// Only in the baseline.
    Vanished,
    /// In both, with different numbers.
    Changed,
    /// In both, same instances and sizes.
    Same,
}

/// One class (or package) of the histogram delta.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassDelta {
    /// Class name (package name for grouped rows; `<default package>` for arrays of
    /// primitives and classes without a package).
    pub class: String,
    pub change: Change,
    pub instances_base: u64,
    pub instances_new: u64,
    pub instances_delta: i64,
    pub shallow_base: u64,
    pub shallow_new: u64,
    pub shallow_delta: i64,
    pub retained_base: u64,
    pub retained_new: u64,
    pub retained_delta: i64,
}

/// The reachable-object histogram of a dump, one row per class name.
pub(crate) fn class_counts(h: &Histogram) -> Vec<ClassCount> {
    let mut by: BTreeMap<String, ClassCount> = BTreeMap::new();
    for r in &h.reachable {
        let e = by.entry(r.name.clone()).or_insert(ClassCount {
            class: r.name.clone(),
            ..Default::default()
        });
        e.instances += r.instances;
        e.shallow += r.shallow;
        e.retained += r.retained;
    }
    by.into_values().collect()
}

fn row(class: String, a: &ClassCount, b: &ClassCount, in_a: bool, in_b: bool) -> ClassDelta {
    let change = match (in_a, in_b) {
        (false, _) => Change::New,
        (_, false) => Change::Vanished,
        _ if a.instances == b.instances && a.shallow == b.shallow && a.retained == b.retained => {
            Change::Same
        }
        _ => Change::Changed,
    };
    ClassDelta {
        class,
        change,
        instances_base: a.instances,
        instances_new: b.instances,
        instances_delta: delta(a.instances, b.instances),
        shallow_base: a.shallow,
        shallow_new: b.shallow,
        shallow_delta: delta(a.shallow, b.shallow),
        retained_base: a.retained,
        retained_new: b.retained,
        retained_delta: delta(a.retained, b.retained),
    }
}

/// Most grown first: by shallow delta (descending), then retained delta, then name.
fn sort(rows: &mut [ClassDelta]) {
    rows.sort_by(|a, b| {
        b.shallow_delta
            .cmp(&a.shallow_delta)
            .then(b.retained_delta.cmp(&a.retained_delta))
            .then(b.instances_delta.cmp(&a.instances_delta))
            .then(a.class.cmp(&b.class))
    });
}

/// Every class of either dump.
pub(crate) fn histogram_delta(base: &[ClassCount], new: &[ClassCount]) -> Vec<ClassDelta> {
    let zero = ClassCount::default();
    let mut by: BTreeMap<&str, (Option<&ClassCount>, Option<&ClassCount>)> = BTreeMap::new();
    for c in base {
        by.entry(&c.class).or_default().0 = Some(c);
    }
    for c in new {
        by.entry(&c.class).or_default().1 = Some(c);
    }
    let mut rows: Vec<ClassDelta> = by
        .into_iter()
        .map(|(name, (a, b))| {
            row(
                name.to_string(),
                a.unwrap_or(&zero),
                b.unwrap_or(&zero),
                a.is_some(),
                b.is_some(),
            )
        })
        .collect();
    sort(&mut rows);
    rows
}
