//! Find in the dominator tree: the "Find class" box (searching as one types, debounced) and
//! the bar above the matches (how many objects of how many classes match; back and forth
//! between the matches and the tree).

use leptos::prelude::*;

use super::super::state::Ctx;
use super::super::util::*;

/// The "Find class" form; `apply(pattern)` runs the search (empty: back to the tree).
pub fn find_form(ctx: Ctx, apply: impl Fn(String) + Copy + Send + Sync + 'static) -> impl IntoView {
    let text = RwSignal::new(ctx.tree.with_untracked(|m| {
        m.search
            .as_ref()
            .map(|s| s.pattern.clone())
            .unwrap_or_default()
    }));
    // Keystrokes so far: a search runs once 300 ms pass without another.
    let typed = RwSignal::new(0u32);
    let now = move || {
        typed.update(|n| *n += 1);
        apply(text.get_untracked());
    };
    let on_input = move |ev| {
        text.set(event_target_value(&ev));
        let n = typed.get_untracked() + 1;
        typed.set(n);
        set_timeout(
            move || {
                if typed.try_get_untracked() == Some(n) {
                    apply(text.get_untracked());
                }
            },
            std::time::Duration::from_millis(300),
        );
    };
    view! {
        <form
            class="filter"
            role="search"
            on:submit=move |ev| {
                ev.prevent_default();
                now();
            }
        >
            <label for="tree-filter">"Find class"</label>
            <input
                id="tree-filter"
                type="search"
                placeholder="e.g. HashMap, com.x.*Cache"
                title="Class name (contains, case-insensitive; * as wildcard): lists every object of the tree whose class matches"
                prop:value=move || text.get()
                on:input=on_input
                on:search=move |_: web_sys::Event| now()
            />
            <button type="submit">"Find"</button>
        </form>
    }
}

/// The bar above the matches (or, the tree shown, the way back to them); `show(true)` shows
/// the matches, `show(false)` the tree.
pub fn search_bar(
    ctx: Ctx,
    revealing: RwSignal<bool>,
    show: impl Fn(bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // Only what the bar shows: a selection or a scroll does not draw it again.
    let state = Memo::new(move |_| {
        ctx.tree.with(|m| {
            let s = m.search.as_ref()?;
            Some((s.pattern.clone(), s.counts, s.error.clone(), m.show_search))
        })
    });
    move || {
        let (pattern, counts, error, showing) = state.get()?;
        let found = match counts {
            None => "Searching the whole tree…".to_string(),
            Some((0, _, _)) => format!("No reachable object's class matches “{pattern}”."),
            Some((total, listed, classes)) => format!(
                "{} {} of {} {} matching “{pattern}”{}, largest retained first.",
                count(total as u64),
                if total == 1 { "object" } else { "objects" },
                count(classes as u64),
                if classes == 1 { "class" } else { "classes" },
                if listed < total {
                    format!(" (the {} largest listed)", count(listed as u64))
                } else {
                    String::new()
                },
            ),
        };
        Some(view! {
            <div class="search-bar" role="status">
                {if showing {
                    view! {
                        <span class="search-count">{found}</span>
                        <span class="hint">" Click one to reveal it in the tree."</span>
                        <button type="button" class="secondary" on:click=move |_| show(false)>"Show the tree"</button>
                    }
                    .into_any()
                } else {
                    view! {
                        <button type="button" class="secondary back" on:click=move |_| show(true)>
                            {match counts {
                                Some((1, _, _)) => format!("← 1 match for “{pattern}”"),
                                Some((n, _, _)) => format!("← {} matches for “{pattern}”", count(n as u64)),
                                None => format!("← matches for “{pattern}”"),
                            }}
                        </button>
                        {move || revealing.get().then(|| view! { <span class="hint">" Expanding the tree…"</span> })}
                    }
                    .into_any()
                }}
                {error.map(|e| view! { <ErrorNote message=e /> })}
            </div>
        })
    }
}
