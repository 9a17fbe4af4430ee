//! The dominator tree's pure model (`ui::tree_model`), natively: fed by the worker's service on
//! a dump a real JVM wrote (retry_buffer), as the page feeds it — expand and collapse, the
//! flattened rows and their treegrid facts, keys, the reveal of a deep search match — and the
//! paging of a node with 100,000 children.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use heaplens_web::protocol::*;
use heaplens_web::ui::tree_model::*;
use heaplens_web::worker::Service;

/// Answer every page of placeholder rows among rows `first..last` from the service, as the
/// page does when they scroll into view.
fn load(s: &mut Service, m: &mut TreeModel, first: usize, last: usize) {
    for (parent, page) in m.claim_pending(first, last) {
        let (q, epoch) = children_query(m, parent, page).unwrap();
        let answer = s.request::<req::Children>(&q).map_err(|e| e.to_string());
        assert!(m.answer(parent, page, epoch, answer));
    }
}

fn id(m: &TreeModel, i: usize) -> &str {
    match m.flat[i] {
        Slot::Node { idx, .. } => &m.nodes[idx as usize].row.object_id,
        Slot::Pending { .. } => panic!("row {i} not loaded"),
    }
}

fn row(m: &TreeModel, i: usize) -> &TreeRow {
    match m.flat[i] {
        Slot::Node { idx, .. } => &m.nodes[idx as usize].row,
        Slot::Pending { .. } => panic!("row {i} not loaded"),
    }
}

