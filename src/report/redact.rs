//! What a report holds of the dump's *data*, and the redaction that removes it for sharing.
//!
//! A heap dump holds the program's data: passwords and tokens in strings, user names in thread
//! names, paths in jar names. A report keeps some of it (48–64 character previews of duplicated
//! strings, thread names, stack frames, class-loader names, jar paths, the dump's file name), so
//! every report says which of these it holds ([`Contents`], shown on top of the Markdown and
//! HTML renderings), and [`redact`] replaces them with stable placeholders (`<thread 3>`,
//! `<string 1>`) for a report meant to leave the team: class names, object ids, sizes, counts
//! and the structure (paths, field names, dominators) stay, so the report still explains the
//! memory. Placeholders are per report and consistent within it (the same thread is `<thread
//! 3>` in the thread table, in the ThreadLocal entries and in a suspect's explanation).
//!
//! Free text built by the analyses (suspect explanations, root details, loader reasons) can quote
//! any of these values; it is scrubbed by replacing every value the structured fields hold,
//! longest first. The tests check that no marker planted in a dump's strings, thread names,
//! frames or file name survives in any of the three formats.
//!
//! This is close to Eclipse MAT's export levels (MAT's HPROF export can drop primitive array
//! contents and obfuscate names); we keep class names (they are what a reader needs to act) and
//! drop what is data.

use super::Report;
use serde::Serialize;
use std::collections::HashMap;

/// Kinds of dump data a report can hold (the words `Contents::values` uses).
pub(crate) const FILE_NAME: &str = "file name";
pub(crate) const STRING_VALUES: &str = "string values";
pub(crate) const THREAD_NAMES: &str = "thread names";
pub(crate) const STACK_FRAMES: &str = "stack frame methods";
pub(crate) const LOADER_NAMES: &str = "class loader names";
pub(crate) const JAR_PATHS: &str = "jar file paths";
pub(crate) const JVM_ARGUMENTS: &str = "JVM arguments";
pub(crate) const SYSTEM_PROPERTIES: &str = "system properties";
pub(crate) const CGROUP_PATHS: &str = "cgroup paths";

/// System properties that say which JVM on which platform (configuration, not data): kept
/// by the redaction.
const PLAIN_PROPERTIES: &[&str] = &[
    "java.version",
    "java.vm.name",
    "java.vm.version",
    "java.vendor",
    "java.specification.version",
    "os.name",
    "os.arch",
    "sun.arch.data.model",
];

/// A JVM argument kept by the redaction: a `-X…` option without a path in it (sizes, GC and
/// memory flags); `-D` properties, agents and paths are data.
fn plain_argument(a: &str) -> bool {
    a.starts_with("-X") && !a.contains(['/', '\\'])
}

/// What of the dump's data a report holds (always present in the JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Contents {
    /// The report went through [`redact`].
    pub redacted: bool,
    /// Kinds of dump data present in the document (`string values`, `thread names`, …).
    /// Empty when redacted.
    pub values: Vec<String>,
    /// Kinds replaced with placeholders by the redaction (empty when not redacted).
    pub removed: Vec<String>,
    /// One sentence for people, rendered at the top of the Markdown and HTML forms.
    pub note: String,
}

/// The kinds of dump data `r` holds, in a fixed order.
fn present_kinds(r: &Report) -> Vec<String> {
    let mut kinds = Vec::new();
    let mut add = |on: bool, k: &str| {
        if on {
            kinds.push(k.to_string());
        }
    };
    add(r.source.is_some(), FILE_NAME);
    add(!r.duplicate_strings.groups.is_empty(), STRING_VALUES);
    add(
        !r.threads.is_empty() || !r.thread_groups.is_empty(),
        THREAD_NAMES,
    );
    add(r.threads.iter().any(|t| !t.frames.is_empty()), STACK_FRAMES);
    add(
        r.class_loaders.loaders.iter().any(|l| l.name.is_some()),
        LOADER_NAMES,
    );
    add(
        r.class_loaders
            .open_jar_files
            .iter()
            .any(|j| j.name.is_some())
            || r.class_loaders
                .loaders
                .iter()
                .any(|l| !l.open_jar_names.is_empty()),
        JAR_PATHS,
    );
    let jvm = &r.process_memory.jvm;
    // Each claimed only when this dump holds it (a 2009 dump has properties but no cgroups).
    add(
        jvm.arguments.as_ref().is_some_and(|a| !a.is_empty()),
        JVM_ARGUMENTS,
    );
    add(!jvm.properties.is_empty(), SYSTEM_PROPERTIES);
    add(jvm.container.is_some(), CGROUP_PATHS);
    kinds
}

