//! Small readers for the process-memory analysis: JDK classes by name, their static fields,
//! `AtomicLong` values, and the JVM's size syntax (`384k`, `2g`).

use crate::analysis::objread::int_field;
use crate::graph::{HeapGraph, Node, NO_NODE};
use crate::hprof::Value;

/// The class index of a bootstrap-loaded class named `name` (JDK classes the analysis reads
/// are all bootstrap classes; an application class of the same name is not them), else the
/// first class of that name.
pub(crate) fn class_named(g: &HeapGraph, name: &str) -> Option<u32> {
    let mut first = None;
    for (i, c) in g.classes.iter().enumerate() {
        if c.name == name && c.node != NO_NODE {
            if c.loader.is_null() {
                return Some(i as u32);
            }
            first.get_or_insert(i as u32);
        }
    }
    first
}

/// A static field of class `class` (by index).
pub(crate) fn static_value(g: &HeapGraph, class: u32, field: &str) -> Option<Value> {
    g.classes
        .get(class as usize)?
        .statics
        .iter()
        .find(|s| g.symbol(s.name) == field)
        .map(|s| s.value)
}

/// A static field of the class named `class`, the first of `fields` present (a field's name
/// changes across JDK versions: `maxMemory` in 8, `MAX_MEMORY` in 11+).
pub(crate) fn static_of(g: &HeapGraph, class: &str, fields: &[&str]) -> Option<Value> {
    let c = class_named(g, class)?;
    fields.iter().find_map(|f| static_value(g, c, f))
}

/// An integral static value.
pub(crate) fn as_long(v: Value) -> Option<i64> {
    match v {
        Value::Long(x) => Some(x),
        Value::Int(x) => Some(x as i64),
        Value::Short(x) => Some(x as i64),
        Value::Byte(x) => Some(x as i64),
        _ => None,
    }
}

/// The node a static reference value names.
pub(crate) fn as_node(g: &HeapGraph, v: Value) -> Option<Node> {
    match v {
        Value::Object(id) if !id.is_null() => g.node_of(id),
        _ => None,
    }
}

/// An integral static, or the `value` of the `AtomicLong` / `AtomicInteger` it refers to
/// (JDK 8–25 keep `Bits`' counters in `AtomicLong`s; JDK 8's `maxMemory` is a plain long).
pub(crate) fn static_number(g: &HeapGraph, class: &str, fields: &[&str]) -> Option<i64> {
    let v = static_of(g, class, fields)?;
    as_long(v).or_else(|| int_field(g, as_node(g, v)?, "value"))
}

/// A size in the JVM's option syntax: digits with an optional `k`/`m`/`g`/`t` suffix (either
/// case), as `-Xss`, `-Xmx` and `-XX:MaxDirectMemorySize=` take it. `None` if not a size.
pub(crate) fn parse_jvm_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_lowercase() {
                'k' => 1 << 10,
                'm' => 1 << 20,
                'g' => 1 << 30,
                't' => 1 << 40,
                _ => return None,
            };
            (&s[..i], m)
        }
        _ => (s, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::parse_jvm_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_jvm_size("384k"), Some(393_216));
        assert_eq!(parse_jvm_size("512M"), Some(536_870_912));
        assert_eq!(parse_jvm_size("2g"), Some(2 << 30));
        assert_eq!(parse_jvm_size("1048576"), Some(1_048_576));
        assert_eq!(parse_jvm_size("k"), None);
        assert_eq!(parse_jvm_size("12x"), None);
        assert_eq!(parse_jvm_size("-1"), None);
        assert_eq!(parse_jvm_size("99999999999999999999t"), None);
    }
}
