//! A crafted dump for issue 12's "names stored once" rule at the class level: many LOAD CLASS
//! records (and their CLASS DUMPs and one instance each) that all name their class with one
//! huge UTF8 record. Copying the name per class asks for `classes × name` bytes from a file of
//! a few hundred KB. Shared by the native test (`tests/hostile_class_names.rs`) and the
//! worker's (`web/tests/hostile_build_layer.rs`), included by path: only `heaplens` and std.
#![allow(dead_code)]

use heaplens_hprof_writer::{self as w, ClassDump, HprofWriter};

/// `classes` classes named by one UTF8 record of `name_len` bytes (`com/example/Big…`), one
/// instance of each, every instance a GC root; gzip-compressed (the name compresses to ~1 KB).
pub fn one_name_many_classes(classes: usize, name_len: usize) -> Vec<u8> {
    let mut wr = HprofWriter::new("1.0.2", 8, 0);
    let mut name = b"com/example/Big".to_vec();
    name.resize(name_len.max(name.len()), b'x');
    wr.utf8(0x10, name);
    for i in 0..classes as u64 {
        wr.load_class(i as u32 + 1, 0x10_0000 + i * 16, 0, 0x10);
    }
    for i in 0..classes as u64 {
        wr.class_dump(&ClassDump {
            class_id: 0x10_0000 + i * 16,
            instance_size: 0,
            ..Default::default()
        });
    }
    for i in 0..classes as u64 {
        let obj = 0x1000_0000 + i * 16;
        wr.instance(obj, 0, 0x10_0000 + i * 16, &[]);
        wr.root_unknown(obj);
    }
    wr.end_heap_dump();
    w::gzip(&wr.finish(), None)
}
