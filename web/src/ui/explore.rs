//! The investigation views' shared parts: the action links a class row, an instances list, a
//! tree row, an object page or a query's result offers ([`ExploreActions`]), the route dispatcher
//! ([`ExplorePage`]) and the "Show more" paging every view's list uses ([`Pager`], fed by
//! [`use_explore_pages`]).
//! Each view is its own file (`explore_retained`, `explore_dominators`, `explore_merged`,
//! `explore_values`, `explore_contents`); their state is the route, so a link reopens it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::protocol::*;

use super::explore_contents::ContentsView;
use super::explore_dominators::DominatorsView;
use super::explore_merged::MergedView;
use super::explore_retained::RetainedView;
use super::explore_values::ValuesView;
use super::route::{explore_href, ExploreView, Target};
use super::util::*;

/// Classes whose instances have a value to group by, known from the name alone (enums need
/// the class hierarchy: the worker says so in `InstancesPage::groupable`).
pub fn groupable_name(name: &str) -> bool {
    matches!(
        name,
        "java.lang.String"
            | "java.lang.StringBuilder"
            | "java.lang.StringBuffer"
            | "char[]"
            | "java.lang.Integer"
            | "java.lang.Long"
            | "java.lang.Short"
            | "java.lang.Byte"
            | "java.lang.Character"
            | "java.lang.Boolean"
            | "java.lang.Float"
            | "java.lang.Double"
            | "java.util.concurrent.atomic.AtomicInteger"
            | "java.util.concurrent.atomic.AtomicLong"
            | "java.util.concurrent.atomic.AtomicBoolean"
    )
}

/// Links to the views that apply to `target`: always the retained set, immediate dominators
/// and merged paths; group by value when `groupable`; contents when `collection`.
#[component]
pub fn ExploreActions(
    target: Target,
    #[prop(optional)] groupable: bool,
    #[prop(optional)] collection: bool,
    /// A compact row (inside a table or a tree row).
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let views = ExploreView::ALL.into_iter().filter(|v| match v {
        ExploreView::Values => groupable,
        ExploreView::Contents => collection,
        _ => true,
    });
    view! {
        <nav class="explore-actions" class:compact=compact aria-label="Investigate">
            {views.map(|v| view! {
                <a class="button secondary explore-action" data-view=format!("{v:?}").to_lowercase() href=explore_href(v, &target) title=v.help()>{v.label()}</a>
            }).collect_view()}
        </nav>
    }
}

/// The route `#/explore/…`: the view it names.
#[component]
pub fn ExplorePage(view: ExploreView, target: Target, option: Option<String>) -> impl IntoView {
    match view {
        ExploreView::Retained => view! { <RetainedView target /> }.into_any(),
        ExploreView::Dominators => view! { <DominatorsView target skip=option /> }.into_any(),
        ExploreView::Merged => {
            let weak = option.as_deref() == Some("weak");
            view! { <MergedView target weak /> }.into_any()
        }
        ExploreView::Values => view! { <ValuesView target /> }.into_any(),
        ExploreView::Contents => match target {
            Target::Object(id) => view! { <ContentsView id /> }.into_any(),
            Target::Class(_) | Target::Query(_) => {
                view! { <ErrorNote message="Contents are listed for one collection object, not a class or a query.".to_string() /> }.into_any()
            }
        },
    }
}

/// The heading of a view: "Retained set of <label>", with a link back to what it is about.
#[component]
pub fn ExploreHead(
    view: ExploreView,
    target: Target,
    #[prop(into)] label: Signal<String>,
) -> impl IntoView {
    let back = match &target {
        Target::Class(c) => view! {
            <a href=super::route::Route::Instances { class: *c, unreachable: false }.to_hash()>"← Instances"</a>
        }
        .into_any(),
        Target::Object(id) => {
            view! { <a href=super::route::object_href(id)>"← Object"</a> }.into_any()
        }
        Target::Query(text) => view! {
            <a href=super::route::Route::Query { text: text.clone() }.to_hash()>"← Query"</a>
        }
        .into_any(),
    };
    view! {
        <div class="view-head">
            <h2 id="explore-title">{view.label()}" of " <code class="explore-label">{move || label.get()}</code></h2>
            <p class="hint">{back}" · "{view.help()}</p>
        </div>
    }
}

