//! The worker's side of comparing two dumps: the bounded parts of a kept
//! `heaplens::compare::Diff` ([`result`]) and pages of its class histogram delta ([`page`]).
//! The comparison itself is the core's (`heaplens::compare::compare`); this only filters,
//! sorts and pages its rows, as the histogram route does for one dump.

use heaplens::compare::{Change, ClassDelta, Diff};

use crate::protocol::*;

/// What [`req::Compare`] answers: everything but the histogram rows (at most [`MAX_PAGE`]
/// threads and loaders; the growth list is already bounded by the core).
pub fn result(diff: &Diff) -> CompareResult {
    let cap = MAX_PAGE as usize;
    CompareResult {
        baseline: diff.baseline.clone(),
        new: diff.new.clone(),
        delta: diff.delta.clone(),
        growth: diff.growth.clone(),
        threads: diff.threads.iter().take(cap).cloned().collect(),
        class_loaders: diff.class_loaders.iter().take(cap).cloned().collect(),
        app_classes_in_common: diff.app_classes_in_common,
        warnings: diff.warnings.clone(),
        classes: diff.histogram.len() as u32,
        packages: diff.packages.len() as u32,
        loader_groups: diff.by_loader.len() as u32,
    }
}

fn rows(diff: &Diff, group: Grouping) -> &[ClassDelta] {
    match group {
        Grouping::Class => &diff.histogram,
        Grouping::Package => &diff.packages,
        Grouping::ClassLoader => &diff.by_loader,
    }
}

fn shown(change: ChangeFilter, r: &ClassDelta) -> bool {
    match change {
        ChangeFilter::All => true,
        ChangeFilter::Changed => r.change != Change::Same,
        ChangeFilter::New => r.change == Change::New,
        ChangeFilter::Vanished => r.change == Change::Vanished,
    }
}

/// A page of the histogram delta: rows of the chosen grouping that pass the change filter and
/// the name filter (substring, case-insensitive, or a regular expression), sorted by the
/// delta of a column (ties by name), `offset..offset + limit` (at most [`MAX_PAGE`]).
pub fn page(diff: &Diff, q: CompareHistogramQuery) -> CompareHistogramPage {
    let all = rows(diff, q.group);
    let mut filter_error = None;
    let name_ok: Box<dyn Fn(&str) -> bool> = if q.filter.is_empty() {
        Box::new(|_| true)
    } else if q.regex {
        match regex::RegexBuilder::new(&q.filter)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
        {
            Ok(re) => Box::new(move |n| re.is_match(n)),
            Err(e) => {
                filter_error = Some(e.to_string());
                Box::new(|_| false)
            }
        }
    } else {
        let f = q.filter.to_lowercase();
        Box::new(move |n| n.to_lowercase().contains(&f))
    };
    let mut matched: Vec<&ClassDelta> = all
        .iter()
        .filter(|r| shown(q.change, r) && name_ok(&r.class))
        .collect();
    let key = |r: &ClassDelta| match q.sort {
        DeltaSort::Name => 0,
        DeltaSort::Instances => r.instances_delta,
        DeltaSort::Shallow => r.shallow_delta,
        DeltaSort::Retained => r.retained_delta,
    };
    matched.sort_by(|a, b| {
        let o = if q.sort == DeltaSort::Name {
            a.class.cmp(&b.class)
        } else {
            key(a).cmp(&key(b))
        };
        let o = if q.descending { o.reverse() } else { o };
        o.then_with(|| a.class.cmp(&b.class))
    });
    let start = (q.offset as usize).min(matched.len());
    let end = start
        .saturating_add(q.limit.min(MAX_PAGE) as usize)
        .min(matched.len());
    CompareHistogramPage {
        total_rows: matched.len() as u32,
        rows: matched[start..end].iter().map(|r| (*r).clone()).collect(),
        filter_error,
        query: q,
    }
}
