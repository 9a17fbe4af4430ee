//! The one place the UI formats numbers and ids: sizes (human, exact), counts, percentages,
//! durations, object ids. Sizes, counts and ids are the core's own formatting
//! (`heaplens::report::format`), so the page, the CLI and the reports print them alike.

pub use heaplens::report::{format_bytes, format_count, format_id, percent};

pub fn count(n: u64) -> String {
    format_count(n)
}

pub fn human(b: u64) -> String {
    format_bytes(b)
}

pub fn exact(b: u64) -> String {
    format!("{} bytes", format_count(b))
}

/// `12 s`, `3 min 05 s`.
pub fn duration(ms: f64) -> String {
    let s = (ms / 1000.0).max(0.0);
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 60.0 {
        format!("{s:.0} s")
    } else {
        let m = (s / 60.0).floor();
        format!("{m:.0} min {:02.0} s", s - m * 60.0)
    }
}

/// `1 object`, `2,000 objects`, `3 entries`, `2 classes`: a count and a noun that agrees with
/// it (the last word of `noun` takes the English plural).
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        return format!("1 {noun}");
    }
    let plural = if let Some(stem) = noun
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{stem}ies")
    } else if noun.ends_with(['s', 'x']) || noun.ends_with("ch") || noun.ends_with("sh") {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    };
    format!("{} {plural}", format_count(n))
}

/// A percentage with one decimal, as the tables show it: `12.3%`.
pub fn pct_text(pct: f64) -> String {
    format!("{pct:.1}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_counts_durations() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(exact(1536), "1,536 bytes");
        assert_eq!(duration(1234.0), "1.2 s");
        assert_eq!(duration(42_000.0), "42 s");
        assert_eq!(duration(185_000.0), "3 min 05 s");
        assert_eq!(pct_text(12.345), "12.3%");
        assert_eq!(format_id(0x7ff5a1c38), "0x7ff5a1c38");
    }

    #[test]
    fn plurals_agree_with_their_count() {
        assert_eq!(plural(1, "object"), "1 object");
        assert_eq!(plural(0, "object"), "0 objects");
        assert_eq!(plural(2000, "object"), "2,000 objects");
        assert_eq!(plural(3, "entry"), "3 entries");
        assert_eq!(plural(2, "key"), "2 keys");
        assert_eq!(plural(2, "class"), "2 classes");
        assert_eq!(plural(5, "dominator class"), "5 dominator classes");
        assert_eq!(plural(1, "distinct value"), "1 distinct value");
    }
}
