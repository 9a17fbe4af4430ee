//! Class histogram (sortable, filterable, grouped by class / package / class loader) and the
//! instances of one class.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::protocol::*;

use super::explore::{groupable_name, ExploreActions};
use super::object::ObjectTable;
use super::route::{current_hash, navigate, query_of, query_suffix, replace_hash, Route, Target};
use super::state::use_ctx;
use super::util::*;
use super::virtual_list::{VirtualRows, VirtualTable};

/// Histogram rows fetched per request.
const HIST_PAGE: u32 = 200;

/// The histogram: virtualized (the rows in view and a block around them are in the DOM; pages
/// of [`HIST_PAGE`] rows are fetched as they scroll into view), so 30,000 classes scroll like
/// 30.
#[component]
pub fn HistogramView() -> impl IntoView {
    let ctx = use_ctx();
    let q = ctx.histogram;
    // Settings from the URL (a link reopens them); then the URL follows the settings.
    let params = query_of(&current_hash());
    if !params.is_empty() {
        q.update(|q| apply_params(q, &params));
    }
    Effect::new(move |_| {
        let suffix = q.with(params_of);
        if matches!(ctx.route.get_untracked(), Route::Histogram) {
            replace_hash(&format!("#/histogram{suffix}"));
        }
    });
    // The current query's totals (its first page, rows removed), or why it failed.
    let meta = RwSignal::new(None::<Result<HistogramPage, String>>);
    let rows = VirtualRows::<HistogramRow>::new(HIST_PAGE, move |rows, page, epoch| {
        let mut query = q.get_untracked();
        query.offset = page * HIST_PAGE;
        query.limit = HIST_PAGE;
        spawn_local(async move {
            match ctx.call::<req::Histogram>(query).await {
                Ok(mut p) => {
                    let data = std::mem::take(&mut p.rows);
                    if rows.fill(epoch, page, p.total_rows, data)
                        && (page == 0 || !matches!(meta.get_untracked(), Some(Ok(_))))
                    {
                        meta.set(Some(Ok(p)));
                    }
                }
                Err(e) => {
                    rows.failed(epoch, page);
                    if rows.epoch() == Some(epoch) {
                        meta.set(Some(Err(e)));
                    }
                }
            }
        });
    });
    // A new query: forget the rows, back to the top, fetch its first page.
    Effect::new(move |_| {
        q.track();
        rows.reset();
    });

    let filter_text = RwSignal::new(q.get_untracked().filter);
    // Debounced filtering as you type.
    let typed = RwSignal::new(0u32);
    let on_input = move |ev| {
        filter_text.set(event_target_value(&ev));
        let n = typed.get_untracked() + 1;
        typed.set(n);
        set_timeout(
            move || {
                if typed.get_untracked() == n {
                    let f = filter_text.get_untracked();
                    if q.with_untracked(|q| q.filter != f) {
                        q.update(|q| q.filter = f);
                    }
                }
            },
            std::time::Duration::from_millis(250),
        );
    };
    let header = move |label: &'static str, sort: HistogramSort, num: bool| {
        let active = move || q.with(|q| q.sort == sort);
        view! {
            <th class:num=num title=header_help(sort) aria-sort=move || if active() { if q.with(|q| q.descending) { "descending" } else { "ascending" } } else { "none" }>
                <button
                    type="button"
                    class="th-sort"
                    class:active=active
                    on:click=move |_| q.update(|q| {
                        if q.sort == sort {
                            q.descending = !q.descending;
                        } else {
                            q.sort = sort;
                            q.descending = sort != HistogramSort::Name;
                        }
                    })
                >
                    {label}
                    {move || if active() { if q.with(|q| q.descending) { " ▾" } else { " ▴" } } else { "" }}
                </button>
            </th>
        }
    };
    let grouped = move || q.with(|q| q.group != Grouping::Class);
    let unreachable = move || q.with(|q| q.unreachable);
    let cols = move || if unreachable() { 3 } else { 4 };
    let row = move |i: usize, r: Option<HistogramRow>| -> AnyView {
        let Some(r) = r else {
            return view! {
                <tr class="vrow pending" data-index=i.to_string() aria-rowindex=(i + 2).to_string() aria-busy="true">
                    <td class="name muted">"…"</td><td></td><td></td>{(!unreachable()).then(|| view! { <td></td> })}
                </tr>
            }
            .into_any();
        };
        let (group, unreachable) = q.with_untracked(|q| (q.group, q.unreachable));
        let name = r.name.clone();
        let class = r.class;
        let go = move |_| match (class, group) {
            (Some(c), _) => navigate(&Route::Instances {
                class: c,
                unreachable,
            }),
            (None, Grouping::Package) => {
                let f = if name.starts_with('<') {
                    String::new()
                } else {
                    format!("{name}.")
                };
                q.update(|q| {
                    q.group = Grouping::Class;
                    q.filter = f.clone();
                    q.regex = false;
                });
                filter_text.set(f);
            }
            _ => {}
        };
        let title = match (class, group) {
            (Some(_), _) => format!("{}: list the instances", r.name),
            (None, Grouping::Package) => format!("{}: show the classes of this package", r.name),
            _ => r.name.clone(),
        };
        view! {
            <tr class="vrow" tabindex="0" data-index=i.to_string() aria-rowindex=(i + 2).to_string()>
                <td class="name">
                    <div class="name-cell">
                        <button type="button" class="link cls" title=title on:click=go><ClassName name=r.name.clone() /></button>
                        {class.filter(|_| !unreachable).map(|c| {
                            // The menu exists only while open: a row's text is its name and numbers.
                            let open = RwSignal::new(false);
                            let groupable = groupable_name(&r.name);
                            view! {
                                <details class="row-actions" on:toggle=move |ev| open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
                                    <summary aria-label="Investigate" title="Investigate the instances: retained set, immediate dominators, merged paths to GC roots"></summary>
                                    {move || open.get().then(|| view! {
                                        <div class="menu"><ExploreActions target=Target::Class(c) groupable compact=true /></div>
                                    })}
                                </details>
                            }
                        })}
                    </div>
                </td>
                <td class="num">{count(r.instances)}</td>
                <td class="num"><Bytes value=r.shallow /></td>
                {(!unreachable).then(|| view! { <td class="num"><Bytes value=r.retained /></td> })}
            </tr>
        }
        .into_any()
    };
    view! {
        <section class="view histogram-view" aria-labelledby="hist-title">
            <div class="view-head">
                <h2 id="hist-title">"Class histogram"</h2>
                <div class="controls">
                    <label for="hist-filter">"Filter"</label>
                    <input
                        id="hist-filter"
                        type="search"
                        placeholder=move || if q.with(|q| q.regex) { "regular expression" } else { "class name contains…" }
                        prop:value=move || filter_text.get()
                        on:input=on_input
                    />
                    <label class="toggle">
                        <input
                            type="checkbox"
                            prop:checked=move || q.with(|q| q.regex)
                            on:change=move |ev| q.update(|q| q.regex = event_target_checked(&ev))
                        />
                        " regex"
                    </label>
                    <label for="hist-group">"Group by"</label>
                    <select
                        id="hist-group"
                        on:change=move |ev| {
                            let g = match event_target_value(&ev).as_str() {
                                "package" => Grouping::Package,
                                "loader" => Grouping::ClassLoader,
                                _ => Grouping::Class,
                            };
                            q.update(|q| q.group = g);
                        }
                    >
                        <option value="class" selected=move || q.with(|q| q.group == Grouping::Class)>"class"</option>
                        <option value="package" selected=move || q.with(|q| q.group == Grouping::Package)>"package"</option>
                        <option value="loader" selected=move || q.with(|q| q.group == Grouping::ClassLoader)>"class loader"</option>
                    </select>
                    <label class="toggle">
                        <input
                            type="checkbox"
                            prop:checked=move || q.with(|q| q.unreachable)
                            on:change=move |ev| q.update(|q| q.unreachable = event_target_checked(&ev))
                        />
                        " unreachable objects"
                    </label>
                </div>
            </div>
            {move || match meta.get() {
                None => view! { <Pending what="histogram" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote message=e /> }.into_any(),
                Some(Ok(p)) => view! {
                    {p.filter_error.clone().map(|e| view! { <ErrorNote message=format!("Invalid regular expression: {e}") /> })}
                    <p class="summary-line">
                        {format!(
                            "{} · {} · ",
                            plural(p.total_rows as u64, if p.query.group != Grouping::Class { "group" } else { "class" }),
                            plural(p.total_instances, "object")
                        )}
                        <Bytes value=p.total_shallow />
                        " shallow"
                    </p>
                }.into_any(),
            }}
            <VirtualTable
                rows=rows
                class="histogram"
                cols=Signal::derive(cols)
                head=move || view! {
                    <colgroup>
                        <col />
                        <col class="c-n" />
                        <col class="c-n" />
                        {move || (!unreachable()).then(|| view! { <col class="c-n" /> })}
                    </colgroup>
                    <thead>
                        <tr aria-rowindex="1">
                            {move || header(if grouped() { "Group" } else { "Class" }, HistogramSort::Name, false)}
                            {header("Objects", HistogramSort::Instances, true)}
                            {header("Shallow", HistogramSort::Shallow, true)}
                            {move || (!unreachable()).then(|| header("Retained", HistogramSort::Retained, true))}
                        </tr>
                    </thead>
                }
                row=row
                hidden=Signal::derive(move || !matches!(meta.get(), Some(Ok(_))))
            />
            <p class="list-foot">
                {move || rows.visible_range()}
            </p>
        </section>
    }
}

