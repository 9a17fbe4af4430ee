//! The dominator tree's keyboard: ↑ ↓ Home End PgUp PgDn move the selection, → expands (then
//! steps in), ← collapses (then steps out), Enter opens the object; in the list of matches
//! Enter reveals the match. What a key means is the model's (`TreeModel::key`, tested
//! natively); here it is applied and the row kept in view.

use leptos::prelude::*;
use web_sys::KeyboardEvent;

use super::super::paged::nav_target;
use super::super::route::{navigate, Route};
use super::super::state::Ctx;
use super::super::tree_model::TreeKey;
use super::super::viewport::Viewport;
use super::rows::{select, select_match};

/// A key on the tree.
pub fn tree_key(ctx: Ctx, view: Viewport, ev: KeyboardEvent) {
    let key = ev.key();
    let Some((cur, action)) = ctx
        .tree
        .with_untracked(|m| Some((m.selected, m.key(&key, m.selected, view.page_rows())?)))
    else {
        return;
    };
    ev.prevent_default();
    let at = match action {
        TreeKey::Open(id) => {
            navigate(&Route::Object { id, paths: false });
            return;
        }
        TreeKey::Expand(idx) | TreeKey::Collapse(idx) => {
            let open = matches!(action, TreeKey::Expand(_));
            ctx.tree.update(|m| m.set_expanded(idx, open));
            cur
        }
        TreeKey::Select(next) => {
            select(ctx, next);
            next
        }
    };
    view.keep_in_view(at);
}

/// A key on the list of matches; `reveal(i)` shows match `i` in the tree.
pub fn match_key(ctx: Ctx, view: Viewport, ev: KeyboardEvent, reveal: impl Fn(usize)) {
    let (len, cur) = ctx
        .tree
        .with_untracked(|m| (m.search_len(), m.search.as_ref().map_or(0, |s| s.selected)));
    if len == 0 {
        return;
    }
    let cur = cur.min(len - 1);
    let key = ev.key();
    if key == "Enter" {
        ev.prevent_default();
        reveal(cur);
        return;
    }
    let Some(next) = nav_target(&key, cur, len, view.page_rows()) else {
        return;
    };
    ev.prevent_default();
    select_match(ctx, next);
    view.keep_in_view(next);
}
