//! Growth: the holders whose retained size grew between two dumps, and where inside them.
//!
//! **Matching.** Each keyed object of the new dump (see [`super::signature`]) is matched to the
//! baseline's, in three tiers, each only among what the previous tiers left unmatched:
//! 1. `path`: the same signature (same GC root, same field names, same classes);
//! 2. `holder`: the same path from the same application-level holder class, when that is
//!    unique in both dumps (the holder moved under another parent);
//! 3. `shape`: the same holder class and object class, or for an application-level object the
//!    same class, when unique in both dumps (a field was renamed, a singleton moved).
//!    Tiers 2 and 3 need an application-level holder or object, so JDK structures of two
//!    unrelated applications never pair up by shape alone.
//!
//! **Where it grew.** A keyed object is a *candidate* when its retained size grew by at least
//! [`MIN_GROWTH_FRACTION`] of the new reachable heap (and [`MIN_GROWTH_BYTES`]). Like the leak
//! suspects' accumulation point (MAT's descent, `analysis::suspects`), the growth is followed
//! down the keyed dominator tree while one child carries at least [`PASS_DOWN`] (70%) of it;
//! it never descends into a key shared by several objects (the elements of a collection:
//! the collection is where they accumulate), so it stops where elements are added or where the
//! growth splits. What is inside a reported object is not reported again. An array or
//! JDK-internal object whose parent is a collection is reported as that collection (the
//! `elementData` of an `ArrayList`, the `table` of a `HashMap`, the head node of a
//! `LinkedList`).
//!
//! **Not growth.** A structure that holds as many elements as before and changed by less than
//! [`CHURN_FRACTION`] of its size is a churning cache (same size, other objects), not growth.

use super::signature::Keyed;
use super::summary::delta;
use crate::report::{format_bytes, format_count};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A candidate grew by at least this fraction of the new dump's reachable heap…
pub(crate) const MIN_GROWTH_FRACTION: f64 = 0.001;
/// … and by at least this many bytes.
pub(crate) const MIN_GROWTH_BYTES: u64 = 16 * 1024;
/// Follow the growth into a child that carries at least this fraction of it.
pub(crate) const PASS_DOWN: f64 = 0.7;
/// Same element count and a change below this fraction of the size: churn, not growth.
pub(crate) const CHURN_FRACTION: f64 = 0.10;
/// At most this many growth rows.
pub(crate) const MAX_GROWTH_ROWS: usize = 100;

/// How a new-dump object was matched to the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    /// Same path from the same GC root.
    Path,
    /// Same path from the same holder class (the holder moved).
    Holder,
    /// Same holder class and object class (a field was renamed).
    Shape,
    /// Not found in the baseline (new, or too small there to be keyed).
    None,
}

/// One holder that grew.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Growth {
    /// The application-level object holding the accumulation point (its class), or the start
    /// of its path when there is none (`class java.lang.System`, `thread "main"`).
    pub holder: String,
    /// Path from the GC root in the new dump (`class com.example.App.TRAIL.pending`).
    pub path: String,
    /// Path from the holder (`pending`).
    pub holder_path: String,
    /// Class of the object that grew (a collection when elements were added).
    pub accumulation_point: String,
    /// Most common class of its elements (collections and object arrays).
    pub element_class: Option<String>,
    pub retained_base: u64,
    pub retained_new: u64,
    pub retained_delta: i64,
    /// `elements` (collection entries) or `objects` (retained objects, for other objects).
    pub elements_are: String,
    pub elements_base: u64,
    pub elements_new: u64,
    pub elements_delta: i64,
    /// Objects of the new dump reached this same way (usually 1).
    pub instances: u64,
    pub matched_by: Match,
    /// The (biggest) object in each dump, for opening it there.
    pub object_id_base: Option<String>,
    pub object_id_new: String,
    pub explanation: String,
}

