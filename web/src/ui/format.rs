//! The one place the UI formats numbers and ids: sizes (human, exact), counts, percentages,
//! durations, object ids. Sizes, counts and ids are the core's own formatting
//! (`heaplens::report::format`), so the page, the CLI and the reports print them alike.

pub use heaplens::report::{
    format_bytes, format_count, format_delta_bytes, format_delta_count, format_id,
    format_timestamp_ms, percent,
};

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

/// A whole percentage, for progress and ratios: `42%`.
pub fn pct_whole(pct: f64) -> String {
    format!("{pct:.0}%")
}

/// A percentage with two decimals, for tooltips: `12.34%`.
pub fn pct_precise(pct: f64) -> String {
    format!("{pct:.2}%")
}

/// A byte offset in a file, decimal and hex (as a hex viewer shows it): `1,234 (0x4d2)`.
pub fn byte_offset(o: u64) -> String {
    format!("{} (0x{o:x})", format_count(o))
}

/// Memory sizes against a worker's limit, one decimal: `3.8 GiB`.
pub fn gib(b: u64) -> String {
    format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64)
}

/// Whole MiB, rounded up, as the worker's memory is shown: `1,024 MiB`.
pub fn mib_up(b: u64) -> String {
    format!("{} MiB", format_count(b.div_ceil(1 << 20)))
}

/// A change relative to the baseline: `+12.3%`, `−4.0%`, `0.0%`; `new` when the baseline had
/// none (no ratio to a zero).
pub fn delta_pct(base: u64, delta: i64) -> String {
    if base == 0 {
        return if delta == 0 {
            "0.0%".into()
        } else {
            "new".into()
        };
    }
    let p = delta as f64 * 100.0 / base as f64;
    if p > 0.0 {
        format!("+{p:.1}%")
    } else if p < 0.0 {
        format!("\u{2212}{:.1}%", -p)
    } else {
        "0.0%".into()
    }
}

/// The Query view's progress line: `Scanning objects: 1,234 of 5,000 · 12 rows · 1.2 s`.
pub fn query_progress(p: &crate::protocol::QueryProgress) -> String {
    use heaplens::query::Phase;
    let what = match p.phase {
        Phase::Scan => "Scanning objects",
        Phase::RetainedSet => "Marking the retained set",
        Phase::Inbounds => "Indexing references for inbounds()",
    };
    format!(
        "{what}: {} of {} · {} · {}",
        count(p.done),
        count(p.total),
        plural(p.rows, "row"),
        duration(p.elapsed_ms)
    )
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
        assert_eq!(
            format_id(heaplens::hprof::Id::new(0x7ff5a1c38)),
            "0x7ff5a1c38"
        );
        assert_eq!(delta_pct(1000, 123), "+12.3%");
        assert_eq!(delta_pct(1000, -40), "\u{2212}4.0%");
        assert_eq!(delta_pct(0, 5), "new");
        assert_eq!(delta_pct(0, 0), "0.0%");
        assert_eq!(format_delta_bytes(-1536), "\u{2212}1.5 KiB");
        assert_eq!(format_delta_count(2000), "+2,000");
    }

    #[test]
    fn query_progress_line() {
        let p = crate::protocol::QueryProgress {
            text: "SELECT * FROM java.lang.String".into(),
            phase: heaplens::query::Phase::Scan,
            done: 1_234_567,
            total: 16_000_000,
            rows: 1,
            elapsed_ms: 2_500.0,
        };
        assert_eq!(
            query_progress(&p),
            "Scanning objects: 1,234,567 of 16,000,000 · 1 row · 2.5 s"
        );
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
