//! Dominator tree and retained sizes against a brute-force reference.

use heaplens::graph::dominators::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------------------------
// Brute-force reference
// ---------------------------------------------------------------------------------------------

fn adjacency(n: usize, edges: &[(u32, u32)]) -> Vec<Vec<u32>> {
    let mut adj = vec![Vec::new(); n];
    for &(s, t) in edges {
        adj[s as usize].push(t);
    }
    adj
}

/// Nodes reachable from `root` in the graph with `removed` deleted.
fn reachable_without(adj: &[Vec<u32>], root: u32, removed: Option<u32>) -> Vec<bool> {
    let mut seen = vec![false; adj.len()];
    if removed == Some(root) {
        return seen;
    }
    let mut queue = vec![root];
    seen[root as usize] = true;
    while let Some(u) = queue.pop() {
        for &w in &adj[u as usize] {
            if Some(w) != removed && !seen[w as usize] {
                seen[w as usize] = true;
                queue.push(w);
            }
        }
    }
    seen
}

struct Reference {
    n: usize,
    reachable: Vec<bool>,
    /// dom[d * n + v]: d dominates v (reflexive, only for reachable v).
    dom: Vec<bool>,
    idom: Vec<u32>,
}

impl Reference {
    fn new(n: usize, edges: &[(u32, u32)], root: u32) -> Self {
        let adj = adjacency(n, edges);
        let reachable = reachable_without(&adj, root, None);
        let mut dom = vec![false; n * n];
        for d in 0..n {
            if !reachable[d] {
                continue;
            }
            let without = reachable_without(&adj, root, Some(d as u32));
            for v in 0..n {
                if reachable[v] && (v == d || !without[v]) {
                    dom[d * n + v] = true;
                }
            }
        }
        let mut idom = vec![NO_IDX; n];
        for v in 0..n {
            if !reachable[v] {
                continue;
            }
            if v == root as usize {
                idom[v] = root;
                continue;
            }
            let strict: Vec<usize> = (0..n).filter(|&d| d != v && dom[d * n + v]).collect();
            // The strict dominator dominated by all the other strict dominators.
            let cands: Vec<usize> = strict
                .iter()
                .copied()
                .filter(|&c| strict.iter().all(|&d| dom[d * n + c]))
                .collect();
            assert_eq!(
                cands.len(),
                1,
                "reference: strict dominators of {v} are not a chain"
            );
            idom[v] = cands[0] as u32;
        }
        Reference {
            n,
            reachable,
            dom,
            idom,
        }
    }

    fn retained(&self, shallow: &[u64]) -> (Vec<u64>, Vec<u32>) {
        let n = self.n;
        let mut bytes = vec![0u64; n];
        let mut objects = vec![0u32; n];
        for d in 0..n {
            for (v, &size) in shallow.iter().enumerate().take(n) {
                if self.dom[d * n + v] {
                    bytes[d] += size;
                    objects[d] += 1;
                }
            }
        }
        (bytes, objects)
    }
}

/// Recursive DFS preorder, successors in edge order (fine for the small reference graphs).
fn dfs_preorder(adj: &[Vec<u32>], root: u32) -> Vec<u32> {
    fn go(adj: &[Vec<u32>], u: u32, seen: &mut [bool], out: &mut Vec<u32>) {
        seen[u as usize] = true;
        out.push(u);
        for &w in &adj[u as usize] {
            if !seen[w as usize] {
                go(adj, w, seen, out);
            }
        }
    }
    let mut seen = vec![false; adj.len()];
    let mut out = Vec::new();
    go(adj, root, &mut seen, &mut out);
    out
}

