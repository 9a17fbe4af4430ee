//! The one virtualized table of the UI (histogram, threads, query results): rows fetched from
//! the worker a page at a time as they scroll into view ([`Paged`]), only the blocks of rows
//! around the viewport in the DOM (the shared [`Viewport`] geometry, which the dominator tree
//! uses too), keyboard moves ([`virtual_keys`]), the row height measured once drawn.
//!
//! A view makes a [`VirtualRows`] (the state: a Copy handle of signals) with its `fetch`
//! callback, answers each fetch with [`VirtualRows::fill`] (or [`VirtualRows::failed`]), starts
//! over with [`VirtualRows::reset`] when its query changes, and draws [`VirtualTable`] with its
//! header and a row renderer. One row may be *expanded* (a detail row drawn under it, as a
//! thread's stack): its height is measured (`tr.vdetail`) and counted in the scroll geometry.

use leptos::prelude::*;

use super::paged::BLOCK;
use super::util::*;
use super::viewport::Viewport;

/// Row height in px until measured (CSS `table.vtable tr.vrow`).
const ROW_H: f64 = 30.0;

/// Asks the worker for a page: `(rows, page, epoch)`.
type Fetch<T> = Callback<(VirtualRows<T>, u32, u32)>;

/// The state of one virtualized list (a Copy handle: every field is a signal).
pub struct VirtualRows<T: Send + Sync + 'static> {
    model: RwSignal<Paged<T>>,
    fetch: StoredValue<Fetch<T>>,
    /// Where the table is scrolled, which rows are drawn, which one is expanded.
    pub view: Viewport,
    focus_req: RwSignal<Option<usize>>,
}

impl<T: Send + Sync + 'static> Clone for VirtualRows<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for VirtualRows<T> {}

