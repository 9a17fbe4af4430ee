//! The dominator tree's round trips to the worker: the pages of children whose placeholder
//! rows came into view, the pages of search matches, and the reveal of a match (the page of
//! each ancestor fetched and the ancestor expanded, one level after another). Each answer
//! goes into the model (`ctx.tree`), whose signal redraws what changed.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::protocol::*;

use super::super::state::Ctx;
use super::super::tree_model::*;

/// Fetch one page of children of `parent` and store it; false if it failed or is stale.
pub async fn fetch_children(ctx: Ctx, parent: u32, page: u32) -> bool {
    // Marking the page asked changes nothing on screen: no redraw.
    let Some((query, epoch)) = ctx
        .tree
        .try_update_untracked(|m| children_query(m, parent, page))
        .flatten()
    else {
        return false;
    };
    let answer = ctx.call::<req::Children>(query).await;
    ctx.tree
        .try_update(|m| m.answer(parent, page, epoch, answer))
        .unwrap_or(false)
}

/// Fetch the pages of the placeholder rows among rows `first..last` not asked for yet.
pub fn load_pending(ctx: Ctx, first: usize, last: usize) {
    let wanted = ctx
        .tree
        .try_update_untracked(|m| m.claim_pending(first, last))
        .unwrap_or_default();
    for (parent, page) in wanted {
        spawn_local(async move {
            fetch_children(ctx, parent, page).await;
        });
    }
}

/// Fetch the pages of search matches `first..last` not asked for yet.
pub fn load_matches(ctx: Ctx, first: usize, last: usize) {
    let asks = ctx
        .tree
        .try_update_untracked(|m| m.claim_matches(first, last))
        .unwrap_or_default();
    for (query, epoch) in asks {
        spawn_local(async move {
            let offset = query.offset;
            let answer = ctx.call::<req::TreeSearch>(query).await;
            ctx.tree
                .try_update(|m| m.answer_matches(epoch, offset, answer));
        });
    }
}

/// Expand the tree down to a search match: fetch the page of each ancestor (the path says
/// where each is among its siblings, in retained order), expand it, go on. Returns the
/// match's row in the flattened tree (`None`: re-sorted meanwhile, or not found).
pub async fn reveal_path(ctx: Ctx, hit: &TreeSearchRow, root_children: u32) -> Option<usize> {
    ctx.tree.try_update(|m| {
        m.show_search = false;
        // The path's positions are in retained order.
        if m.sort != TreeSort::Retained {
            m.reset(TreeSort::Retained, root_children);
        }
    })?;
    let epoch = ctx.tree.try_with_untracked(|m| m.epoch)?;
    let mut parent = ROOT;
    for (k, step) in hit.path.iter().enumerate() {
        // At most one fetch per level: a page stored then missing the node ends the reveal.
        let mut fetched = false;
        let idx = loop {
            let (now, next) = ctx
                .tree
                .try_with_untracked(|m| (m.epoch, m.reveal_step(parent, step)))?;
            if now != epoch {
                return None;
            }
            match next {
                RevealStep::At(idx) => break idx,
                RevealStep::Fetch(page) if !fetched => {
                    fetched = true;
                    if !fetch_children(ctx, parent, page).await {
                        return None;
                    }
                }
                RevealStep::Fetch(_) | RevealStep::Missing => return None,
            }
        };
        if k + 1 < hit.path.len() {
            ctx.tree.try_update(|m| m.set_expanded(idx, true))?;
        }
        parent = idx;
    }
    ctx.tree.try_with_untracked(|m| m.row_of(parent)).flatten()
}
