//! The frame the listing investigation views share (retained set, immediate dominators, group
//! by value, collection contents): the heading, the view's own controls, the last error,
//! "Loading…" until the first page, then the summary and table the view draws from the
//! answer's head, and "Show more". A view gives its request's params and its body; the
//! paging is [`use_explore_pages`].

use leptos::prelude::*;

use crate::protocol::Request;

use super::explore::{use_explore_pages, ExploreHead, PagedAnswer, Pager, PagerFoot};
use super::route::{ExploreView, Target};
use super::util::*;

/// The answer's head (what a page says besides its rows: label, sums), the pager of its
/// rows and the callback that asks for the next page: `use_explore_pages` with the head kept.
pub type ExploreList<R> = (
    RwSignal<Option<<R as Request>::Response>>,
    Pager<<<R as Request>::Response as PagedAnswer>::Row>,
    Callback<()>,
);

/// Pages of request `R` (`params(offset)`), the latest answer's head kept.
pub fn use_explore_list<R>(
    params: impl Fn(u32) -> R::Params + Send + Sync + 'static,
) -> ExploreList<R>
where
    R: Request + 'static,
    R::Response: PagedAnswer + Send + Sync + 'static,
{
    let head = RwSignal::new(None);
    let (pager, load) = use_explore_pages::<R>(params, move |p| head.set(Some(p)));
    (head, pager, load)
}

/// A listing investigation view: `body(head)` draws the summary and the table once the first
/// page is in; `children` are controls between the heading and the list.
#[component]
pub fn ExploreFrame<H, T, B>(
    /// The view's class on its `<section>` (besides `view explore-view`).
    class: &'static str,
    view: ExploreView,
    target: Target,
    /// What the heading names ("Retained set of <label>"), from the answer's head.
    label: fn(&H) -> String,
    /// What "Loading …" waits for.
    pending: &'static str,
    head: RwSignal<Option<H>>,
    pager: Pager<T>,
    load: Callback<()>,
    body: B,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView
where
    H: Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
    B: Fn(H) -> AnyView + Send + Sync + 'static,
{
    let label = Signal::derive(move || head.with(|h| h.as_ref().map(label).unwrap_or_default()));
    view! {
        <section class=format!("view explore-view {class}") aria-labelledby="explore-title">
            <ExploreHead view target label />
            {children.map(|c| c())}
            {move || pager.error.get().map(|e| view! { <ErrorNote message=e /> })}
            {move || match head.get() {
                None => pager.error.get().is_none().then(|| view! { <Pending what=pending /> }).into_any(),
                Some(h) => view! { {body(h)} <PagerFoot pager load /> }.into_any(),
            }}
        </section>
    }
}
