use heaplens::analysis::*;
use heaplens::graph::*;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let t = std::time::Instant::now();
    let g = build_from_path(std::path::Path::new(&path), |_, _| {}).unwrap();
    let t1 = t.elapsed();
    let d = Dominance::compute(&g);
    let t2 = t.elapsed();
    let s = summarize(&g, &d);
    println!("{:#?}", s);
    println!(
        "build {:?} dom {:?} graph bytes/obj {:.1} dom bytes/obj {:.1}",
        t1,
        t2 - t1,
        g.heap_bytes() as f64 / g.node_count() as f64,
        d.heap_bytes() as f64 / g.node_count() as f64
    );
    let h = histogram(&g, &d);
    for r in h.reachable.iter().take(15) {
        println!(
            "{:>10} {:>12} {:>12} {}",
            r.instances, r.shallow, r.retained, r.name
        );
    }
    println!("top dominators:");
    for &c in d.children(g.super_root()).iter().take(10) {
        println!(
            "  0x{:x} {} shallow {} retained {} ({} objs)",
            g.id(c),
            g.display_class(c),
            g.shallow(c),
            d.retained(c),
            d.retained_count(c)
        );
    }
}
