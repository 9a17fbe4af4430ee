//! The class histogram as the page pages through it: grouped by class, package or class
//! loader ([`group_rows`]), filtered by a substring or a regular expression on the row's
//! name, sorted by any column, and cut to a page with the sums over every matching row.

use crate::analysis::{group_rows, Grouping, Histogram, HistogramRow};
use crate::graph::HeapGraph;
use serde::{Deserialize, Serialize};

use super::page_range;

/// The column a histogram page is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistogramSort {
    Name,
    Instances,
    Shallow,
    #[default]
    Retained,
}

/// Which rows of the histogram, in which order: what [`histogram_page`] answers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HistogramQuery {
    pub group: Grouping,
    pub sort: HistogramSort,
    /// Descending (default for sizes) or ascending.
    pub descending: bool,
    /// Substring (case-insensitive) or, with `regex`, a regular expression on the row name.
    pub filter: String,
    pub regex: bool,
    /// Unreachable objects instead of reachable ones.
    pub unreachable: bool,
    pub offset: u32,
    pub limit: u32,
}

/// One row of a histogram page: a class (with its index, to list its instances) or a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistogramPageRow {
    /// Class index, for class rows (drill into instances); `None` for groups.
    pub class: Option<u32>,
    /// Class, package or class-loader name.
    pub name: String,
    pub instances: u64,
    pub shallow: u64,
    /// 0 for unreachable rows. Grouped rows: sum of the classes' (an upper bound).
    pub retained: u64,
}

/// A page of the histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistogramPage {
    pub query: HistogramQuery,
    /// Rows matching the filter.
    pub total_rows: u32,
    /// Sums over the matching rows.
    pub total_instances: u64,
    pub total_shallow: u64,
    pub rows: Vec<HistogramPageRow>,
    /// An invalid regular expression (rows are then empty).
    pub filter_error: Option<String>,
}

/// A filter on row names, as the histograms' filter box reads it: a case-insensitive
/// substring, or (`regex`) a case-insensitive regular expression found anywhere in the name.
pub enum NameFilter {
    /// Every row (an empty filter).
    All,
    /// Names holding this lowercased text.
    Substring(String),
    Regex(regex::Regex),
    /// No row (what an invalid regular expression shows, next to the error).
    Nothing,
}

impl NameFilter {
    /// The filter `text` asks for; an invalid (or too large) regular expression is the
    /// parser's message.
    pub fn new(text: &str, regex: bool) -> Result<NameFilter, String> {
        if text.is_empty() {
            Ok(NameFilter::All)
        } else if regex {
            regex::RegexBuilder::new(text)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map(NameFilter::Regex)
                .map_err(|e| e.to_string())
        } else {
            Ok(NameFilter::Substring(text.to_lowercase()))
        }
    }

    /// Whether `name` passes.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            NameFilter::All => true,
            NameFilter::Substring(f) => name.to_lowercase().contains(f),
            NameFilter::Regex(re) => re.is_match(name),
            NameFilter::Nothing => false,
        }
    }
}

/// Sorts `rows` by a column (`key`; `None`: by name), descending or not, ties by name: the
/// histograms' order, in which pages of one query never overlap.
pub fn sort_rows<T, K: Ord>(
    rows: &mut [&T],
    name: impl Fn(&T) -> &str,
    key: Option<impl Fn(&T) -> K>,
    descending: bool,
) {
    rows.sort_by(|a, b| {
        let o = match &key {
            Some(k) => k(a).cmp(&k(b)),
            None => name(a).cmp(name(b)),
        };
        let o = if descending { o.reverse() } else { o };
        o.then_with(|| name(a).cmp(name(b)))
    });
}

/// The page of `hist` that `q` asks for, at most `max_rows` rows (the page answers with `q`
/// as asked). Ties are ordered by name, so that pages of one query never overlap.
pub fn histogram_page(
    g: &HeapGraph,
    hist: &Histogram,
    q: HistogramQuery,
    max_rows: u32,
) -> HistogramPage {
    let base = if q.unreachable {
        &hist.unreachable
    } else {
        &hist.reachable
    };
    let grouped;
    let rows: &[HistogramRow] = if q.group == Grouping::Class {
        base
    } else {
        grouped = group_rows(g, hist, q.unreachable, q.group);
        &grouped
    };
    let (filter, filter_error) = match NameFilter::new(&q.filter, q.regex) {
        Ok(f) => (f, None),
        Err(e) => (NameFilter::Nothing, Some(e)),
    };
    let mut matched: Vec<&HistogramRow> = rows.iter().filter(|r| filter.matches(&r.name)).collect();
    let key = |r: &HistogramRow| match q.sort {
        HistogramSort::Name => 0,
        HistogramSort::Instances => r.instances,
        HistogramSort::Shallow => r.shallow,
        HistogramSort::Retained => r.retained,
    };
    let by_column = (q.sort != HistogramSort::Name).then_some(key);
    sort_rows(&mut matched, |r| &r.name, by_column, q.descending);
    let by_class = q.group == Grouping::Class;
    HistogramPage {
        total_rows: matched.len() as u32,
        total_instances: matched.iter().map(|r| r.instances).sum(),
        total_shallow: matched.iter().map(|r| r.shallow).sum(),
        rows: matched[page_range(matched.len(), q.offset, q.limit.min(max_rows))]
            .iter()
            .map(|r| HistogramPageRow {
                class: by_class.then_some(r.class),
                name: r.name.clone(),
                instances: r.instances,
                shallow: r.shallow,
                retained: r.retained,
            })
            .collect(),
        filter_error,
        query: q,
    }
}
