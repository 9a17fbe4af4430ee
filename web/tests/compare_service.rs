//! Comparing two dumps through two workers' services, natively: each service holds one dump of
//! the growth pair (`tests/fixtures/growth_*`, one JVM, two dumps), the baseline's digest
//! travels as text to the newer dump's service, which compares. What the page shows must be
//! the core's comparison (`heaplens diff`'s) of the same pair, and survive the hand-over.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use heaplens::compare::{compare, digest, Diff};
use heaplens::graph::{build_from_bytes, Dominance};
use heaplens_web::protocol::*;
use heaplens_web::worker::{NullHost, Service};

fn open(name: &str) -> Service {
    let (s, r) = common::open_bytes(
        &fixture(name),
        &format!("{name}.hprof.gz"),
        Default::default(),
    );
    common::opened(r);
    s
}

use common::incident as fixture;

/// The CLI's comparison of the pair (`heaplens diff`: a digest per dump, then `compare`).
fn cli_diff() -> Diff {
    let d = |name: &str| {
        let g = build_from_bytes(&fixture(name)).expect("parses");
        let dom = Dominance::compute(&g);
        digest(&g, &dom, Some(format!("{name}.hprof.gz")))
    };
    compare(&d("growth_base"), &d("growth_new"))
}

fn page(s: &mut Service, q: CompareHistogramQuery) -> CompareHistogramPage {
    s.request::<req::CompareHistogram>(&q).expect("a page")
}

#[test]
fn two_services_compare_as_the_cli_does() {
    let mut base = open("growth_base");
    let mut new = open("growth_new");
    assert!(new
        .request::<req::CompareHistogram>(&CompareHistogramQuery::default())
        .is_err());
    let text = base.request::<req::Digest>(&()).expect("a digest");
    // Compact: the growth pair's digest is a few hundred KiB of JSON at most.
    assert!(text.0.len() < 400_000, "{}", text.0.len());
    let r = new
        .request::<req::Compare>(&CompareParams { baseline: text })
        .expect("compared");
    let cli = cli_diff();
    assert_eq!(r.growth, cli.growth);
    assert_eq!(r.delta, cli.delta);
    assert_eq!(r.threads, cli.threads);
    assert_eq!(r.class_loaders, cli.class_loaders);
    assert_eq!(
        r.growth[0].holder,
        "com.example.growth.GrowthApp$AuditTrail"
    );
    assert_eq!(r.growth[0].holder_path, "pending");
    assert_eq!(r.classes as usize, cli.histogram.len());
    assert_eq!(r.loader_groups as usize, cli.by_loader.len());

    // Pages: every changed class, most grown first, as the CLI orders them.
    let p = page(
        &mut new,
        CompareHistogramQuery {
            sort: DeltaSort::Shallow,
            descending: true,
            limit: 50,
            ..Default::default()
        },
    );
    let changed: Vec<_> = cli
        .histogram
        .iter()
        .filter(|r| r.change != heaplens::compare::Change::Same)
        .collect();
    assert_eq!(p.total_rows as usize, changed.len());
    assert_eq!(p.rows[0].shallow_delta, changed[0].shallow_delta);
    // One class by filter: the CLI's row.
    let p = page(
        &mut new,
        CompareHistogramQuery {
            filter: "GrowthApp$AuditEvent".into(),
            limit: 10,
            ..Default::default()
        },
    );
    let cli_row = cli
        .histogram
        .iter()
        .find(|r| r.class == "com.example.growth.GrowthApp$AuditEvent")
        .unwrap();
    assert_eq!(p.rows, vec![cli_row.clone()]);
    assert_eq!(cli_row.instances_delta, 2000);
    // New classes only, by loader class, regex filter errors.
    let p = page(
        &mut new,
        CompareHistogramQuery {
            change: ChangeFilter::New,
            limit: 1000,
            ..Default::default()
        },
    );
    assert!(p
        .rows
        .iter()
        .all(|r| r.change == heaplens::compare::Change::New && r.instances_base == 0));
    let p = page(
        &mut new,
        CompareHistogramQuery {
            group: Grouping::ClassLoader,
            change: ChangeFilter::All,
            limit: 1000,
            ..Default::default()
        },
    );
    assert_eq!(p.rows.len(), cli.by_loader.len());
    let p = page(
        &mut new,
        CompareHistogramQuery {
            filter: "(".into(),
            regex: true,
            ..Default::default()
        },
    );
    assert!(p.filter_error.is_some() && p.rows.is_empty());

    // The comparison moves with the analysis to a fresh worker.
    let plan = new.prepare_snapshot(&mut NullHost).expect("open");
    let mut bytes = Vec::new();
    new.write_snapshot(&plan, &mut |piece| bytes.extend_from_slice(piece));
    let mut fresh = Service::new();
    let mut src: &[u8] = &bytes;
    fresh
        .request_with::<req::Restore>(&(), Some(&mut src), &mut NullHost)
        .expect("restored");
    let p = page(
        &mut fresh,
        CompareHistogramQuery {
            filter: "GrowthApp$AuditEvent".into(),
            limit: 10,
            ..Default::default()
        },
    );
    assert_eq!(p.rows, vec![cli_row.clone()]);
}

#[test]
fn an_unreadable_digest_is_an_error() {
    let mut s = open("growth_new");
    let r = s.request::<req::Compare>(&CompareParams {
        baseline: DigestText("{\"summary\": 3}".into()),
    });
    assert!(r.unwrap_err().contains("digest is unreadable"));
}
