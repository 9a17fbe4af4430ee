//! The open settings ([`OpenSettings`]: which heap dump of a multi-dump file, which size rule)
//! in the page's URL query: `?dump=2&sizes=mat`.
//!
//! They live in the query, not in the `#/view` hash, because every in-page link is a bare hash
//! (`#/object/0x…`): a link keeps the query and replaces the hash, so the settings survive
//! navigation without every view carrying them. A reloaded or shared URL cannot bring the
//! file back (the page never stores it), but the dump opened next is analyzed with them.
//! Pure string functions, tested natively.

use crate::protocol::OpenSettings;
use heaplens::graph::SizeMode;

/// The settings a query (`?a=b&c=d`, with or without `?`) names; unknown or malformed values
/// leave the default.
pub fn parse(query: &str) -> OpenSettings {
    let mut s = OpenSettings::default();
    for (key, value) in pairs(query) {
        match (key, value) {
            ("dump", v) => {
                if let Ok(n) = v.parse::<u32>() {
                    s.dump = (n >= 1).then_some(n);
                }
            }
            ("sizes", "mat") => s.sizes = SizeMode::Mat,
            ("sizes", "jvm") => s.sizes = SizeMode::Jvm,
            _ => {}
        }
    }
    s
}

/// `query` with our keys set to `s` (defaults left out) and every other parameter kept, as
/// `?…`, or empty when nothing is left.
pub fn with_settings(query: &str, s: OpenSettings) -> String {
    let mut kept: Vec<String> = pairs(query)
        .filter(|(k, _)| !matches!(*k, "dump" | "sizes"))
        .map(|(k, v)| {
            if v.is_empty() {
                k.to_string()
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    if let Some(n) = s.dump {
        kept.push(format!("dump={n}"));
    }
    if s.sizes == SizeMode::Mat {
        kept.push("sizes=mat".into());
    }
    if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    }
}

fn pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
}

/// The size rule in effect (`rule`, when `asked` was asked) in a few words.
pub fn size_rule_label(asked: SizeMode, rule: SizeMode) -> &'static str {
    match (asked, rule) {
        (_, SizeMode::Jvm) => "the JVM's (inferred from addresses)",
        (SizeMode::Mat, SizeMode::Mat) => "Eclipse MAT's rule",
        (SizeMode::Jvm, SizeMode::Mat) => "Eclipse MAT's rule (ids are not addresses)",
    }
}

/// The size rule in effect (`rule`, when `asked` was asked) in a sentence.
pub fn size_rule_text(asked: SizeMode, rule: SizeMode) -> &'static str {
    match (asked, rule) {
        (_, SizeMode::Jvm) => {
            "the JVM's: real object sizes inferred from the dump's addresses (as jcmd GC.class_histogram counts them)"
        }
        (SizeMode::Mat, SizeMode::Mat) => "Eclipse MAT's rule (to compare numbers with MAT)",
        (SizeMode::Jvm, SizeMode::Mat) => {
            "Eclipse MAT's rule: this dump's object ids are not addresses, so the JVM's sizes cannot be inferred"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_the_query() {
        assert_eq!(parse(""), OpenSettings::default());
        assert_eq!(
            parse("?dump=2&sizes=mat"),
            OpenSettings {
                dump: Some(2),
                sizes: SizeMode::Mat
            }
        );
        // Nonsense is ignored, not an error: a hand-edited URL still opens the dump.
        assert_eq!(parse("?dump=0&sizes=big&x"), OpenSettings::default());
        assert_eq!(parse("dump=-1&dump=x").dump, None);
        assert_eq!(
            with_settings(
                "?lang=en&dump=1",
                OpenSettings {
                    dump: Some(3),
                    sizes: SizeMode::Mat
                }
            ),
            "?lang=en&dump=3&sizes=mat"
        );
        assert_eq!(
            with_settings("?dump=2&sizes=mat", OpenSettings::default()),
            ""
        );
        assert_eq!(with_settings("?flag", OpenSettings::default()), "?flag");
        let s = OpenSettings {
            dump: Some(7),
            sizes: SizeMode::Jvm,
        };
        assert_eq!(parse(&with_settings("", s)), s);
    }

    #[test]
    fn says_which_rule_is_in_effect() {
        assert!(size_rule_text(SizeMode::Jvm, SizeMode::Jvm).starts_with("the JVM's"));
        assert!(size_rule_text(SizeMode::Mat, SizeMode::Mat).starts_with("Eclipse MAT's rule"));
        assert!(size_rule_text(SizeMode::Jvm, SizeMode::Mat).contains("not addresses"));
        assert!(size_rule_label(SizeMode::Jvm, SizeMode::Mat).contains("not addresses"));
        assert_eq!(
            size_rule_label(SizeMode::Mat, SizeMode::Mat),
            "Eclipse MAT's rule"
        );
    }
}