/// `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The contents of an unredacted report.
pub(crate) fn contents_of(r: &Report) -> Contents {
    let values = present_kinds(r);
    let note = if values.is_empty() {
        "This report holds class names, sizes and structure from the heap dump, and none of its \
         string values, thread names or file names."
            .to_string()
    } else {
        format!(
            "This report holds data from the heap dump: {}, besides class names, sizes and \
             structure. Review it before sharing, or export it redacted.",
            and_list(&values)
        )
    };
    Contents {
        redacted: false,
        values,
        removed: Vec::new(),
        note,
    }
}

/// Replaces the dump data in `r` with placeholders (see the module docs) and records it in
/// `r.contents`.
pub(crate) fn redact(r: &mut Report) {
    let removed = present_kinds(r);
    let mut scrub = Scrubber::default();

    if let Some(src) = r.source.take() {
        scrub.add(&src.name, "<file>");
    }
    // Threads: one placeholder per distinct name, in the report's order (largest first).
    let mut names = Names::new("thread");
    for t in &mut r.threads {
        let p = names.get(&t.name);
        scrub.add(&t.name, &p);
        t.name = p;
        // Frames may be shared between threads (one trace, several threads): copy on write.
        for f in std::sync::Arc::make_mut(&mut t.frames) {
            redact_frame(f, &mut scrub);
        }
        for e in &mut t.thread_locals {
            e.thread = names.get(&e.thread);
        }
    }
    for e in &mut r.thread_locals.entries {
        let p = names.get(&e.thread);
        scrub.add(&e.thread, &p);
        e.thread = p;
    }
    let mut patterns = Names::new("thread group");
    for g in &mut r.thread_groups {
        let p = patterns.get(&g.pattern);
        scrub.add(&g.pattern, &p);
        g.pattern = p;
        for n in &mut g.sample_names {
            let p = names.get(n);
            scrub.add(n, &p);
            *n = p;
        }
    }
    for s in &mut r.suspects {
        if let Some(t) = &mut s.threads {
            for g in &mut t.groups {
                let p = patterns.get(&g.pattern);
                scrub.add(&g.pattern, &p);
                g.pattern = p;
            }
        }
    }
    for f in &mut r.thread_locals.findings {
        for tp in &mut f.thread_patterns {
            let p = patterns.get(tp);
            scrub.add(tp, &p);
            *tp = p;
        }
    }

    let mut strings = Names::new("string");
    for g in &mut r.duplicate_strings.groups {
        let p = strings.get(&g.value);
        scrub.add(&g.value, &p);
        // A preview cut with `…` is also quoted without it.
        if let Some(cut) = g.value.strip_suffix('…') {
            scrub.add(cut, &p);
        }
        g.value = p;
    }

    let mut loaders = Names::new("loader name");
    let mut jars = Names::new("jar");
    for l in &mut r.class_loaders.loaders {
        if let Some(n) = &mut l.name {
            let p = loaders.get(n);
            scrub.add(n, &p);
            *n = p;
        }
        for j in &mut l.open_jar_names {
            let p = jars.get(j);
            scrub.add(j, &p);
            *j = p;
        }
    }
    for j in &mut r.class_loaders.open_jar_files {
        if let Some(n) = &mut j.name {
            let p = jars.get(n);
            scrub.add(n, &p);
            *n = p;
        }
    }

    // Process memory: JVM arguments, property values, cgroup paths, thread-name patterns and
    // loader names.
    let pm = &mut r.process_memory;
    let mut args = Names::new("argument");
    if let Some(list) = &mut pm.jvm.arguments {
        for a in list.iter_mut().filter(|a| !plain_argument(a)) {
            let p = args.get(a);
            scrub.add(a, &p);
            *a = p;
        }
    }
    for a in pm
        .jvm
        .container_arguments
        .iter_mut()
        .filter(|a| !plain_argument(a))
    {
        let p = args.get(a);
        scrub.add(a, &p);
        *a = p;
    }
    let mut values = Names::new("property value");
    for p in &mut pm.jvm.properties {
        if !PLAIN_PROPERTIES.contains(&p.key.as_str()) {
            let v = values.get(&p.value);
            scrub.add(&p.value, &v);
            p.value = v;
        }
    }
    if let Some(c) = &mut pm.jvm.container {
        for path in [&mut c.memory_mount, &mut c.memory_path]
            .into_iter()
            .flatten()
        {
            scrub.add(path, "<path>");
            *path = "<path>".into();
        }
    }
    for grp in &mut pm.thread_stacks.groups {
        let p = patterns.get(&grp.pattern);
        scrub.add(&grp.pattern, &p);
        grp.pattern = p;
    }
    for l in &mut pm.class_metadata.notable_loaders {
        if let Some(n) = &mut l.name {
            let p = loaders.get(n);
            scrub.add(n, &p);
            *n = p;
        }
    }

    // Free text that may quote any of the above.
    let s = scrub.finish();
    for w in &mut r.summary.warnings {
        *w = s.apply(w);
    }
    // Path steps name a stack local's frame (`<Java Local> in Class.method(File:7)`).
    let steps = |steps: &mut Vec<crate::analysis::PathStep>| {
        for st in steps {
            st.field = s.apply(&st.field);
        }
    };
    for x in &mut r.suspects {
        x.explanation = s.apply(&x.explanation);
        x.root_detail = s.apply(&x.root_detail);
        steps(&mut x.path_to_root);
        if let Some(h) = &mut x.holder {
            h.field = s.apply(&h.field);
        }
    }
    for g in &mut r.duplicate_strings.groups {
        for h in &mut g.top_holders {
            h.field = s.apply(&h.field);
        }
    }
    for f in &mut r.thread_locals.findings {
        f.explanation = s.apply(&f.explanation);
    }
    for l in &mut r.class_loaders.loaders {
        l.reason = s.apply(&l.reason);
    }
    for a in &mut r.largest_arrays {
        if let Some(p) = &mut a.path {
            p.root_detail = s.apply(&p.root_detail);
            steps(&mut p.steps);
        }
    }

    let pm = &mut r.process_memory;
    if let Some(v) = &mut pm.verdict {
        *v = s.apply(v);
    }
    for f in &mut pm.figures {
        if let Some(t) = &mut f.text {
            *t = s.apply(t);
        }
        f.source = s.apply(&f.source);
    }
    pm.thread_stacks.stack_size_source = s.apply(&pm.thread_stacks.stack_size_source);
    for b in &mut pm.buffers.largest {
        if let Some(p) = &mut b.path {
            p.root_detail = s.apply(&p.root_detail);
            steps(&mut p.steps);
        }
    }
    for h in pm
        .buffers
        .holders
        .iter_mut()
        .chain(pm.buffers.without_cleaner_holders.iter_mut())
    {
        h.via = s.apply(&h.via);
    }

    r.contents = Contents {
        redacted: true,
        values: Vec::new(),
        note: if removed.is_empty() {
            "Redacted: this report holds class names, sizes and structure only.".to_string()
        } else {
            format!(
                "Redacted for sharing: {} were replaced with placeholders; class names, object \
                 ids, sizes and structure remain.",
                and_list(&removed)
            )
        },
        removed,
    };
}

