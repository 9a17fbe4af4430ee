//! Self-contained HTML rendering: one file, inline CSS, no external assets; readable without
//! scripts (a 20-line inline script only adds click-to-sort on table headers). Light and dark
//! via `prefers-color-scheme`, print-friendly. Every piece of text goes through [`esc`].
//!
//! The file carries its own Content-Security-Policy ([`REPORT_CSP`], first in `<head>`): it will
//! be opened from a download folder, a mail or a wiki, where no server sends a header, and it
//! holds text chosen by whoever wrote the dump. The policy allows the one sorting script by
//! its hash, inline styles, and nothing else: no other script, no connection, no image, font,
//! frame or form target, so even an escaping bug could neither run code nor send the report
//! anywhere.

use super::doc::*;
use super::format::{
    format_bytes, format_count, format_delta_bytes, format_delta_count, is_bidi_control,
    visible_code_point,
};
use super::sections::{report_frame, sections};
use super::Report;
use crate::graph::SizeMode;
use std::fmt::Write;

/// Rows per table in HTML (the JSON has all of them).
pub(crate) const HTML_ROWS: usize = 1000;

pub(crate) const CSS: &str = r#"
:root{--bg:#fff;--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--head:#f6f8fa;--accent:#0969da;
--bar:rgba(9,105,218,.16);--warn-bg:#fff8c5;--warn-line:#d4a72c;--card:#f6f8fa;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;
--head:#151b23;--accent:#4493f8;--bar:rgba(68,147,248,.22);--warn-bg:#2e2a1a;--warn-line:#9e6a03;--card:#151b23}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 1.25rem}
header{padding-top:1.5rem}
h1{font-size:1.6rem;margin:0 0 .25rem}
h3{font-size:1.05rem;margin:1.25rem 0 .25rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
.sub,.note,footer{color:var(--muted)}
.note{font-size:.9em;font-style:italic}
nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.75rem 0 0}
a{color:var(--accent)}
code,.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere;unicode-bidi:isolate}
.contents{border-left:3px solid var(--warn-line);padding:.25rem .75rem;margin:.75rem 0 0}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:.5rem;margin:1rem 0}
.facts div{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem}
.facts div.wide{grid-column:span 2}
.facts dt{color:var(--muted);font-size:.8em}
.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.warnings{background:var(--warn-bg);border:1px solid var(--warn-line);border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.warnings ul{margin:.25rem 0;padding-left:1.25rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;margin:.5rem 0}
table.narrow{width:auto;min-width:22rem}
th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--head);position:sticky;top:0;font-weight:600;white-space:nowrap;cursor:pointer;user-select:none}
th[aria-sort=descending]::after{content:" \25BE"}
th[aria-sort=ascending]::after{content:" \25B4"}
.num{text-align:right;white-space:nowrap}
.nowrap{white-space:nowrap}
td.pct{background:linear-gradient(to right,var(--bar) var(--p),transparent var(--p))}
tbody tr:hover{background:var(--head)}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#bbb;--head:#eee;--card:#fff;--warn-bg:#fff;color-scheme:light}
body{font-size:10pt}nav{display:none}th{position:static}thead{display:table-header-group}
table{font-size:9pt}tr,.facts div{break-inside:avoid}h2,h3,section>p{break-after:avoid}a{color:inherit;text-decoration:none}.scroll{overflow:visible}}
"#;

/// Click a header to sort by it (numbers by `data-v`); click again to reverse.
pub(crate) const SCRIPT: &str = r#"
document.querySelectorAll("table.sortable").forEach(function(t){
  var heads=t.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads,function(th,i){
    th.tabIndex=0;
    function go(){
      var num=th.classList.contains("num"),desc=th.getAttribute("aria-sort")!=="descending";
      var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){
        var x=a.cells[i],y=b.cells[i],r=num?parseFloat(x.getAttribute("data-v"))-parseFloat(y.getAttribute("data-v"))
          :x.textContent.localeCompare(y.textContent);
        return desc?-r:r;});
      rows.forEach(function(r){body.appendChild(r);});
      Array.prototype.forEach.call(heads,function(h){h.removeAttribute("aria-sort");});
      th.setAttribute("aria-sort",desc?"descending":"ascending");
    }
    th.addEventListener("click",go);
    th.addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();go();}});
  });
});
"#;

