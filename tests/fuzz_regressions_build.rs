//! Replays every input on which the `graph_build`, `analyze` or `snapshot` fuzz targets once
//! failed (`tests/fixtures/fuzz-regressions/<target>/*.bin`, see fuzz/README.md), doing what the
//! target does (the targets' own code, included by path): no panic, and the analysis of a
//! restored snapshot reports what the original did.

#[path = "../fuzz/fuzz_targets/common/drive.rs"]
mod drive;
#[path = "../fuzz/fuzz_targets/common/gen.rs"]
mod gen;

use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz-regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

#[test]
fn graph_build_regressions_replay() {
    for (path, data) in inputs("graph_build") {
        eprintln!("{}", path.display());
        let dump = gen::dump(&data);
        let chunk = 1 + data.get(1).copied().unwrap_or(0) as usize * 7;
        let _ = drive::build(&dump, chunk);
    }
}

#[test]
fn analyze_regressions_replay() {
    for (path, data) in inputs("analyze") {
        eprintln!("{}", path.display());
        if let Some(g) = drive::build(&gen::dump(&data), 1 << 16) {
            drive::analyze(&g);
        }
    }
}

#[test]
fn snapshot_regressions_replay() {
    for (path, data) in inputs("snapshot") {
        eprintln!("{}", path.display());
        let mut at = 0usize;
        let r = heaplens::graph::read_snapshot(&mut |buf| {
            let end = at + buf.len();
            if end > data.len() {
                return Err("end of input".into());
            }
            buf.copy_from_slice(&data[at..end]);
            at = end;
            Ok(())
        });
        if let Err(e) = r {
            drop(e.to_string());
        }
    }
}

/// The generator itself: a few fixed inputs build and analyse (a smoke test of the fuzz
/// targets' code, which is otherwise built only by cargo-fuzz).
#[test]
fn generated_dumps_build_and_analyze() {
    let mut x = 0x1234_5678_9abc_def0u64;
    for len in [0usize, 1, 17, 200, 1000, 4000] {
        let data: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let dump = gen::dump(&data);
        match drive::build(&dump, 333) {
            Some(g) => {
                eprintln!("{len} bytes: {} nodes", g.node_count());
                drive::analyze(&g);
            }
            None => eprintln!(
                "{len} bytes: {:?}",
                heaplens::graph::build_from_bytes(&dump).err()
            ),
        }
    }
}

/// Seeds for the `snapshot` target: snapshots of the graphs of small generated dumps and of
/// one real incident dump. `cargo test --test fuzz_regressions_build -- --ignored
/// write_snapshot_seed_corpus`.
#[test]
#[ignore = "writes files"]
fn write_snapshot_seed_corpus() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/snapshot");
    std::fs::create_dir_all(&dir).unwrap();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for (i, len) in [50usize, 300, 1000, 3000].into_iter().enumerate() {
        let data: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let Some(g) = drive::build(&gen::dump(&data), 1 << 16) else {
            continue;
        };
        let d = heaplens::graph::Dominance::compute(&g);
        let mut snap = Vec::new();
        heaplens::graph::write_snapshot(&g, &d, b"", &mut |p| snap.extend_from_slice(p));
        std::fs::write(dir.join(format!("generated-{i}.snap")), snap).unwrap();
    }
}
