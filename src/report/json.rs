//! The report's JSON form: serde_json with every string made safe to print on a terminal.
//!
//! serde_json escapes what JSON requires (C0 controls, `"`, `\`) and writes everything else
//! raw, so a class or thread name holding `U+009B 2J` (a one-character CSI) or an OSC sequence,
//! or a bidi override, reached the terminal of whoever ran `heaplens analyze` or `cat`ed the
//! file. [`SafeFormatter`] wraps serde_json's compact or pretty formatter and writes those
//! characters ([`super::format::needs_json_escape`]) as `\uXXXX` escapes: the document parses to
//! the same strings, byte for byte, and holds no C0/C1 control or bidi character outside an
//! escape.
//!
//! Every JSON the project writes for people (the CLI's `--format json`, the page's JSON export)
//! goes through [`to_json`]; the worker protocol does not need it (it never reaches a terminal).

use super::format::needs_json_escape;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter, Serializer};
use std::io;

/// `value` as indented JSON (two spaces), terminal-safe. Serialization of the report types
/// cannot fail (plain data; non-finite floats become `null`), hence no `Result`.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    write_with(value, PrettyFormatter::new())
}

/// [`to_json`] on one line.
pub fn to_json_compact<T: Serialize + ?Sized>(value: &T) -> String {
    write_with(value, CompactFormatter)
}

fn write_with<T: Serialize + ?Sized, F: Formatter>(value: &T, inner: F) -> String {
    let mut out = Vec::with_capacity(64 * 1024);
    let mut ser = Serializer::with_formatter(&mut out, SafeFormatter(inner));
    if let Err(e) = value.serialize(&mut ser) {
        // Only a `Serialize` impl that fails on purpose gets here; say so in valid JSON.
        return format!("{{\"error\":{}}}", to_json_compact(&e.to_string()));
    }
    // serde_json writes UTF-8 only (strings are `&str`, escapes are ASCII).
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A serde_json formatter that escapes [`needs_json_escape`] characters inside strings and
/// otherwise behaves as the formatter it wraps.
pub(crate) struct SafeFormatter<F>(pub F);

impl<F: Formatter> Formatter for SafeFormatter<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if needs_json_escape(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                // Every such character is in the Basic Multilingual Plane: one `\u` escape.
                write!(w, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    // The layout (indentation, separators) is the wrapped formatter's.
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn escapes_c1_bidi_and_separators_and_round_trips() {
        let hostile =
            "a\u{1b}[2Jb\u{9b}31mc\u{9d}0;title\u{7}d\u{202e}txt\u{2066}e\u{200f}f\u{2028}g\u{7f}h";
        let json = to_json(&hostile);
        for (raw, escaped) in [
            ('\u{1b}', "\\u001b"),
            ('\u{9b}', "\\u009b"),
            ('\u{9d}', "\\u009d"),
            ('\u{7}', "\\u0007"),
            ('\u{202e}', "\\u202e"),
            ('\u{2066}', "\\u2066"),
            ('\u{200f}', "\\u200f"),
            ('\u{2028}', "\\u2028"),
            ('\u{7f}', "\\u007f"),
        ] {
            assert!(!json.contains(raw), "{raw:?} left raw in {json}");
            assert!(json.contains(escaped), "{escaped} missing in {json}");
        }
        // No control or bidi character anywhere in the output.
        assert!(json
            .chars()
            .all(|c| !c.is_control() && !needs_json_escape(c)));
        let back: String = serde_json::from_str(&json).unwrap();
        assert_eq!(back, hostile);
    }

    #[test]
    fn layout_is_serde_jsons() {
        let mut m = BTreeMap::new();
        m.insert("k\u{202e}", vec!["é€ש", "x\"y\\z"]);
        m.insert("plain", vec![]);
        // Keys are escaped too; everything else is as serde_json writes it.
        assert_eq!(
            to_json(&m),
            serde_json::to_string_pretty(&m)
                .unwrap()
                .replace('\u{202e}', "\\u202e")
        );
        assert_eq!(
            to_json_compact(&m),
            "{\"k\\u202e\":[\"é€ש\",\"x\\\"y\\\\z\"],\"plain\":[]}"
        );
    }
}