// SHA-256 of [`SCRIPT`], base64 (a macro so that `concat!` can build [`REPORT_CSP`] from it).
// A test recomputes it, so a change to the script that forgets this fails the tests, not the
// page.
macro_rules! script_sha256 {
    () => {
        "sha256-zqjhtcknq/IHDUNj4PZ1YVcNDKQbBqYu/oCoWn+gbTA="
    };
}

/// The report's own Content-Security-Policy (see the module docs). `frame-ancestors` cannot be
/// set from a `<meta>` (browsers ignore it there); a server that hosts reports should send it.
pub(crate) const REPORT_CSP: &str = concat!(
    "default-src 'none'; script-src '",
    script_sha256!(),
    "'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
);

/// The report as one self-contained HTML document.
pub fn to_html(report: &Report) -> String {
    let secs = sections(report, Limits { rows: HTML_ROWS });
    let sizes = match report.summary.size_rule {
        SizeMode::Jvm => {
            "Sizes are shallow and retained bytes, objects sized as the JVM lays them out \
             (inferred from the dump); "
        }
        SizeMode::Mat => "Sizes are shallow and retained bytes under Eclipse MAT's size rules; ",
    };
    document(&report_frame(report), &secs, sizes)
}

/// A whole self-contained HTML document: head (the report's CSP, style), the frame's header
/// and contents note, a navigation bar, the sections, a footer that begins with `sizes` (how
/// sizes were counted), and the table script.
pub(crate) fn document(f: &Frame, secs: &[Section], sizes: &str) -> String {
    let mut o = String::with_capacity(64 * 1024);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        o,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{REPORT_CSP}\">"
    );
    o.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    let _ = writeln!(
        o,
        "<meta name=\"generator\" content=\"{} {}\">",
        esc(&f.tool.name),
        esc(&f.tool.version)
    );
    let _ = writeln!(o, "<title>{}</title>", esc(&f.title()));
    let _ = writeln!(o, "<style>{CSS}</style>\n</head>\n<body>\n<header>");
    let _ = write!(o, "<h1>{}</h1>\n<p class=\"sub\">", f.heading);
    if !f.sources.is_empty() {
        let names: Vec<String> = f
            .sources
            .iter()
            .map(|s| format!("<code>{}</code>", esc(s)))
            .collect();
        let _ = write!(o, "{} · ", names.join(" → "));
    }
    let _ = writeln!(
        o,
        "generated by {} {} · {} schema {}</p>",
        esc(&f.tool.name),
        esc(&f.tool.version),
        f.schema_name,
        f.schema
    );
    if let Some(note) = f.contents {
        let _ = writeln!(o, "<p class=\"contents\" id=\"contents\">{}</p>", esc(note));
    }
    o.push_str("<nav>");
    for s in secs {
        let _ = write!(o, "<a href=\"#{}\">{}</a>", esc(&s.id), esc(&s.title));
    }
    o.push_str("</nav>\n</header>\n<main>\n");
    for s in secs {
        section(&mut o, s);
    }
    let _ = write!(o, "</main>\n<footer><p>{sizes}");
    o.push_str("KiB/MiB/GiB are powers of 1024, hover a size for its exact bytes.</p></footer>\n");
    let _ = writeln!(o, "<script>{SCRIPT}</script>\n</body>\n</html>");
    o
}

pub(crate) fn section(o: &mut String, s: &Section) {
    let _ = writeln!(
        o,
        "<section id=\"{}\">\n<h2>{}</h2>",
        esc(&s.id),
        esc(&s.title)
    );
    for b in &s.blocks {
        match b {
            Block::Subheading(h) => {
                let _ = writeln!(o, "<h3>{}</h3>", esc(h));
            }
            Block::Paragraph(p) => {
                let _ = writeln!(o, "<p>{}</p>", esc(p));
            }
            Block::Note(p) => {
                let _ = writeln!(o, "<p class=\"note\">{}</p>", esc(p));
            }
            Block::List { items, warn } => {
                if *warn {
                    o.push_str("<div class=\"warnings\" role=\"note\"><strong>Warning</strong>");
                }
                o.push_str("<ul>");
                for i in items {
                    let _ = write!(o, "<li>{}</li>", esc(i));
                }
                o.push_str("</ul>");
                if *warn {
                    o.push_str("</div>");
                }
                o.push('\n');
            }
            Block::Facts(facts) => {
                o.push_str("<dl class=\"facts\">");
                for (k, v) in facts {
                    let long = matches!(v, Cell::Text(t) | Cell::Code(t) if t.chars().count() > 24);
                    let class = if long { " class=\"wide\"" } else { "" };
                    let _ = write!(
                        o,
                        "<div{class}><dt>{}</dt><dd>{}</dd></div>",
                        esc(k),
                        inline(v)
                    );
                }
                o.push_str("</dl>\n");
            }
            Block::Table(t) => table(o, t),
        }
    }
    o.push_str("</section>\n");
}