/// The first-level answer of the service, for comparison.
fn first_level(s: &mut Service) -> ChildrenPage {
    s.request::<req::Children>(&ChildrenQuery {
        parent: None,
        offset: 0,
        limit: PAGE,
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn expand_collapse_rows_and_keys_on_a_real_dump() {
    let (mut s, _) = common::open_retry_buffer();
    let top = first_level(&mut s);
    assert!(top.total > 1, "{}", top.total);
    let mut m = TreeModel::default();
    m.reset(TreeSort::Retained, top.total);
    // Nothing loaded yet: one placeholder per first-level row.
    assert_eq!(m.flat.len(), top.total as usize);
    assert!(matches!(m.flat[0], Slot::Pending { page: 0, .. }));
    load(&mut s, &mut m, 0, 40);
    assert!(m.claim_pending(0, 40).is_empty(), "each page asked once");
    for (i, r) in top.rows.iter().enumerate().take(40) {
        assert_eq!(row(&m, i), r, "row {i}");
    }
    assert_eq!(
        m.aria(0),
        Some(RowAria {
            level: 1,
            posinset: 1,
            setsize: top.total
        })
    );

    // Expand the largest row that has children: its children follow it, one level down.
    let at = top.rows.iter().position(|r| r.children > 1).unwrap();
    let parent = top.rows[at].clone();
    let Slot::Node { idx, .. } = m.flat[at] else {
        unreachable!()
    };
    assert_eq!(m.key("ArrowRight", at, 10), Some(TreeKey::Expand(idx)));
    m.set_expanded(idx, true);
    assert_eq!(m.flat.len(), (top.total + parent.children) as usize);
    load(&mut s, &mut m, at, at + 1 + parent.children as usize);
    let kids = s
        .request::<req::Children>(&ChildrenQuery {
            parent: Some(parent.object_id.clone()),
            offset: 0,
            limit: PAGE,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(kids.total, parent.children);
    let shown = kids.rows.len().min(PAGE as usize);
    for (k, r) in kids.rows.iter().enumerate().take(shown) {
        assert_eq!(row(&m, at + 1 + k), r);
        let a = m.aria(at + 1 + k).unwrap();
        assert_eq!(
            (a.level, a.posinset, a.setsize),
            (2, k as u32 + 1, kids.total)
        );
        assert_eq!(m.parent_slot(at + 1 + k), Some(at));
    }
    // The row after the children is the next first-level row.
    let next = at + 1 + parent.children as usize;
    if next < m.flat.len() && (at + 1) < top.rows.len() {
        assert_eq!(id(&m, next), top.rows[at + 1].object_id);
        assert_eq!(m.aria(next).unwrap().posinset, at as u32 + 2);
    }

    // Keys: → on an expanded row steps in, ← on a child steps out, ← on the expanded row
    // collapses it, Enter opens the object, Home/End/PgDn move.
    assert_eq!(m.key("ArrowRight", at, 10), Some(TreeKey::Select(at + 1)));
    let child_leaf = (at + 1..at + 1 + shown)
        .find(|&i| row(&m, i).children == 0)
        .unwrap();
    assert_eq!(
        m.key("ArrowLeft", child_leaf, 10),
        Some(TreeKey::Select(at))
    );
    assert_eq!(m.key("ArrowRight", child_leaf, 10), None, "a leaf");
    assert_eq!(m.key("ArrowLeft", at, 10), Some(TreeKey::Collapse(idx)));
    assert_eq!(
        m.key("Enter", at, 10),
        Some(TreeKey::Open(parent.object_id.clone()))
    );
    let len = m.flat.len();
    assert_eq!(m.key("End", 0, 10), Some(TreeKey::Select(len - 1)));
    assert_eq!(m.key("Home", 7, 10), Some(TreeKey::Select(0)));
    assert_eq!(m.key("PageDown", 0, 10), Some(TreeKey::Select(10)));
    assert_eq!(m.key("ArrowUp", 0, 10), Some(TreeKey::Select(0)));
    assert_eq!(m.key("x", 0, 10), None);

    // Drawn rows' keys change with what they show: expanded state, loaded or not.
    let before = m.row_keys(at, at + 2);
    assert!(before[0].expanded);
    m.set_expanded(idx, false);
    assert_eq!(m.flat.len(), top.total as usize);
    let after = m.row_keys(at, at + 2);
    assert!(!after[0].expanded);
    assert_ne!(
        before[1], after[1],
        "row at+1 now shows the next first-level row"
    );

    // Another sort starts over at the first level, in a new epoch (older answers dropped).
    let (q, old) = children_query(&mut m, ROOT, 0).unwrap();
    m.reset(TreeSort::Class, top.total);
    let stale = s.request::<req::Children>(&q).map_err(|e| e.to_string());
    assert!(!m.answer(ROOT, 0, old, stale), "an answer for the old sort");
    assert!(matches!(m.flat[0], Slot::Pending { .. }));
    load(&mut s, &mut m, 0, 3);
    let names: Vec<&str> = (0..3).map(|i| row(&m, i).class.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "class order");
}

#[test]
fn a_deep_search_match_is_revealed_level_by_level() {
    let (mut s, _) = common::open_retry_buffer();
    let top = first_level(&mut s);
    let mut m = TreeModel::default();
    m.reset(TreeSort::Retained, top.total);
    // Find ResultBatch (never a first-level row in this dump) through the model's search.
    assert!(m.start_search("ResultBatch"));
    assert!(
        !m.start_search(" ResultBatch "),
        "the same search only shows"
    );
    let asks = m.claim_matches(0, 60);
    assert_eq!(
        asks.len(),
        1,
        "only the first page while the count is unknown"
    );
    let (q, epoch) = asks[0].clone();
    let page = s.request::<req::TreeSearch>(&q).map_err(|e| e.to_string());
    m.answer_matches(epoch, q.offset, page);
    let (total, listed, classes) = m.search.as_ref().unwrap().counts.unwrap();
    assert!(
        total > 50 && listed == total && classes == 1,
        "{total} {listed}"
    );
    assert_eq!(m.search_len(), total as usize);
    // The 50th largest: its path goes down a few levels, beyond its parents' first pages or not.
    let hit = m.search_row(49).unwrap().clone();
    assert_eq!(hit.row.class, "com.example.retry.ResultBatch");
    assert!(
        hit.depth >= 2 && hit.path.len() == hit.depth as usize + 1,
        "{hit:?}"
    );

    // Reveal: fetch each level's page, expand, go on (as the page does).
    let mut parent = ROOT;
    let mut fetches = 0;
    for (k, step) in hit.path.iter().enumerate() {
        let idx = loop {
            match m.reveal_step(parent, step) {
                RevealStep::At(idx) => break idx,
                RevealStep::Fetch(page) => {
                    assert_eq!(page, step.index / PAGE);
                    let (q, epoch) = children_query(&mut m, parent, page).unwrap();
                    let a = s.request::<req::Children>(&q).map_err(|e| e.to_string());
                    assert!(m.answer(parent, page, epoch, a));
                    fetches += 1;
                }
                RevealStep::Missing => panic!("step {k} {step:?} missing"),
            }
        };
        if k + 1 < hit.path.len() {
            m.set_expanded(idx, true);
        }
        parent = idx;
    }
    assert_eq!(fetches, hit.path.len(), "one page per level");
    let at = m.row_of(parent).unwrap();
    assert_eq!(id(&m, at), hit.row.object_id);
    let a = m.aria(at).unwrap();
    assert_eq!(a.level, hit.depth + 1);
    assert_eq!(a.posinset, hit.path.last().unwrap().index + 1);
    // Its parent row is the previous step's object, one level up.
    let up = m.parent_slot(at).unwrap();
    assert_eq!(id(&m, up), hit.path[hit.path.len() - 2].object_id);
    // A new pattern drops the old list; an empty one goes back to the tree.
    assert!(m.start_search("NoSuchClassAnywhere"));
    m.answer_matches(epoch, 0, Err("late".into()));
    assert_eq!(
        m.search.as_ref().unwrap().counts,
        None,
        "the old answer is dropped"
    );
    assert!(!m.start_search(""));
    assert!(!m.showing_search() && m.search.is_none());
}

fn synthetic(id: u32, children: u32) -> TreeRow {
    TreeRow {
        object_id: format!("0x{id:x}"),
        class: "com.x.Item".into(),
        shallow: 16,
        retained: 16 * (children as u64 + 1),
        pct: 0.0,
        children,
        label: None,
    }
}

#[test]
fn a_node_with_100000_children_is_paged() {
    const N: u32 = 100_000;
    let mut m = TreeModel::default();
    m.reset(TreeSort::Retained, 1);
    let wanted = m.claim_pending(0, 50);
    assert_eq!(wanted, [(ROOT, 0)]);
    let (_, epoch) = children_query(&mut m, ROOT, 0).unwrap();
    let top = ChildrenPage {
        query: Default::default(),
        total: 1,
        rows: vec![synthetic(1, N)],
    };
    assert!(m.answer(ROOT, 0, epoch, Ok(top)));
    let Slot::Node { idx: array, .. } = m.flat[0] else {
        unreachable!()
    };
    m.set_expanded(array, true);
    // 100,000 placeholders in 500 pages: nothing asked but the pages in view.
    assert_eq!(m.flat.len(), N as usize + 1);
    assert_eq!(m.claim_pending(0, 60), [(array, 0)]);
    // Scrolled to the very end: only the last page is asked.
    let len = m.flat.len();
    let last_page = (N - 1) / PAGE;
    assert_eq!(m.claim_pending(len - 40, len), [(array, last_page)]);
    let (q, epoch) = children_query(&mut m, array, last_page).unwrap();
    assert_eq!(
        (q.offset, q.limit, q.parent.as_deref()),
        (last_page * PAGE, PAGE, Some("0x1"))
    );
    let rows = (q.offset..N).map(|i| synthetic(1_000 + i, 0)).collect();
    let answer = ChildrenPage {
        query: q.clone(),
        total: N,
        rows,
    };
    assert!(m.answer(array, last_page, epoch, Ok(answer)));
    let a = m.aria(len - 1).unwrap();
    assert_eq!((a.level, a.posinset, a.setsize), (2, N, N));
    assert_eq!(id(&m, len - 1), format!("0x{:x}", 1_000 + N - 1));
    assert!(matches!(
        m.flat[len - 1 - PAGE as usize],
        Slot::Pending { .. }
    ));
    // A failed page may be asked again when it comes into view again.
    assert_eq!(
        m.claim_pending(len - 300, len - 250),
        [(array, last_page - 1)]
    );
    assert!(!m.answer(array, last_page - 1, epoch, Err("worker busy".into())));
    assert_eq!(
        m.claim_pending(len - 300, len - 250),
        [(array, last_page - 1)]
    );
    // The drawn keys of a window are the window's rows, the last one loaded.
    let keys = m.row_keys(len - 16, len + 10);
    assert_eq!(keys.len(), 16);
    assert_eq!(keys.last().unwrap().aria.posinset, N);
    assert_eq!(m.key("End", 0, 20), Some(TreeKey::Select(len - 1)));
}

#[test]
fn a_chain_20000_deep_flattens_without_recursion() {
    let mut m = TreeModel::default();
    m.reset(TreeSort::Retained, 1);
    let mut parent = ROOT;
    for level in 0..20_000u32 {
        let (q, _) = children_query(&mut m, parent, 0).unwrap();
        let page = ChildrenPage {
            query: q,
            total: 1,
            rows: vec![synthetic(level, 1)],
        };
        // (`fill` without flattening at each level: one flatten at the end.)
        m.fill(parent, 0, page);
        parent = m.find_child(parent, 0, &format!("0x{level:x}")).unwrap();
        m.nodes[parent as usize].expanded = true;
        m.nodes[parent as usize].kids = Some(Kids {
            total: 1,
            ..Default::default()
        });
    }
    m.flatten();
    assert_eq!(
        m.flat.len(),
        20_001,
        "20,000 levels and the last one's placeholder"
    );
    assert_eq!(m.aria(19_999).unwrap().level, 20_000);
    assert_eq!(m.parent_slot(19_999), Some(19_998));
    m.selected = 19_999;
    m.reset(TreeSort::Class, 3);
    assert_eq!((m.flat.len(), m.sort, m.selected), (3, TreeSort::Class, 0));
}
