//! Class metadata: classes and class loaders, duplicated classes, and an order-of-magnitude
//! estimate of the native memory their metadata takes (Metaspace, and the CDS archive for the
//! JDK classes it holds). The heap holds the classes (CLASS DUMP records) but not their
//! bytecode, constant pools or method data, so the estimate is a per-class average:
//! **instance classes × 7 KiB** (measured: JDK 17, 1,513 instance classes, Metaspace used
//! 9.6 MB + class space 1.0 MB = 7.0 KiB each, `-Xshare:off`, Native Memory Tracking). Real
//! classes range from ~1 KiB (a lambda) to tens of KiB (a large generated class): trust the
//! order of magnitude, not the digits. Array classes are left out (a few hundred bytes each).

use crate::analysis::{ClassLoaderInfo, ClassLoaderReport};
use crate::graph::{HeapGraph, NO_NODE};
use serde::{Deserialize, Serialize};

/// Bytes of class metadata per instance class the estimate uses (see the module docs).
pub(crate) const METADATA_PER_CLASS: u64 = 7 * 1024;
/// A loader that defines at least this many classes is listed.
pub(crate) const MANY_CLASSES: u32 = crate::analysis::classloaders::MANY_CLASSES;

/// One class loader of note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoaderClasses {
    /// `null` for `<bootstrap>`.
    pub object_id: Option<String>,
    pub class: String,
    /// `ClassLoader.name` (JDK 9+), if set.
    pub name: Option<String>,
    pub classes: u32,
    /// Its classes also defined by another loader of the same loader class.
    pub duplicated_classes: u32,
    /// Estimate: `classes × 7 KiB` (its array classes counted too: a small overcount).
    pub metadata_estimate: u64,
}

/// Classes, loaders and their metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassMetadata {
    /// Classes with a class object in the dump.
    pub classes: u64,
    pub instance_classes: u64,
    pub array_classes: u64,
    /// Class loaders (the bootstrap loader included).
    pub loaders: u64,
    /// Class names defined by more than one loader.
    pub duplicated_class_names: u32,
    /// Loaders with at least [`MANY_CLASSES`] classes or with duplicated classes, most
    /// classes first.
    pub notable_loaders: Vec<LoaderClasses>,
    /// Estimate: instance classes × 7 KiB.
    pub metaspace_estimate: u64,
    pub formula: String,
}

pub(crate) fn class_metadata(g: &HeapGraph, loaders: &ClassLoaderReport) -> ClassMetadata {
    let mut m = ClassMetadata::default();
    for c in g.classes.iter().filter(|c| c.node != NO_NODE) {
        m.classes += 1;
        if c.is_array() {
            m.array_classes += 1;
        } else {
            m.instance_classes += 1;
        }
    }
    m.loaders = loaders.loaders.len() as u64;
    m.duplicated_class_names = loaders.duplicate_classes_total;
    m.notable_loaders = loaders
        .loaders
        .iter()
        .filter(|l| l.classes_defined >= MANY_CLASSES || l.duplicated_classes > 0)
        .map(|l: &ClassLoaderInfo| LoaderClasses {
            object_id: l.object_id.clone(),
            class: l.class.clone(),
            name: l.name.clone(),
            classes: l.classes_defined,
            duplicated_classes: l.duplicated_classes,
            metadata_estimate: l.classes_defined as u64 * METADATA_PER_CLASS,
        })
        .collect();
    m.notable_loaders.sort_by(|a, b| {
        b.classes
            .cmp(&a.classes)
            .then(b.duplicated_classes.cmp(&a.duplicated_classes))
            .then_with(|| a.object_id.cmp(&b.object_id))
    });
    m.metaspace_estimate = m.instance_classes * METADATA_PER_CLASS;
    m.formula = format!(
        "{} instance classes × 7 KiB (average Metaspace per class measured on JDK 17; an order \
         of magnitude)",
        m.instance_classes
    );
    m
}
