//! A virtualized ARIA grid of `div` rows (the dominator tree's `treegrid` and its list of
//! search matches): a focusable scroller with a sticky header row, a spacer as high as every
//! row, and only the rows of the [`Viewport`]'s window in the DOM, each absolutely placed by
//! its renderer and keyed (a row whose key is unchanged is not drawn again). The keyboard
//! stays on the scroller: the selected row is its `aria-activedescendant`, not a focused row
//! (which the virtual list may remove).

use std::hash::Hash;

use leptos::prelude::*;
use web_sys::KeyboardEvent;

use super::viewport::Viewport;

#[component]
pub fn VirtualGrid<K, E, R>(
    view: Viewport,
    /// Classes of the scroller and of the block that holds the rows.
    scroll_class: &'static str,
    inner_class: &'static str,
    /// `grid` or `treegrid`.
    role: &'static str,
    label: &'static str,
    /// Columns (`aria-colcount`), if announced.
    #[prop(optional)]
    colcount: Option<&'static str>,
    /// Rows in the grid.
    #[prop(into)]
    len: Signal<usize>,
    /// The selected row, and the prefix of the rows' ids (`{prefix}-{i}`).
    #[prop(into)]
    selected: Signal<usize>,
    id_prefix: &'static str,
    #[prop(into)] head: ViewFn,
    /// The keys of rows `first..last` (a row is drawn again when its key changes).
    keys: E,
    /// Draws the row of a key.
    row: R,
    on_key: impl Fn(KeyboardEvent) + 'static,
    /// The list scrolled to this position (to keep it across navigation).
    on_scrolled: impl Fn(f64) + 'static,
) -> impl IntoView
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    E: Fn(usize, usize) -> Vec<K> + Send + Sync + 'static,
    R: Fn(K) -> AnyView + Clone + Send + Sync + 'static,
{
    let row_h = view.row_h;
    view! {
        <div
            class=scroll_class
            node_ref=view.scroller
            tabindex="0"
            role=role
            aria-label=label
            aria-rowcount=move || (len.get() + 1).to_string()
            aria-colcount=colcount
            aria-activedescendant=move || {
                let sel = selected.get();
                (sel < len.get() && view.drawn(sel)).then(|| format!("{id_prefix}-{sel}"))
            }
            on:scroll=move |_| on_scrolled(view.scrolled())
            on:keydown=on_key
        >
            {head.run()}
            <div
                class=inner_class
                role="rowgroup"
                style=move || format!("height:{}px", len.get() as f64 * row_h.get())
            >
                <For
                    each=move || {
                        let (first, last) = view.window.get();
                        keys(first, last.min(len.get()))
                    }
                    key=|k| k.clone()
                    children=row
                />
            </div>
        </div>
    }
}
