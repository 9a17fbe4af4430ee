//! Markdown rendering of a dump comparison (same escaping as the report's: `markdown.rs`).

use super::diff_sections::{diff_frame, diff_sections};
use super::doc::Limits;
use super::markdown::{document, MARKDOWN_ROWS};
use crate::compare::Diff;

/// The comparison as a Markdown document.
pub fn diff_to_markdown(diff: &Diff) -> String {
    let secs = diff_sections(
        diff,
        Limits {
            rows: MARKDOWN_ROWS,
        },
    );
    document(&diff_frame(diff), &secs)
}