fn table(o: &mut String, t: &Table) {
    let narrow = if t.columns.len() <= 2 { " narrow" } else { "" };
    let _ = write!(
        o,
        "<div class=\"scroll\"><table class=\"sortable{narrow}\"><thead><tr>"
    );
    for c in &t.columns {
        let class = if c.numeric { " class=\"num\"" } else { "" };
        let _ = write!(o, "<th scope=\"col\"{class}>{}</th>", esc(&c.title));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        o.push_str("<tr>");
        for c in row {
            td(o, c);
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody></table></div>\n");
}

fn td(o: &mut String, c: &Cell) {
    match c {
        Cell::Text(s) => {
            let _ = write!(o, "<td>{}</td>", esc(s));
        }
        Cell::Code(s) => {
            let _ = write!(o, "<td class=\"code\">{}</td>", esc(s));
        }
        Cell::Id(s) => {
            let _ = write!(o, "<td class=\"code nowrap\">{}</td>", esc(s));
        }
        Cell::Bytes(n) => {
            let _ = write!(
                o,
                "<td class=\"num\" data-v=\"{n}\" title=\"{} bytes\">{}</td>",
                format_count(*n),
                format_bytes(*n)
            );
        }
        Cell::Count(n) => {
            let _ = write!(
                o,
                "<td class=\"num\" data-v=\"{n}\">{}</td>",
                format_count(*n)
            );
        }
        Cell::Percent(p) => {
            let p = if p.is_finite() {
                p.clamp(0.0, 100.0)
            } else {
                0.0
            };
            let _ = write!(
                o,
                "<td class=\"num pct\" data-v=\"{p:.4}\" style=\"--p:{p:.2}%\">{p:.1}%</td>"
            );
        }
        Cell::Bool(b) => {
            let _ = write!(
                o,
                "<td data-v=\"{}\">{}</td>",
                *b as u8,
                if *b { "yes" } else { "no" }
            );
        }
        Cell::DeltaBytes(n) => {
            let _ = write!(
                o,
                "<td class=\"num\" data-v=\"{n}\" title=\"{n} bytes\">{}</td>",
                format_delta_bytes(*n)
            );
        }
        Cell::DeltaCount(n) => {
            let _ = write!(
                o,
                "<td class=\"num\" data-v=\"{n}\">{}</td>",
                format_delta_count(*n)
            );
        }
        Cell::Empty => o.push_str("<td></td>"),
    }
}

/// A cell's content outside a table (facts).
fn inline(c: &Cell) -> String {
    match c {
        Cell::Text(s) => esc(s),
        Cell::Code(s) | Cell::Id(s) => format!("<code>{}</code>", esc(s)),
        Cell::Bytes(n) => format!(
            "<span title=\"{} bytes\">{}</span>",
            format_count(*n),
            format_bytes(*n)
        ),
        Cell::Count(n) => format_count(*n),
        Cell::Percent(p) => format!("{p:.1}%"),
        Cell::Bool(b) => (if *b { "yes" } else { "no" }).into(),
        Cell::DeltaBytes(n) => format!(
            "<span title=\"{n} bytes\">{}</span>",
            format_delta_bytes(*n)
        ),
        Cell::DeltaCount(n) => format_delta_count(*n),
        Cell::Empty => String::new(),
    }
}

/// Escapes text for HTML element content and quoted attribute values. Control characters become
/// spaces, bidi controls a visible `<U+202E>`.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c if is_bidi_control(c) => out.push_str(&esc(&visible_code_point(c))),
            c => out.push(c),
        }
    }
    out
}