impl<T: Clone + Send + Sync + 'static> VirtualRows<T> {
    /// A list of `page`-row pages; `fetch(rows, page, epoch)` asks the worker for one and
    /// answers with `rows.fill(…)`. Nothing is fetched before the first [`Self::reset`].
    pub fn new(page: u32, fetch: impl Fn(Self, u32, u32) + Send + Sync + 'static) -> Self {
        let model = RwSignal::new(Paged::new(page));
        let view = Viewport::new(
            Signal::derive(move || model.with(|m| m.len())),
            ROW_H,
            0.0,
            BLOCK,
        );
        let rows = VirtualRows {
            model,
            fetch: StoredValue::new(Callback::new(move |(r, p, e)| fetch(r, p, e))),
            view,
            focus_req: RwSignal::new(None),
        };
        // Fetch the pages of the rows to draw (marking them asked changes nothing on screen).
        Effect::new(move |_| {
            let (first, last) = view.window.get();
            let (epoch, pages) = model
                .try_update_untracked(|m| (m.epoch, m.claim(first, last)))
                .unwrap_or_default();
            for p in pages {
                rows.ask(p, epoch);
            }
        });
        rows
    }

    fn ask(&self, page: u32, epoch: u32) {
        if let Some(f) = self.fetch.try_get_value() {
            f.run((*self, page, epoch));
        }
    }

    /// Forgets every row (the query changed), back to the top, fetches the first page.
    pub fn reset(&self) {
        let (epoch, pages) = self
            .model
            .try_update(|m| (m.reset(), m.claim(0, 1)))
            .unwrap_or_default();
        self.view.expanded.set(None);
        if let Some(el) = self.view.scroller.get_untracked() {
            el.set_scroll_top(0);
        }
        self.view.scroll_top.set(0.0);
        for p in pages {
            self.ask(p, epoch);
        }
    }

    /// Stores a page the worker answered; false when it belongs to an older query (or the
    /// view is gone: answers may outlive it).
    pub fn fill(&self, epoch: u32, page: u32, total: u32, rows: Vec<T>) -> bool {
        // An answer for an older query changes nothing: no update, no redraw.
        if self.epoch() != Some(epoch) {
            return false;
        }
        self.model
            .try_update(|m| m.fill(epoch, page, total, rows))
            .unwrap_or(false)
    }

    /// A fetch failed: the page may be asked again.
    pub fn failed(&self, epoch: u32, page: u32) {
        self.model.try_update_untracked(|m| m.failed(epoch, page));
    }

    /// The current query's epoch (answers carry it back to [`Self::fill`]); `None` once the
    /// view is gone.
    pub fn epoch(&self) -> Option<u32> {
        self.model.try_with_untracked(|m| m.epoch)
    }

    /// Rows in the list (0 until the first page arrives); tracked.
    pub fn len(&self) -> usize {
        self.model.with(|m| m.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` without tracking (inside a row renderer).
    pub fn get_untracked(&self, i: usize) -> Option<T> {
        self.model.with_untracked(|m| m.get(i).cloned())
    }

    /// `12–34 of 5,000`: the rows in view; tracked.
    pub fn visible_range(&self) -> String {
        visible_range(
            self.len(),
            self.view.scroll_top.get(),
            self.view.viewport_h.get(),
            self.view.row_h.get(),
        )
    }

    /// After a redraw: the row height, the expanded row's height, the viewport's.
    fn measure(&self) {
        let Some(el) = self.view.scroller.get_untracked() else {
            return;
        };
        let el: web_sys::HtmlElement = el.into();
        if let Some(h) = measured_row_height(&el) {
            if (h - self.view.row_h.get_untracked()).abs() > 0.25 {
                self.view.row_h.set(h);
            }
        }
        let detail = el
            .query_selector("tr.vdetail")
            .ok()
            .flatten()
            .map_or(0.0, |d| d.get_bounding_client_rect().height());
        if (detail - self.view.expanded_h.get_untracked()).abs() > 0.5 {
            self.view.expanded_h.set(detail);
        }
        let vh = el.client_height() as f64;
        if (vh - self.view.viewport_h.get_untracked()).abs() > 0.5 {
            self.view.viewport_h.set(vh);
        }
    }

    /// Measure again once the next frame is drawn (an expanded row's content arrived).
    pub fn remeasure(&self) {
        let rows = *self;
        request_animation_frame(move || rows.measure());
    }
}

/// The virtualized table of a [`VirtualRows`]: `head` draws the `<colgroup>` and `<thead>`,
/// `row(i, row)` one row (`row` is `None` while its page is on its way), as a `tr.vrow` with
/// `data-index` (and, when expanded, a `tr.vdetail` after it).
#[component]
pub fn VirtualTable<T, R>(
    rows: VirtualRows<T>,
    /// Classes of the `<table>` (besides `grid vtable`).
    #[prop(into)]
    class: String,
    /// Columns (for the spacer rows).
    #[prop(into)]
    cols: Signal<usize>,
    #[prop(into)] head: ViewFn,
    row: R,
    /// Hide the table (before the first page, or on an error).
    #[prop(optional, into)]
    hidden: Signal<bool>,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    R: Fn(usize, Option<T>) -> AnyView + Clone + Send + Sync + 'static,
{
    let VirtualRows {
        model,
        focus_req,
        view,
        ..
    } = rows;
    let Viewport {
        scroll_top,
        row_h,
        expanded,
        expanded_h,
        scroller,
        window,
        ..
    } = view;
    // After drawing: measure, and focus a row a key jumped to.
    Effect::new(move |_| {
        window.track();
        model.track();
        expanded.track();
        focus_req.track();
        focus_pending(scroller.get_untracked().map(Into::into), focus_req);
        rows.remeasure();
    });
    let on_scroll = move |_| {
        if let Some(el) = scroller.get() {
            scroll_top.set(el.scroll_top() as f64);
        }
        rows.measure();
    };
    let on_key = move |ev| {
        let el = scroller.get_untracked().map(Into::into);
        let len = model.with_untracked(|m| m.len());
        virtual_keys(ev, len, row_h.get_untracked(), el, focus_req);
    };
    // Blank space for the rows not drawn (and an expanded row's detail when not drawn either).
    let spacer = move |n: usize, with_detail: bool| {
        let h = n as f64 * row_h.get() + if with_detail { expanded_h.get() } else { 0.0 };
        (h > 0.0).then(|| {
            view! {
                <tr class="spacer" aria-hidden="true">
                    <td colspan=move || cols.get().to_string() style=format!("height:{h:.1}px")></td>
                </tr>
            }
        })
    };
    view! {
        <div class="table-scroll vscroll" node_ref=scroller on:scroll=on_scroll hidden=move || hidden.get()>
            <table class=format!("grid vtable {class}") aria-rowcount=move || (rows.len() + 1).to_string()>
                {head.run()}
                <tbody on:keydown=on_key>
                    {move || {
                        let (first, _) = window.get();
                        spacer(first, expanded.get().is_some_and(|o| o < first))
                    }}
                    <For
                        each=move || {
                            let (first, last) = window.get();
                            model.with(|m| (first..last).map(|i| (m.epoch, i, m.get(i).is_some())).collect::<Vec<_>>())
                        }
                        key=|k| *k
                        children=move |(_, i, _)| row(i, rows.get_untracked(i))
                    />
                    {move || {
                        let (_, last) = window.get();
                        spacer(rows.len().saturating_sub(last), expanded.get().is_some_and(|o| o >= last))
                    }}
                </tbody>
            </table>
        </div>
    }
}