/// A list fetched a page at a time ("Show more"): the rows so far, the total and the last
/// error. `fetch(offset)` asks the worker for the page at `offset` and hands back its rows
/// and the total.
pub struct Pager<T: Send + Sync + 'static> {
    pub rows: RwSignal<Vec<T>>,
    pub total: RwSignal<Option<u64>>,
    pub error: RwSignal<Option<String>>,
    pub busy: RwSignal<bool>,
}

// Signals are `Copy` whatever `T` is (a derive would ask `T: Copy`).
impl<T: Send + Sync + 'static> Clone for Pager<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for Pager<T> {}

impl<T: Send + Sync + Clone + 'static> Pager<T> {
    pub fn new() -> Self {
        Pager {
            rows: RwSignal::new(Vec::new()),
            total: RwSignal::new(None),
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    /// Appends a page (or records why it failed).
    pub fn accept(self, r: Result<(Vec<T>, u64), String>) {
        match r {
            Ok((rows, total)) => {
                self.total.set(Some(total));
                self.rows.update(|r| r.extend(rows));
                self.error.set(None);
            }
            Err(e) => self.error.set(Some(e)),
        }
        self.busy.set(false);
    }

    /// Where the next page starts, or `None` while one is on its way.
    pub fn next_offset(self) -> Option<u32> {
        if self.busy.get_untracked() {
            return None;
        }
        self.busy.set(true);
        Some(self.rows.with_untracked(|r| r.len() as u32))
    }

    pub fn more(self) -> bool {
        let shown = self.rows.with(|r| r.len() as u64);
        self.total.get().is_some_and(|t| shown < t)
    }
}

/// An investigation view's answer: a page of rows, their total, and the view's head (label,
/// sums) around them.
pub trait PagedAnswer {
    type Row: Send + Sync + Clone + 'static;
    /// Takes the page's rows out (what is left is the head); with the total of rows.
    fn take_rows(&mut self) -> (Vec<Self::Row>, u64);
}

macro_rules! paged_answers {
    ($($page:ty => $row:ty),* $(,)?) => {$(
        impl PagedAnswer for $page {
            type Row = $row;
            fn take_rows(&mut self) -> (Vec<$row>, u64) {
                (std::mem::take(&mut self.rows), self.total as u64)
            }
        }
    )*};
}

paged_answers! {
    RetainedSetPage => RetainedClassView,
    DominatorsPage => DominatorClassView,
    MergedPathsPage => MergedNodeView,
    GroupByValuePage => ValueGroupView,
    ContentsPage => ContentRowView,
}

/// The paging every investigation view does: a [`Pager`] and the callback that asks request
/// `R` for its next page (`params(offset)`), hands the answer's head to `head` and appends its
/// rows. The first page is asked at once.
pub fn use_explore_pages<R>(
    params: impl Fn(u32) -> R::Params + Send + Sync + 'static,
    head: impl Fn(R::Response) + Send + Sync + Clone + 'static,
) -> (Pager<<R::Response as PagedAnswer>::Row>, Callback<()>)
where
    R: Request + 'static,
    R::Response: PagedAnswer,
{
    let ctx = super::state::use_ctx();
    let pager = Pager::new();
    let load = Callback::new(move |()| {
        let Some(offset) = pager.next_offset() else {
            return;
        };
        let (asked, head) = (params(offset), head.clone());
        spawn_local(async move {
            let r = ctx.call::<R>(asked).await.map(|mut p| {
                let rows = p.take_rows();
                head(p);
                rows
            });
            pager.accept(r);
        });
    });
    load.run(());
    (pager, load)
}

/// "12 of 300 · Show more", for a [`Pager`].
#[component]
pub fn PagerFoot<T: Send + Sync + Clone + 'static>(
    pager: Pager<T>,
    load: Callback<()>,
) -> impl IntoView {
    view! {
        <p class="list-foot">
            {move || pager.total.get().map(|t| format!("{} of {}", count(pager.rows.with(|r| r.len()) as u64), count(t)))}
            {move || pager.more().then(|| view! {
                " " <button type="button" class="secondary" on:click=move |_| load.run(())>"Show more"</button>
            })}
        </p>
    }
}
