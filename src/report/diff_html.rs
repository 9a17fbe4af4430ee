//! Self-contained HTML rendering of a dump comparison: the report's page style and sortable
//! tables (`html.rs`), every piece of text escaped.

use super::diff_sections::{diff_frame, diff_sections};
use super::doc::Limits;
use super::html::{document, HTML_ROWS};
use crate::compare::Diff;

/// The comparison as one self-contained HTML document.
pub fn diff_to_html(diff: &Diff) -> String {
    let secs = diff_sections(diff, Limits { rows: HTML_ROWS });
    // The same inline script as the report's, so the report's CSP hash allows it.
    document(
        &diff_frame(diff),
        &secs,
        "Sizes are shallow and retained bytes under Eclipse MAT's size rules; ",
    )
}