/// Reads the histogram's settings from a URL's `?…` pairs (unknown ones are ignored).
fn apply_params(q: &mut HistogramQuery, params: &[(String, String)]) {
    for (k, v) in params {
        match (k.as_str(), v.as_str()) {
            ("filter", f) => q.filter = f.to_string(),
            ("regex", r) => q.regex = r == "1",
            ("group", "package") => q.group = Grouping::Package,
            ("group", "loader") => q.group = Grouping::ClassLoader,
            ("sort", s) => {
                q.sort = match s {
                    "name" => HistogramSort::Name,
                    "objects" => HistogramSort::Instances,
                    "shallow" => HistogramSort::Shallow,
                    _ => HistogramSort::Retained,
                };
                q.descending = q.sort != HistogramSort::Name;
            }
            ("order", o) => q.descending = o != "asc",
            ("unreachable", u) => q.unreachable = u == "1",
            _ => {}
        }
    }
}

/// The `?…` suffix that names the settings (empty for the defaults).
fn params_of(q: &HistogramQuery) -> String {
    let sort = match q.sort {
        HistogramSort::Name => "name",
        HistogramSort::Instances => "objects",
        HistogramSort::Shallow => "shallow",
        HistogramSort::Retained => "",
    };
    let natural = q.sort != HistogramSort::Name;
    query_suffix(&[
        ("filter", q.filter.clone()),
        ("regex", if q.regex { "1" } else { "" }.into()),
        (
            "group",
            match q.group {
                Grouping::Class => "",
                Grouping::Package => "package",
                Grouping::ClassLoader => "loader",
            }
            .into(),
        ),
        ("sort", sort.into()),
        (
            "order",
            match (q.descending, natural) {
                (true, false) => "desc",
                (false, true) => "asc",
                _ => "",
            }
            .into(),
        ),
        ("unreachable", if q.unreachable { "1" } else { "" }.into()),
    ])
}

