//! The investigation views' rows as the page lists them (`analysis::explore`'s results
//! without the node indices the core keeps, and with the few objects a row offers to open).
//! A view's row whose shape is the page's already is sent as it is
//! ([`crate::analysis::explore::RetainedClassRow`]).

use crate::analysis::explore::{ContentItem, ContentRow, DominatorClassRow, FoundObject};
use crate::analysis::explore::{MergedRow, ValueGroup};
use crate::analysis::SizedRef;
use crate::graph::{Dominance, HeapGraph};
use crate::report::format_id;
use serde::{Deserialize, Serialize};

/// Dominators listed per row of the immediate dominators ([`DominatorClassView::top`]).
pub const DOMINATORS_LISTED: usize = 5;

/// Dominators of one class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DominatorClassView {
    /// `<ROOT>` for objects only the GC roots keep alive.
    pub class: String,
    pub class_index: Option<u32>,
    pub dominators: u64,
    pub dominated: u64,
    pub dominator_shallow: u64,
    pub dominated_shallow: u64,
    pub dominator_retained: u64,
    /// The biggest dominators (at most [`DOMINATORS_LISTED`]), to open.
    pub top: Vec<SizedRef>,
}

impl DominatorClassView {
    /// `row` with its biggest dominators as links.
    pub fn new(g: &HeapGraph, d: &Dominance, row: &DominatorClassRow) -> Self {
        DominatorClassView {
            class: row.class.clone(),
            class_index: row.class_index,
            dominators: row.dominators,
            dominated: row.dominated,
            dominator_shallow: row.dominator_shallow,
            dominated_shallow: row.dominated_shallow,
            dominator_retained: row.dominator_retained,
            top: row
                .dominator_nodes
                .iter()
                .take(DOMINATORS_LISTED)
                .map(|&v| SizedRef {
                    object_id: format_id(g.id(v)),
                    class: g.display_class(v),
                    retained: d.retained(v),
                })
                .collect(),
        }
    }
}

/// One node of the merged paths' tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedNodeView {
    /// Ask for this node's children with it (the next level).
    pub index: u32,
    pub object_id: String,
    pub class: String,
    /// Reference from the parent (`<GC root>` for roots).
    pub field: String,
    pub depth: u32,
    /// Selected objects whose shortest path runs through this node.
    pub objects: u64,
    pub objects_shallow: u64,
    pub shallow: u64,
    pub children: u32,
    /// MAT's root kind label, for roots.
    pub root_kind: Option<String>,
    /// This node is one of the selected objects.
    pub selected: bool,
}

impl From<MergedRow> for MergedNodeView {
    fn from(r: MergedRow) -> Self {
        MergedNodeView {
            index: r.index,
            object_id: r.object_id,
            class: r.class,
            field: r.field,
            depth: r.depth,
            objects: r.objects,
            objects_shallow: r.objects_shallow,
            shallow: r.shallow,
            children: r.children,
            root_kind: r.root_kind.map(|k| k.label().to_string()),
            selected: r.selected,
        }
    }
}

/// One value of a selection grouped by value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueGroupView {
    /// `None`: objects without a class-specific value.
    pub value: Option<String>,
    /// The value shown is a preview of a longer text.
    pub truncated: bool,
    pub objects: u64,
    pub shallow: u64,
    /// With the value arrays Strings own.
    pub bytes: u64,
    pub wasted: u64,
    pub avg_retained: u64,
    pub first_object_id: String,
}

impl From<&ValueGroup> for ValueGroupView {
    fn from(row: &ValueGroup) -> Self {
        ValueGroupView {
            value: row.value.clone(),
            truncated: row.truncated,
            objects: row.objects,
            shallow: row.shallow,
            bytes: row.bytes,
            wasted: row.wasted,
            avg_retained: row.avg_retained,
            first_object_id: row.first_object_id.clone(),
        }
    }
}

/// A key or value of a collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentItemView {
    pub object_id: String,
    pub class: String,
    /// A String's text (preview).
    pub text: Option<String>,
}

impl From<ContentItem> for ContentItemView {
    fn from(i: ContentItem) -> Self {
        ContentItemView {
            object_id: i.object.object_id,
            class: i.object.class,
            text: i.text,
        }
    }
}

/// One entry of a collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentRowView {
    pub index: u64,
    pub key: Option<ContentItemView>,
    pub value: Option<ContentItemView>,
}

impl From<ContentRow> for ContentRowView {
    fn from(r: ContentRow) -> Self {
        ContentRowView {
            index: r.index,
            key: r.key.map(ContentItemView::from),
            value: r.value.map(ContentItemView::from),
        }
    }
}

/// The object found at (or spanning) an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundObjectView {
    pub object_id: String,
    pub class: String,
    /// The address asked for, when it lies inside the object rather than at its start.
    pub inside_at: Option<String>,
    pub shallow: u64,
    pub retained: u64,
    pub reachable: bool,
}

impl From<FoundObject> for FoundObjectView {
    fn from(o: FoundObject) -> Self {
        FoundObjectView {
            object_id: o.object.object_id,
            class: o.object.class,
            inside_at: o.inside_at,
            shallow: o.shallow,
            retained: o.retained,
            reachable: o.reachable,
        }
    }
}