/// A frame keeps its class, source file and line (code structure, like class names) and
/// loses its method name and signature.
fn redact_frame(f: &mut crate::analysis::FrameInfo, scrub: &mut Scrubber) {
    const HIDDEN: &str = "<method>";
    let (class, method) = (f.class.to_string(), f.method.to_string());
    // Both ways the analyses spell a frame start with `Class.method(`.
    scrub.add(&format!("{class}.{method}("), &format!("{class}.{HIDDEN}("));
    let display = match f.display.strip_prefix(&format!("{class}.{method}")) {
        Some(tail) => format!("{class}.{HIDDEN}{tail}"),
        None => format!("{class}.{HIDDEN}"),
    };
    f.display = display.into();
    f.method = HIDDEN.into();
    f.signature = None;
}

/// Stable placeholders: `<thread 1>`, `<thread 2>`, … in order of first use.
struct Names {
    kind: &'static str,
    seen: HashMap<String, String>,
}

impl Names {
    fn new(kind: &'static str) -> Names {
        Names {
            kind,
            seen: HashMap::new(),
        }
    }
    fn get(&mut self, value: &str) -> String {
        let n = self.seen.len() + 1;
        let kind = self.kind;
        self.seen
            .entry(value.to_string())
            .or_insert_with(|| format!("<{kind} {n}>"))
            .clone()
    }
}