/// The tooltip of a column header.
fn header_help(sort: HistogramSort) -> &'static str {
    match sort {
        HistogramSort::Name => "Sort by name",
        HistogramSort::Instances => "Objects of the class",
        HistogramSort::Shallow => "Shallow size: the objects' own bytes, summed",
        HistogramSort::Retained => "Retained size: what would be freed with all the objects of the class (each object counted once)",
    }
}

const PAGE: u32 = 100;

#[component]
pub fn InstancesView(class: u32, unreachable: bool) -> impl IntoView {
    let ctx = use_ctx();
    let rows = RwSignal::new(Vec::<TreeRow>::new());
    let total = RwSignal::new(None::<u32>);
    let name = RwSignal::new(String::new());
    let groupable = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let export_error = RwSignal::new(None::<String>);
    let exporting = RwSignal::new(false);
    let export_csv = move |_| {
        exporting.set(true);
        export_error.set(None);
        spawn_local(async move {
            let r = ctx
                .call::<req::InstancesCsv>(InstancesCsvQuery { class, unreachable })
                .await
                .and_then(|f| download(&f.file_name, &f.mime, &f.text));
            exporting.set(false);
            if let Err(e) = r {
                export_error.set(Some(e));
            }
        });
    };
    let load = move || {
        let offset = rows.with_untracked(|r| r.len() as u32);
        spawn_local(async move {
            match ctx
                .call::<req::Instances>(InstancesQuery {
                    class,
                    unreachable,
                    offset,
                    limit: PAGE,
                })
                .await
            {
                Ok(p) => {
                    name.set(p.class_name);
                    groupable.set(p.groupable);
                    total.set(Some(p.total));
                    rows.update(|r| r.extend(p.rows));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load();
    view! {
        <section class="view instances-view" aria-labelledby="inst-title">
            <div class="view-head">
                <h2 id="inst-title">
                    {move || format!("{} of ", if unreachable { "Unreachable instances" } else { "Instances" })}
                    <code>{move || name.get()}</code>
                </h2>
                <p class="hint"><a href="#/histogram">"← Histogram"</a>" · largest retained first"</p>
            </div>
            <div class="instances-actions">
                {move || (total.get().is_some() && !unreachable).then(|| view! {
                    <ExploreActions target=Target::Class(class) groupable=groupable.get() />
                })}
                <button type="button" class="secondary export-csv" disabled=move || exporting.get()
                    title=format!("Every instance (at most {}) with its shallow and retained size, as CSV", count(CSV_MAX_ROWS as u64))
                    on:click=export_csv>
                    {move || if exporting.get() { "Exporting…" } else { "Export CSV" }}
                </button>
                {move || export_error.get().map(|e| view! { <ErrorNote message=e /> })}
            </div>
            {move || error.get().map(|e| view! { <ErrorNote message=e /> })}
            {move || match total.get() {
                None => view! { <Pending what="instances" /> }.into_any(),
                Some(t) => view! {
                    <ObjectTable rows=rows />
                    <p class="list-foot">
                        {move || format!("{} of {}", count(rows.with(|r| r.len()) as u64), count(t as u64))}
                        {move || (rows.with(|r| r.len() as u32) < t).then(|| view! {
                            " " <button type="button" class="secondary" on:click=move |_| load()>"Show more"</button>
                        })}
                    </p>
                }.into_any(),
            }}
        </section>
    }
}