/// Checks `compute`, `children_csr` and `retained_sizes` against the reference.
fn check(n: usize, edges: &[(u32, u32)], root: u32, shallow: &[u64]) -> Result<(), TestCaseError> {
    let g = CsrGraph::from_edges(n, edges);
    prop_assert_eq!(g.node_count(), n);
    let t = compute(&g, root);
    let r = Reference::new(n, edges, root);

    prop_assert_eq!(&t.idom, &r.idom, "idom (root {}, edges {:?})", root, edges);

    // Reachability.
    let reach_count = r.reachable.iter().filter(|&&b| b).count();
    prop_assert_eq!(t.reachable_count(), reach_count);
    for v in 0..n {
        prop_assert_eq!(t.is_reachable(v as u32), r.reachable[v]);
    }
    prop_assert!(!t.is_reachable(n as u32));

    // Preorder: exactly the reachable nodes, root first, every idom before its node, and it is
    // the DFS preorder visiting successors in edge order.
    prop_assert_eq!(t.preorder.len(), reach_count);
    prop_assert_eq!(t.preorder[0], root);
    let mut pos = vec![usize::MAX; n];
    for (i, &v) in t.preorder.iter().enumerate() {
        prop_assert!(r.reachable[v as usize]);
        prop_assert_eq!(pos[v as usize], usize::MAX, "node {} twice in preorder", v);
        pos[v as usize] = i;
    }
    for &v in &t.preorder[1..] {
        prop_assert!(pos[t.idom[v as usize] as usize] < pos[v as usize]);
    }
    prop_assert_eq!(&t.preorder, &dfs_preorder(&adjacency(n, edges), root));

    // Children CSR: sorted children of each node.
    let (offs, children) = t.children_csr();
    prop_assert_eq!(offs.len(), n + 1);
    prop_assert_eq!(offs[n] as usize, children.len());
    for d in 0..n {
        let got = &children[offs[d] as usize..offs[d + 1] as usize];
        let want: Vec<u32> = (0..n as u32)
            .filter(|&v| v != root && r.idom[v as usize] == d as u32)
            .collect();
        prop_assert_eq!(got, &want[..], "children of {}", d);
    }

    // Retained sizes and counts.
    let (bytes, objects) = retained_sizes(&t, |v| shallow[v as usize]);
    let (want_bytes, want_objects) = r.retained(shallow);
    prop_assert_eq!(bytes, want_bytes);
    prop_assert_eq!(objects, want_objects);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Random graphs
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Case {
    n: usize,
    edges: Vec<(u32, u32)>,
    root: u32,
    shallow: Vec<u64>,
}

/// 1–40 nodes, random edges (cycles, self-loops, duplicates, unreachable parts). With
/// `super_root`, an extra node is the root with edges to a random subset, like the virtual root
/// above the GC roots of a heap.
fn small_graph(super_root: bool) -> impl Strategy<Value = Case> {
    (1usize..=40)
        .prop_flat_map(move |n| {
            let m = n as u32;
            (
                Just(n),
                prop::collection::vec((0..m, 0..m), 0..=4 * n),
                0..m,
                prop::collection::vec(0u64..1_000_000, n + 1),
                prop::collection::vec(any::<bool>(), n),
            )
        })
        .prop_map(move |(n, mut edges, root, shallow, mask)| {
            if super_root {
                let sr = n as u32;
                for (v, &m) in mask.iter().enumerate() {
                    if m {
                        edges.push((sr, v as u32));
                    }
                }
                if mask.iter().all(|&m| !m) {
                    edges.push((sr, root)); // at least one "GC root"
                }
                edges.push((sr, root)); // a duplicate super-root edge
                Case {
                    n: n + 1,
                    edges,
                    root: sr,
                    shallow,
                }
            } else {
                let mut shallow = shallow;
                shallow.truncate(n);
                Case {
                    n,
                    edges,
                    root,
                    shallow,
                }
            }
        })
}

/// Medium graphs with mostly local edges: deep DFS trees and long compression paths.
fn deep_graph() -> impl Strategy<Value = Case> {
    (50usize..=300)
        .prop_flat_map(|n| {
            (
                Just(n),
                prop::collection::vec((0..n, -6i64..=12), n..=3 * n),
                prop::collection::vec((0..n as u32, 0..n as u32), 0..=n / 10),
                prop::collection::vec(0u64..10_000, n),
            )
        })
        .prop_map(|(n, local, far, shallow)| {
            let mut edges: Vec<(u32, u32)> = local
                .into_iter()
                .map(|(s, d)| (s as u32, (s as i64 + d).rem_euclid(n as i64) as u32))
                .collect();
            edges.extend(far);
            // A spine from the root keeps most of the graph reachable.
            edges.extend((0..n as u32 - 1).filter(|v| v % 7 != 3).map(|v| (v, v + 1)));
            Case {
                n,
                edges,
                root: 0,
                shallow,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    #[test]
    fn random_small_graphs(case in small_graph(false)) {
        check(case.n, &case.edges, case.root, &case.shallow)?;
    }

    #[test]
    fn random_small_graphs_with_super_root(case in small_graph(true)) {
        check(case.n, &case.edges, case.root, &case.shallow)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_deep_graphs(case in deep_graph()) {
        check(case.n, &case.edges, case.root, &case.shallow)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Hand cases
// ---------------------------------------------------------------------------------------------

/// Figure 1 of Lengauer & Tarjan, "A fast algorithm for finding dominators in a flowgraph"
/// (1979), with the immediate dominators given there.
#[test]
fn lengauer_tarjan_paper_example() {
    const NAMES: [&str; 13] = [
        "R", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L",
    ];
    let id = |s: &str| NAMES.iter().position(|&x| x == s).unwrap() as u32;
    let adj: &[(&str, &[&str])] = &[
        ("R", &["A", "B", "C"]),
        ("A", &["D"]),
        ("B", &["A", "D", "E"]),
        ("C", &["F", "G"]),
        ("D", &["L"]),
        ("E", &["H"]),
        ("F", &["I"]),
        ("G", &["I", "J"]),
        ("H", &["E", "K"]),
        ("I", &["K"]),
        ("J", &["I"]),
        ("K", &["I", "R"]),
        ("L", &["H"]),
    ];
    let edges: Vec<(u32, u32)> = adj
        .iter()
        .flat_map(|&(s, ts)| ts.iter().map(move |&t| (id(s), id(t))))
        .collect();
    let t = compute(&CsrGraph::from_edges(13, &edges), id("R"));
    let expected = [
        ("R", "R"),
        ("A", "R"),
        ("B", "R"),
        ("C", "R"),
        ("D", "R"),
        ("E", "R"),
        ("F", "C"),
        ("G", "C"),
        ("H", "R"),
        ("I", "R"),
        ("J", "G"),
        ("K", "R"),
        ("L", "D"),
    ];
    for (v, d) in expected {
        assert_eq!(NAMES[t.idom[id(v) as usize] as usize], d, "idom({v})");
    }
    let shallow: Vec<u64> = (1..=13).collect();
    check(13, &edges, id("R"), &shallow).unwrap();
    let (bytes, objects) = retained_sizes(&t, |v| shallow[v as usize]);
    assert_eq!(bytes[id("R") as usize], (1..=13).sum::<u64>());
    assert_eq!(objects[id("C") as usize], 4); // C, F, G, J
    assert_eq!(
        bytes[id("C") as usize],
        shallow[3] + shallow[6] + shallow[7] + shallow[10]
    );
}

#[test]
fn diamond() {
    //   0
    //  / \
    // 1   2
    //  \ /
    //   3 -> 4
    let edges = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)];
    let t = compute(&CsrGraph::from_edges(5, &edges), 0);
    assert_eq!(t.idom, vec![0, 0, 0, 0, 3]);
    assert_eq!(t.preorder, vec![0, 1, 3, 4, 2]);
    let (bytes, objects) = retained_sizes(&t, |v| 10 * (v as u64 + 1));
    assert_eq!(bytes, vec![150, 20, 30, 90, 50]);
    assert_eq!(objects, vec![5, 1, 1, 2, 1]);
    let (offs, children) = t.children_csr();
    assert_eq!(offs, vec![0, 3, 3, 3, 4, 4]);
    assert_eq!(children, vec![1, 2, 3, 4]);
    check(5, &edges, 0, &[10, 20, 30, 40, 50]).unwrap();
}

#[test]
fn single_node_unreachable_parts_and_self_loops() {
    let t = compute(&CsrGraph::from_edges(1, &[]), 0);
    assert_eq!(t.idom, vec![0]);
    assert_eq!(t.preorder, vec![0]);
    assert_eq!(retained_sizes(&t, |_| 7), (vec![7], vec![1]));

    let t = compute(&CsrGraph::from_edges(1, &[(0, 0), (0, 0)]), 0);
    assert_eq!(t.idom, vec![0]);

    // Root 2; 0 and 1 point into the reachable part but are not reachable themselves.
    let edges = [(0, 1), (1, 2), (2, 3), (3, 3), (3, 2), (1, 4)];
    let t = compute(&CsrGraph::from_edges(5, &edges), 2);
    assert_eq!(t.idom, vec![NO_IDX, NO_IDX, 2, 2, NO_IDX]);
    assert_eq!(t.reachable_count(), 2);
    assert!(!t.is_reachable(0) && t.is_reachable(3) && !t.is_reachable(99));
    let (bytes, objects) = retained_sizes(&t, |_| 5);
    assert_eq!(bytes, vec![0, 0, 10, 5, 0]);
    assert_eq!(objects, vec![0, 0, 2, 1, 0]);
    check(5, &edges, 2, &[1, 2, 3, 4, 5]).unwrap();
}

#[test]
#[should_panic(expected = "out of range")]
fn root_out_of_range_panics() {
    compute(&CsrGraph::from_edges(3, &[(0, 1)]), 3);
}

/// An implicit graph, to exercise `compute` over a non-CSR `Successors`: the chain
/// 0 -> 1 -> ... -> n-1, optionally with a back edge from the tail to node 1.
struct Chain {
    n: usize,
    back_edge: bool,
}

impl Successors for Chain {
    fn node_count(&self) -> usize {
        self.n
    }
    fn for_each_successor<F: FnMut(u32)>(&self, node: u32, mut f: F) {
        if (node as usize) + 1 < self.n {
            f(node + 1);
        } else if self.back_edge {
            f(1);
        }
    }
}

const CHAIN: usize = 2_000_000;

fn check_chain(t: &DominatorTree) {
    assert_eq!(t.reachable_count(), CHAIN);
    assert_eq!(t.idom[0], 0);
    assert!(t.idom[1..].iter().enumerate().all(|(i, &d)| d == i as u32));
    assert!(t.preorder.iter().enumerate().all(|(i, &v)| v == i as u32));
    let (bytes, objects) = retained_sizes(t, |v| v as u64 % 3);
    let total: u64 = (0..CHAIN as u64).map(|v| v % 3).sum();
    assert_eq!(bytes[0], total);
    assert_eq!(bytes[1], total);
    assert_eq!(bytes[CHAIN - 1], (CHAIN as u64 - 1) % 3);
    assert!(objects
        .iter()
        .enumerate()
        .all(|(i, &c)| c as usize == CHAIN - i));
}

#[test]
fn long_chain_no_stack_overflow() {
    let t = compute(
        &Chain {
            n: CHAIN,
            back_edge: false,
        },
        0,
    );
    check_chain(&t);
}

#[test]
fn long_chain_with_back_edge_long_compression_path() {
    // Node 1's predecessors are 0 and the tail: its eval walks (and compresses) a path of
    // two million linked nodes.
    let t = compute(
        &Chain {
            n: CHAIN,
            back_edge: true,
        },
        0,
    );
    check_chain(&t);
    let (offs, children) = t.children_csr();
    assert_eq!(children.len(), CHAIN - 1);
    assert_eq!(&offs[..3], &[0, 1, 2]);
}

#[test]
fn large_star() {
    const N: u32 = 1_000_000;
    // Root 0 points at everything (twice, to exercise duplicates); every leaf also points
    // back at the root and at its neighbour, which must not change any dominator.
    let mut edges: Vec<(u32, u32)> = (1..N).map(|v| (0, v)).collect();
    edges.extend((1..N).map(|v| (0, v)));
    edges.extend((1..N).map(|v| (v, 0)));
    edges.extend((1..N - 1).map(|v| (v, v + 1)));
    let t = compute(&CsrGraph::from_edges(N as usize, &edges), 0);
    assert_eq!(t.reachable_count(), N as usize);
    assert!(t.idom.iter().all(|&d| d == 0));
    let (bytes, objects) = retained_sizes(&t, |_| 16);
    assert_eq!(bytes[0], 16 * N as u64);
    assert_eq!(objects[0], N);
    assert!(bytes[1..].iter().all(|&b| b == 16));
    let (offs, children) = t.children_csr();
    assert_eq!(offs[1] as usize, N as usize - 1);
    assert!(children.iter().enumerate().all(|(i, &c)| c == i as u32 + 1));
}

#[test]
fn csr_from_edges_keeps_edge_order() {
    let g = CsrGraph::from_edges(4, &[(2, 1), (0, 3), (2, 0), (0, 1), (2, 1)]);
    assert_eq!(g.offsets, vec![0, 2, 2, 5, 5]);
    assert_eq!(g.targets, vec![3, 1, 1, 0, 1]);
    let mut succ = Vec::new();
    g.for_each_successor(2, |w| succ.push(w));
    assert_eq!(succ, vec![1, 0, 1]);
}

/// Throughput check on a heap-like random graph (not run by default):
/// `cargo test --release --test dominators -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_random_heap_like_graph() {
    const N: u32 = 10_000_000;
    // xorshift: ~3 references per object, mostly to nearby (recently allocated) objects, some
    // far; node 0 is a super-root over 1% of the nodes.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut edges = Vec::with_capacity(3 * N as usize + N as usize / 100);
    for v in 1..N {
        for _ in 0..3 {
            let r = next();
            let t = if r % 4 == 0 {
                (r >> 8) % N as u64
            } else {
                (v as u64 + (r >> 8) % 64) % N as u64
            };
            edges.push((v, t as u32));
        }
        if next() % 100 == 0 {
            edges.push((0, v));
        }
    }
    let g = CsrGraph::from_edges(N as usize, &edges);
    drop(edges);
    let start = std::time::Instant::now();
    let t = compute(&g, 0);
    let dom_time = start.elapsed();
    let (bytes, _) = retained_sizes(&t, |_| 16);
    eprintln!(
        "{} nodes, {} edges, {} reachable: compute {:?}, retained {:?}, root retains {}",
        N,
        g.targets.len(),
        t.reachable_count(),
        dom_time,
        start.elapsed() - dom_time,
        bytes[0]
    );
}