/// For each new keyed object: the matched baseline index and how.
pub(crate) fn match_keys(base: &[Keyed], new: &[Keyed]) -> Vec<Option<(u32, Match)>> {
    let mut out: Vec<Option<(u32, Match)>> = vec![None; new.len()];
    let mut used = vec![false; base.len()];
    let by_sig: HashMap<u64, u32> = base
        .iter()
        .enumerate()
        .map(|(i, k)| (k.sig, i as u32))
        .collect();
    for (i, k) in new.iter().enumerate() {
        if let Some(&b) = by_sig.get(&k.sig) {
            out[i] = Some((b, Match::Path));
            used[b as usize] = true;
        }
    }
    for (tier, key) in [
        (Match::Holder, (|k: &Keyed| k.local) as fn(&Keyed) -> u64),
        (Match::Shape, |k: &Keyed| k.shape),
    ] {
        // Unique among the unmatched objects with an application-level holder (or themselves
        // application-level), on both sides.
        let mut b_by: HashMap<u64, (u32, u32)> = HashMap::new();
        for (i, k) in base.iter().enumerate() {
            if !used[i] && (k.holder.is_some() || k.app_level) {
                let e = b_by.entry(key(k)).or_insert((i as u32, 0));
                e.1 += 1;
            }
        }
        let mut n_by: HashMap<u64, u32> = HashMap::new();
        for (i, k) in new.iter().enumerate() {
            if out[i].is_none() && (k.holder.is_some() || k.app_level) {
                *n_by.entry(key(k)).or_insert(0) += 1;
            }
        }
        for (i, k) in new.iter().enumerate() {
            if out[i].is_some()
                || !(k.holder.is_some() || k.app_level)
                || n_by.get(&key(k)) != Some(&1)
            {
                continue;
            }
            if let Some(&(b, 1)) = b_by.get(&key(k)) {
                if base[b as usize].class == k.class && !used[b as usize] {
                    out[i] = Some((b, tier));
                    used[b as usize] = true;
                }
            }
        }
    }
    out
}

struct Ctx<'a> {
    base: &'a [Keyed],
    new: &'a [Keyed],
    matched: Vec<Option<(u32, Match)>>,
    children: Vec<Vec<u32>>,
    /// Baseline bytes of each new keyed object: its match's retained size; for an object not
    /// found in the baseline, what its keyed children had there (a new wrapper around a holder
    /// that moved in has grown only by what is new inside).
    base_retained: Vec<u64>,
    /// The biggest application-level single objects of the new dump, biggest first.
    biggest: Vec<usize>,
}

impl Ctx<'_> {
    fn base_of(&self, i: usize) -> Option<&Keyed> {
        self.matched[i].map(|(b, _)| &self.base[b as usize])
    }
    fn retained_delta(&self, i: usize) -> i64 {
        delta(self.base_retained[i], self.new[i].retained)
    }
    /// (base, new) elements for collections, retained objects otherwise.
    fn elements(&self, i: usize) -> (u64, u64, &'static str) {
        let n = &self.new[i];
        let b = self.base_of(i);
        match n.elements {
            Some(e) if n.collection => (b.and_then(|b| b.elements).unwrap_or(0), e, "elements"),
            _ => (b.map_or(0, |b| b.objects), n.objects, "objects"),
        }
    }
    fn is_ancestor(&self, a: usize, mut v: usize) -> bool {
        while let Some(p) = self.new[v].parent {
            if p as usize == a {
                return true;
            }
            v = p as usize;
        }
        false
    }
}