/// Value → placeholder pairs, applied to free text.
#[derive(Default)]
struct Scrubber {
    pairs: HashMap<String, String>,
}

/// Values shorter than this are replaced in free text only where quoted (`"ab"`): as bare
/// words they would hit ordinary words of the explanations ("a", "of").
const MIN_BARE: usize = 4;

impl Scrubber {
    fn add(&mut self, value: &str, placeholder: &str) {
        if value.trim().is_empty() || value == placeholder {
            return;
        }
        if value.chars().count() < MIN_BARE {
            self.pairs
                .insert(format!("\"{value}\""), format!("\"{placeholder}\""));
        } else {
            self.pairs
                .insert(value.to_string(), placeholder.to_string());
        }
    }

    fn finish(self) -> Scrub {
        let mut pairs: Vec<(String, String)> = self.pairs.into_iter().collect();
        // Longest first, so `pool-1-thread-12` goes before `pool-1-thread-1`; ties by text for
        // a deterministic result.
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Scrub { pairs }
    }
}

struct Scrub {
    pairs: Vec<(String, String)>,
}

impl Scrub {
    /// `text` with every value replaced. Placeholders are never re-scanned (a replaced span is
    /// copied out before the next value is searched), so a value that happens to occur inside a
    /// placeholder cannot garble it.
    fn apply(&self, text: &str) -> String {
        // Spans of `text` already replaced: (start, end, placeholder index).
        let mut spans: Vec<(usize, usize, usize)> = Vec::new();
        for (i, (value, _)) in self.pairs.iter().enumerate() {
            let mut from = 0;
            while let Some(pos) = text[from..].find(value.as_str()) {
                let (s, e) = (from + pos, from + pos + value.len());
                if whole_word(text, s, e) && !spans.iter().any(|&(a, b, _)| s < b && a < e) {
                    spans.push((s, e, i));
                }
                from = s + value.chars().next().map_or(1, char::len_utf8);
            }
        }
        if spans.is_empty() {
            return text.to_string();
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (s, e, i) in spans {
            out.push_str(&text[at..s]);
            out.push_str(&self.pairs[i].1);
            at = e;
        }
        out.push_str(&text[at..]);
        out
    }
}

/// Whether `text[s..e]` is not part of a longer word: a thread named `main` must not turn
/// "remains" into "re<thread 1>s". (Only checked where the value itself starts or ends with a
/// word character.)
fn whole_word(text: &str, s: usize, e: usize) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let inner_first = text[s..e].chars().next().is_some_and(word);
    let inner_last = text[s..e].chars().next_back().is_some_and(word);
    let before = text[..s].chars().next_back().is_some_and(word);
    let after = text[e..].chars().next().is_some_and(word);
    !((inner_first && before) || (inner_last && after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_prefers_longer_values_and_leaves_placeholders_alone() {
        let mut s = Scrubber::default();
        s.add("pool-1-thread-1", "<thread 1>");
        s.add("pool-1-thread-12", "<thread 2>");
        s.add("thread", "<thread 3>"); // also occurs inside the placeholders
        s.add("ab", "<string 1>");
        s.add("main", "<thread 4>");
        let s = s.finish();
        assert_eq!(
            s.apply("pool-1-thread-12 and pool-1-thread-1 of thread \"ab\" about"),
            "<thread 2> and <thread 1> of <thread 3> \"<string 1>\" about"
        );
        assert_eq!(
            s.apply("main remains (main) threads"),
            "<thread 4> remains (<thread 4>) threads"
        );
        assert_eq!(s.apply("nothing here"), "nothing here");
    }

    #[test]
    fn names_are_stable() {
        let mut n = Names::new("thread");
        assert_eq!(n.get("main"), "<thread 1>");
        assert_eq!(n.get("worker"), "<thread 2>");
        assert_eq!(n.get("main"), "<thread 1>");
        assert_eq!(
            and_list(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
