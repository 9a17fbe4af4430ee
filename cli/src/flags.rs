//! The option reader the commands share: `--name value`, `--name=value`, bare flags, `--` to
//! end the options; positional arguments in between. Each command keeps only its own table of
//! options; the spelling rules and the error messages live here once.

use heaplens::graph::SizeMode;
use std::str::FromStr;

/// How a table-printing command writes its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Json,
    Csv,
    Markdown,
}

/// One argument as the reader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg<'a> {
    /// `-x` or `--name` (without an inline `=value`, which [`Flags::value`] returns).
    Option(&'a str),
    /// Anything else, and everything after `--`.
    Positional(&'a str),
}

/// Reads the arguments after a command's name, in order.
pub struct Flags<'a> {
    /// The command, prefixed to every error message (`analyze: …`).
    cmd: &'static str,
    rest: std::slice::Iter<'a, String>,
    /// The argument last returned, whole (`--name=value` included).
    raw: &'a str,
    /// The `value` of `--name=value`, for the next [`Flags::value`].
    inline: Option<&'a str>,
    /// Set by `--`: the rest is positional.
    only_positional: bool,
}

impl<'a> Flags<'a> {
    pub fn new(cmd: &'static str, args: &'a [String]) -> Flags<'a> {
        Flags {
            cmd,
            rest: args.iter(),
            raw: "",
            inline: None,
            only_positional: false,
        }
    }

    /// The next option or positional argument; `None` at the end.
    pub fn next_arg(&mut self) -> Option<Arg<'a>> {
        let arg = self.rest.next()?.as_str();
        self.raw = arg;
        self.inline = None;
        if self.only_positional {
            return Some(Arg::Positional(arg));
        }
        if arg == "--" {
            self.only_positional = true;
            return self.next_arg();
        }
        if !arg.starts_with('-') || arg.len() == 1 {
            return Some(Arg::Positional(arg));
        }
        match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                self.inline = Some(value);
                Some(Arg::Option(name))
            }
            _ => Some(Arg::Option(arg)),
        }
    }

    /// The argument last returned, as given (for a command that takes an option-like text as a
    /// positional argument).
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The value of option `name`: its inline `=value`, else the next argument.
    pub fn value(&mut self, name: &str, what: &str) -> Result<&'a str, String> {
        if let Some(v) = self.inline.take() {
            return Ok(v);
        }
        self.rest
            .next()
            .map(String::as_str)
            .ok_or_else(|| format!("{}: {name} needs {what}", self.cmd))
    }

    /// The value of option `name` parsed as a `T` (a number).
    pub fn parsed<T: FromStr>(&mut self, name: &str, what: &str) -> Result<T, String> {
        let v = self.value(name, what)?;
        v.parse()
            .map_err(|_| format!("{}: {name} expects {what}, not {v:?}", self.cmd))
    }

    /// The value of option `name`, one of `choices` (spelling → meaning); `noun` and
    /// `expected` word the error (`unknown format "pdf" (expected json, md or html)`).
    pub fn choice<T: Copy>(
        &mut self,
        name: &str,
        noun: &str,
        expected: &str,
        choices: &[(&str, T)],
    ) -> Result<T, String> {
        let v = self.value(name, expected)?;
        choices
            .iter()
            .find(|(spelling, _)| *spelling == v)
            .map(|&(_, t)| t)
            .ok_or_else(|| format!("{}: unknown {noun} {v:?} (expected {expected})", self.cmd))
    }

    /// `--sizes jvm|mat`, which every command that builds a graph takes.
    pub fn sizes(&mut self, name: &str) -> Result<SizeMode, String> {
        self.choice(
            name,
            "size rule",
            "jvm or mat",
            &[("jvm", SizeMode::Jvm), ("mat", SizeMode::Mat)],
        )
    }

    /// `--dump N` (1-based), for files that hold several heap dumps.
    pub fn dump(&mut self, name: &str) -> Result<u32, String> {
        let v: u32 = self.parsed(name, "1, 2, …")?;
        if v == 0 {
            return Err(format!("{}: {name} expects 1, 2, …, not \"0\"", self.cmd));
        }
        Ok(v)
    }

    /// `--format json|csv|md` of the commands that print a table (query, explore).
    pub fn table_format(&mut self, name: &str) -> Result<TableFormat, String> {
        self.choice(
            name,
            "format",
            "json, csv or md",
            &[
                ("json", TableFormat::Json),
                ("csv", TableFormat::Csv),
                ("md", TableFormat::Markdown),
                ("markdown", TableFormat::Markdown),
            ],
        )
    }

    /// The error for an option the command does not know.
    pub fn unknown(&self, name: &str) -> String {
        format!("{}: unknown option {name}", self.cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn spellings_and_errors() {
        let a = args(&["--top=5", "-o", "f", "x", "-", "--", "--top"]);
        let mut f = Flags::new("t", &a);
        assert_eq!(f.next_arg(), Some(Arg::Option("--top")));
        assert_eq!(f.parsed::<u32>("--top", "a number"), Ok(5));
        assert_eq!(f.next_arg(), Some(Arg::Option("-o")));
        assert_eq!(f.value("-o", "a file"), Ok("f"));
        assert_eq!(f.next_arg(), Some(Arg::Positional("x")));
        assert_eq!(f.next_arg(), Some(Arg::Positional("-")));
        assert_eq!(f.next_arg(), Some(Arg::Positional("--top")));
        assert_eq!(f.next_arg(), None);

        let a = args(&["--sizes", "hotspot", "--top=x", "--limit"]);
        let mut f = Flags::new("t", &a);
        f.next_arg();
        assert_eq!(
            f.sizes("--sizes"),
            Err("t: unknown size rule \"hotspot\" (expected jvm or mat)".into())
        );
        f.next_arg();
        assert_eq!(
            f.parsed::<u32>("--top", "a number"),
            Err("t: --top expects a number, not \"x\"".into())
        );
        f.next_arg();
        assert_eq!(
            f.value("--limit", "a number"),
            Err("t: --limit needs a number".into())
        );
        assert_eq!(f.unknown("--bogus"), "t: unknown option --bogus");
    }
}