/// The holders that grew, largest growth first.
pub fn growth(base: &[Keyed], new: &[Keyed], new_heap: u64) -> Vec<Growth> {
    let matched = match_keys(base, new);
    let mut children = vec![Vec::new(); new.len()];
    for (i, k) in new.iter().enumerate() {
        if let Some(p) = k.parent {
            children[p as usize].push(i as u32);
        }
    }
    let mut base_retained = vec![0u64; new.len()];
    // Children come after their parent: walk backwards so children are done first.
    for i in (0..new.len()).rev() {
        base_retained[i] = match matched[i] {
            Some((b, _)) => base[b as usize].retained,
            None => children[i]
                .iter()
                .map(|&c| base_retained[c as usize])
                .sum::<u64>()
                .min(new[i].retained),
        };
    }
    let mut biggest: Vec<usize> = (0..new.len())
        .filter(|&j| new[j].app_level && new[j].count == 1)
        .collect();
    biggest.sort_by(|&a, &b| new[b].retained.cmp(&new[a].retained).then(a.cmp(&b)));
    biggest.truncate(64);
    let cx = Ctx {
        base,
        new,
        matched,
        children,
        base_retained,
        biggest,
    };
    let min = ((new_heap as f64 * MIN_GROWTH_FRACTION) as u64).max(MIN_GROWTH_BYTES) as i64;
    let n = new.len();
    let mut reported = vec![false; n];
    let mut covered = vec![false; n];
    let mut rows: Vec<usize> = Vec::new();
    // Keyed objects come in dominator-tree pre-order: a parent before its children.
    for i in 0..n {
        if let Some(p) = new[i].parent {
            covered[i] = covered[p as usize] || reported[p as usize];
        }
        let d = cx.retained_delta(i);
        if covered[i] || d < min {
            continue;
        }
        let (eb, en, _) = cx.elements(i);
        // Only into a single object: a key shared by many objects is the elements of this
        // one (`[]`, `.table[].value`), and this one is where they accumulate.
        let best_child = cx.children[i]
            .iter()
            .filter(|&&c| new[c as usize].count == 1)
            .map(|&c| cx.retained_delta(c as usize))
            .max()
            .unwrap_or(0);
        if (best_child as f64) >= PASS_DOWN * d as f64 {
            continue;
        }
        let base_retained = cx.base_retained[i];
        let churn = en == eb
            && cx.base_of(i).is_some()
            && (d as f64) < CHURN_FRACTION * base_retained as f64;
        if churn {
            continue;
        }
        reported[i] = true;
        // An array or JDK internal of a collection: report the collection (repeatedly:
        // `HashSet` → `HashMap` → `table` is the `HashSet`).
        let mut row = i;
        while let Some(p) = new[row].parent {
            if new[row].internal && new[p as usize].collection && new[p as usize].count == 1 {
                row = p as usize;
            } else {
                break;
            }
        }
        if !rows.contains(&row) {
            rows.push(row);
        }
    }
    let mut out: Vec<Growth> = rows.into_iter().map(|i| row(&cx, i)).collect();
    out.sort_by(|a, b| {
        b.retained_delta
            .cmp(&a.retained_delta)
            .then(a.path.cmp(&b.path))
    });
    out.truncate(MAX_GROWTH_ROWS);
    out
}

/// `com.example.App$AuditTrail` → `App$AuditTrail`; `class com.example.App` → `App`.
pub(crate) fn simple_name(class: &str) -> &str {
    let c = class.strip_prefix("class ").unwrap_or(class);
    let base = c.trim_end_matches("[]");
    match base.rfind('.') {
        Some(i) => &c[i + 1..],
        None => c,
    }
}

fn signed_bytes(d: i64) -> String {
    if d >= 0 {
        format!("+{}", format_bytes(d as u64))
    } else {
        format!("−{}", format_bytes(d.unsigned_abs()))
    }
}

fn row(cx: &Ctx, i: usize) -> Growth {
    let k = &cx.new[i];
    let b = cx.base_of(i);
    let (eb, en, what) = cx.elements(i);
    let d = cx.retained_delta(i);
    let holder = k.holder.clone().unwrap_or_else(|| k.root.clone());
    let name = match (&k.holder, k.holder_path.is_empty()) {
        (Some(h), false) => format!("`{}.{}`", simple_name(h), k.holder_path),
        (Some(h), true) => format!("`{}`", simple_name(h)),
        (None, _) if k.path == k.class && k.class.starts_with("class ") => {
            format!("the static fields of `{}`", simple_name(&k.class))
        }
        (None, _) => format!("`{}` at `{}`", simple_name(&k.class), k.path),
    };
    let many = if k.count > 1 {
        format!(
            " (in {} objects reached the same way)",
            format_count(k.count)
        )
    } else {
        String::new()
    };
    let elem = k
        .element_class
        .as_deref()
        .map(|c| format!("`{}`", simple_name(c)))
        .unwrap_or_else(|| what.to_string());
    let mut text = if b.is_none() {
        format!(
            "{name}{many} was not found in the baseline (new, or reached another way there): {} {}, {}",
            format_count(en),
            if what == "elements" { elem.as_str() } else if en == 1 { "object" } else { what },
            format_bytes(k.retained)
        )
    } else if what == "elements" && en > eb {
        format!(
            "{name}{many} grew by {} {elem} ({}: {} → {})",
            format_count(en - eb),
            signed_bytes(d),
            format_bytes(b.map_or(0, |b| b.retained)),
            format_bytes(k.retained)
        )
    } else {
        format!(
            "{name}{many} grew by {} ({} → {}; {} {what})",
            signed_bytes(d),
            format_bytes(b.map_or(0, |b| b.retained)),
            format_bytes(k.retained),
            signed_count(delta(eb, en)),
        )
    };
    text.push_str(&parts_text(cx, i, d));
    text.push_str(&biggest_holder_text(cx, i));
    text.push('.');
    match cx.matched[i].map(|m| m.1) {
        Some(Match::Holder) => text.push_str(
            " Matched by its holder: the path from the GC root is not the same in the two dumps.",
        ),
        Some(Match::Shape) => text.push_str(
            " Matched by its holder's class and its own class: the field is named differently in the two dumps.",
        ),
        _ => {}
    }
    Growth {
        holder,
        path: k.path.clone(),
        holder_path: k.holder_path.clone(),
        accumulation_point: k.class.clone(),
        element_class: k.element_class.clone(),
        retained_base: cx.base_retained[i],
        retained_new: k.retained,
        retained_delta: d,
        elements_are: what.into(),
        elements_base: eb,
        elements_new: en,
        elements_delta: delta(eb, en),
        instances: k.count,
        matched_by: cx.matched[i].map_or(Match::None, |m| m.1),
        object_id_base: b.map(|b| b.object_id.clone()),
        object_id_new: k.object_id.clone(),
        explanation: text,
    }
}

