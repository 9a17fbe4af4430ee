//! Issue 12, names stored once at the class level: 2,000 classes whose LOAD CLASS records all
//! point at one 1 MiB UTF8 name (a ~30 KB `.gz`). Copying the name per class asked for 2 GiB;
//! the build must end in an analysis within the 10 s and 512 MiB.

#[path = "hostile_support/class_names.rs"]
mod class_names;
#[path = "hostile_support/measure.rs"]
mod measure;

use measure::{analyze, assert_bounded, End};

#[global_allocator]
static ALLOC: measure::Counting = measure::Counting;

#[test]
fn one_huge_class_name_is_stored_once() {
    let classes = std::env::var("HOSTILE_CLASSES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let bytes = class_names::one_name_many_classes(classes, 1 << 20);
    eprintln!("{classes} classes, one 1 MiB name: {} bytes", bytes.len());
    let m = analyze(&bytes);
    assert_bounded("one huge class name", &m);
    match m.end {
        End::Analysis { objects, .. } => {
            assert_eq!(objects, 2 * classes, "instances and class objects")
        }
        e => panic!("{e:?}"),
    }
}
