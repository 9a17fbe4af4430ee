//! The page's one formatting module (`ui::format`): the values the views print, checked
//! natively (the views themselves only run in a browser).

use heaplens_web::ui::format::*;

#[test]
fn offsets_memory_and_tooltip_percentages() {
    assert_eq!(byte_offset(1234), "1,234 (0x4d2)");
    assert_eq!(byte_offset(0), "0 (0x0)");
    // A wasm32 worker's limit and a need of 5.5 GiB.
    assert_eq!(gib(4 << 30), "4.0 GiB");
    assert_eq!(gib((11u64 << 30) / 2), "5.5 GiB");
    // Rounded up: a worker that grew one byte past 1 GiB shows 1,025 MiB.
    assert_eq!(mib_up(1 << 30), "1,024 MiB");
    assert_eq!(mib_up((1 << 30) + 1), "1,025 MiB");
    assert_eq!(mib_up(0), "0 MiB");
    assert_eq!(pct_precise(12.3456), "12.35%");
    assert_eq!(pct_precise(0.0), "0.00%");
    assert_eq!(pct_whole(41.6), "42%");
    assert_eq!(pct_whole(100.0), "100%");
}