/// `, mostly in `.CUSTOMERS` (+20.1 MiB), `.ORDERS` (+15.0 MiB)`: where a growth that splits
/// went (keyed children with at least a tenth of it, at most four).
fn parts_text(cx: &Ctx, i: usize, d: i64) -> String {
    let mut parts: Vec<(i64, usize)> = cx.children[i]
        .iter()
        .map(|&c| (cx.retained_delta(c as usize), c as usize))
        .filter(|&(cd, _)| cd > 0 && cd * 10 >= d)
        .collect();
    if parts.is_empty()
        || parts
            .iter()
            .any(|&(cd, _)| cd as f64 >= PASS_DOWN * d as f64)
    {
        return String::new();
    }
    parts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let row_path = &cx.new[i].path;
    let shown: Vec<String> = parts
        .iter()
        .take(4)
        .map(|&(cd, c)| {
            let p = &cx.new[c].path;
            let label = p.strip_prefix(row_path.as_str()).unwrap_or(p);
            format!("`{label}` ({})", signed_bytes(cd))
        })
        .collect();
    format!(", mostly in {}", shown.join(", "))
}

fn signed_count(d: i64) -> String {
    if d >= 0 {
        format!("+{}", format_count(d as u64))
    } else {
        format!("−{}", format_count(d.unsigned_abs()))
    }
}

/// ` while `PriceTable`, the biggest holder, stayed the same size`: the biggest
/// application-level object of the new dump that is neither inside nor around row `i`, when it
/// is bigger than row `i` and was found in the baseline.
fn biggest_holder_text(cx: &Ctx, i: usize) -> String {
    let big = cx
        .biggest
        .iter()
        .copied()
        .find(|&j| j != i && !cx.is_ancestor(j, i) && !cx.is_ancestor(i, j));
    let Some(j) = big else {
        return String::new();
    };
    let k = &cx.new[j];
    let Some(b) = cx.base_of(j) else {
        return String::new();
    };
    if k.retained <= cx.new[i].retained {
        return String::new();
    }
    let d = delta(b.retained, k.retained);
    let name = simple_name(&k.class);
    let how = if d.unsigned_abs() * 100 <= k.retained {
        "stayed the same size".to_string()
    } else if d > 0 {
        format!("grew by only {}", signed_bytes(d))
    } else {
        format!("shrank by {}", format_bytes(d.unsigned_abs()))
    };
    format!(
        " while `{name}`, the biggest holder ({}), {how}",
        format_bytes(k.retained)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_signs() {
        assert_eq!(simple_name("com.example.App$AuditTrail"), "App$AuditTrail");
        assert_eq!(simple_name("class com.example.App"), "App");
        assert_eq!(simple_name("java.lang.Object[]"), "Object[]");
        assert_eq!(simple_name("byte[]"), "byte[]");
        assert_eq!(signed_bytes(2048), "+2.0 KiB");
        assert_eq!(signed_bytes(-10), "−10 B");
        assert_eq!(signed_count(-1_000), "−1,000");
        assert_eq!(delta(u64::MAX, 0), i64::MIN);
        assert_eq!(delta(0, u64::MAX), i64::MAX);
        assert_eq!(
            super::super::signature::stable_class_name("a.B$$Lambda$18+0x0000000800c0b000"),
            "a.B$$Lambda"
        );
    }
}
