//! Human-readable numbers shared by the report renderers, the CLI and the web UI.
//!
//! All of them are pure functions of their argument (no locale, no clock): the same input gives
//! the same text natively and in Wasm.

/// Binary-prefixed size: `512 B`, `1.0 KiB`, `20.6 MiB`, `3.2 GiB` (one decimal from KiB up).
///
/// Rounding never shows `1024.0` of a unit: such values move to the next unit (`1.0 MiB`).
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    // Compare the *rounded* value, so 1,048,575 bytes reads "1.0 MiB", not "1024.0 KiB".
    while (value * 10.0).round() / 10.0 >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Integer with thousands separators: `84,000`, `1,234,567`.
pub fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `~120,000`, `~57.3 million`, `~1.25 billion`.
pub fn format_approx_count(n: u64) -> String {
    match n {
        0..=999_999 => {
            let k = n.div_ceil(1000);
            if k >= 1000 {
                "~1.0 million".to_string()
            } else if k > 0 {
                format!("~{k},000")
            } else {
                "~0".to_string()
            }
        }
        1_000_000..=999_999_999 => format!("~{:.1} million", n as f64 / 1e6),
        _ => format!("~{:.2} billion", n as f64 / 1e9),
    }
}

/// Signed byte change: `+1.2 MiB`, `−512 B` (a real minus sign), `0 B`.
pub fn format_delta_bytes(delta: i64) -> String {
    match delta {
        0 => "0 B".into(),
        d if d > 0 => format!("+{}", format_bytes(d as u64)),
        d => format!("\u{2212}{}", format_bytes(d.unsigned_abs())),
    }
}

/// Signed count change: `+12,000`, `−3`, `0`.
pub fn format_delta_count(delta: i64) -> String {
    match delta {
        0 => "0".into(),
        d if d > 0 => format!("+{}", format_count(d as u64)),
        d => format!("\u{2212}{}", format_count(d.unsigned_abs())),
    }
}

/// Object id as MAT prints it: lower-case hex with a `0x` prefix, no padding (`0x7ff5a1c38`).
pub fn format_id(id: crate::hprof::Id) -> String {
    format!("{id:#x}")
}

/// `part` as a percentage of `whole` with one decimal (`95.3%`); `0.0%` when `whole` is 0.
pub(crate) fn format_percent(part: u64, whole: u64) -> String {
    format!("{:.1}%", percent(part, whole))
}

/// `part / whole × 100` (0 when `whole` is 0).
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// Milliseconds since the Unix epoch as `2025-11-22 01:50:12 UTC` (no clock or time zone
/// database needed, so it reads the same natively and in Wasm).
pub fn format_timestamp_ms(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Unicode's bidirectional formatting characters: the explicit embeddings, overrides and
/// isolates (U+202A–202E, U+2066–2069) and the implicit marks (U+200E LRM, U+200F RLM, U+061C
/// ALM). In dump text they make a name display as something else ("Trojan Source": `abc`,
/// U+202E, `txt.exe` shows as `abcexe.txt`), so no rendering passes them through: JSON escapes
/// them as `\u…` (lossless), Markdown and HTML show a visible `<U+202E>`. The marks override
/// nothing, but they reorder neutral characters and are as invisible, so they are treated alike.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Characters the JSON form writes as `\u…` escapes on top of what JSON requires (C0 controls,
/// `"` and `\`, which serde_json escapes): DEL and the C1 controls (U+0080–009F; U+009B is a
/// one-character CSI and U+009D an OSC to many terminals), the bidi controls
/// ([`is_bidi_control`]), and U+2028/2029 (line breaks to JavaScript before ES2019 and to some
/// editors). So `heaplens analyze dump` on a terminal or `cat report.json` cannot be steered
/// by the dump, and the document still parses to the very same strings.
pub fn needs_json_escape(c: char) -> bool {
    matches!(c, '\u{7F}'..='\u{9F}' | '\u{2028}' | '\u{2029}') || is_bidi_control(c)
}

/// `c` as a visible code point label, `<U+202E>`, for the text renderings.
pub(crate) fn visible_code_point(c: char) -> String {
    format!("<U+{:04X}>", c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1023), "1023 B");
        assert_eq!(format_bytes(1024), "1.0 KiB");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(1_048_575), "1.0 MiB");
        assert_eq!(format_bytes(20_560_160), "19.6 MiB");
        assert_eq!(format_bytes(21_600_000), "20.6 MiB");
        assert_eq!(format_bytes(3 << 30), "3.0 GiB");
        assert_eq!(format_bytes(u64::MAX), "16.0 EiB");
    }

    #[test]
    fn counts() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1000), "1,000");
        assert_eq!(format_count(84_000), "84,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
        assert_eq!(format_count(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn approx_counts() {
        assert_eq!(format_approx_count(1_234), "~2,000");
        assert_eq!(format_approx_count(999_999), "~1.0 million");
        assert_eq!(format_approx_count(2_500_000_000), "~2.50 billion");
    }

    #[test]
    fn deltas() {
        assert_eq!(format_delta_bytes(0), "0 B");
        assert_eq!(format_delta_bytes(1_408_000), "+1.3 MiB");
        assert_eq!(format_delta_bytes(-512), "\u{2212}512 B");
        assert_eq!(format_delta_bytes(i64::MIN), "\u{2212}8.0 EiB");
        assert_eq!(format_delta_count(12_000), "+12,000");
        assert_eq!(format_delta_count(-3), "\u{2212}3");
    }

    #[test]
    fn ids_and_percent() {
        assert_eq!(format_id(crate::hprof::Id::new(0x7ff5a1c38)), "0x7ff5a1c38");
        assert_eq!(format_id(crate::hprof::Id::NULL), "0x0");
        assert_eq!(format_percent(953, 1000), "95.3%");
        assert_eq!(format_percent(1, 0), "0.0%");
    }

    #[test]
    fn bidi_and_json_escapes() {
        for c in [
            '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            assert!(is_bidi_control(c), "{c:?}");
            assert!(needs_json_escape(c), "{c:?}");
        }
        for c in [
            'a', 'é', 'ש', '\u{2029}', '\u{2070}', '\u{2065}', '\u{202F}',
        ] {
            assert!(!is_bidi_control(c), "{c:?}");
        }
        for c in [
            '\u{7F}', '\u{80}', '\u{9B}', '\u{9D}', '\u{9F}', '\u{2028}', '\u{2029}',
        ] {
            assert!(needs_json_escape(c), "{c:?}");
        }
        // C0 is serde_json's job; printable text stays as it is.
        for c in ['\u{1B}', 'a', '\u{A0}', 'é', '€', '\u{FEFF}'] {
            assert!(!needs_json_escape(c), "{c:?}");
        }
        assert_eq!(visible_code_point('\u{202E}'), "<U+202E>");
    }

    #[test]
    fn timestamps() {
        assert_eq!(format_timestamp_ms(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(
            format_timestamp_ms(951_782_400_000),
            "2000-02-29 00:00:00 UTC"
        );
        assert_eq!(
            format_timestamp_ms(1_763_776_212_345),
            "2025-11-22 01:50:12 UTC"
        );
    }
}
