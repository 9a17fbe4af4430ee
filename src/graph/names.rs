//! JVM internal class names → Java source form, the form users read everywhere; and the cap
//! on how long a class name may be (a crafted dump can name thousands of classes with one huge
//! UTF8 record).

use std::borrow::Cow;

/// The longest class name kept whole, in bytes. The JVM's own limit is 65,535 (a class file's
/// `CONSTANT_Utf8`), and real names (lambdas, hidden classes, generated proxies) stay far under
/// 1 KiB; a longer name comes from a crafted file. Each class keeps its own copy of its name, and
/// every report row prints it, so a cap is what bounds those copies by the file's real content:
/// 2,000 classes named by one 1 MiB symbol otherwise cost 2 GiB per copy.
pub(crate) const MAX_CLASS_NAME: usize = 4096;

/// `name`, cut to [`MAX_CLASS_NAME`] bytes (at a character boundary) with a marker saying how
/// long it was: `com/example/Bigxxx…… [1048576-byte name]`.
pub(crate) fn bounded_class_name(name: &str) -> Cow<'_, str> {
    if name.len() <= MAX_CLASS_NAME {
        return Cow::Borrowed(name);
    }
    let mut end = MAX_CLASS_NAME;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}… [{}-byte name]", &name[..end], name.len()))
}

/// `java/lang/String` → `java.lang.String`; `[B` → `byte[]`;
/// `[[Ljava/util/HashMap$Node;` → `java.util.HashMap$Node[][]`. Names already in source form
/// pass through unchanged.
pub fn java_class_name(jvm: &str) -> String {
    let dims = jvm.bytes().take_while(|&b| b == b'[').count();
    if dims == 0 {
        return jvm.replace('/', ".");
    }
    let elem = &jvm[dims..];
    let base = match elem {
        "Z" => "boolean".to_string(),
        "C" => "char".to_string(),
        "F" => "float".to_string(),
        "D" => "double".to_string(),
        "B" => "byte".to_string(),
        "S" => "short".to_string(),
        "I" => "int".to_string(),
        "J" => "long".to_string(),
        _ => elem
            .strip_prefix('L')
            .unwrap_or(elem)
            .trim_end_matches(';')
            .replace('/', "."),
    };
    let mut s = base;
    for _ in 0..dims {
        s.push_str("[]");
    }
    s
}

/// The JVM form of a class name that older writers put in source form: the JDK ≤ 8
/// `-agentlib:hprof` agent and jhat name array classes `java.lang.Object[]` and `char[]` where
/// HotSpot's dumper writes `[Ljava/lang/Object;` and `[C`. Array names become JVM form (so they
/// are recognised as arrays and sized as such); any other name is returned as is.
pub(crate) fn jvm_class_name(name: &str) -> std::borrow::Cow<'_, str> {
    let base = name.trim_end_matches("[]");
    let dims = (name.len() - base.len()) / 2;
    if dims == 0 || base.is_empty() || base.starts_with('[') {
        return std::borrow::Cow::Borrowed(name);
    }
    let mut s = "[".repeat(dims);
    match base {
        "boolean" => s.push('Z'),
        "char" => s.push('C'),
        "float" => s.push('F'),
        "double" => s.push('D'),
        "byte" => s.push('B'),
        "short" => s.push('S'),
        "int" => s.push('I'),
        "long" => s.push('J'),
        _ => {
            s.push('L');
            s.push_str(&base.replace('.', "/"));
            s.push(';');
        }
    }
    std::borrow::Cow::Owned(s)
}

/// Package of a Java source class name (`java.util` for `java.util.HashMap$Node[]`), empty for
/// the default package and primitive arrays.
pub(crate) fn package_of(java_name: &str) -> &str {
    let base = java_name.trim_end_matches("[]");
    match base.rfind('.') {
        Some(i) => &base[..i],
        None => "",
    }
}

/// JDK / runtime package prefixes: never the "application-level holder".
pub(crate) const JDK_PREFIXES: &[&str] = &["java.", "javax.", "jdk.", "sun.", "com.sun.", "<"];

/// Whether a (Java source form) class name belongs to the JDK (`class X` for class objects;
/// primitive arrays count as the JDK's).
pub(crate) fn is_jdk_class_name(name: &str) -> bool {
    let base = name.strip_prefix("class ").unwrap_or(name);
    JDK_PREFIXES.iter().any(|p| base.starts_with(p)) || !base.contains('.') && base.ends_with("[]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts() {
        assert_eq!(java_class_name("java/lang/String"), "java.lang.String");
        assert_eq!(java_class_name("[B"), "byte[]");
        assert_eq!(java_class_name("[[I"), "int[][]");
        assert_eq!(
            java_class_name("[Ljava/util/HashMap$Node;"),
            "java.util.HashMap$Node[]"
        );
        assert_eq!(java_class_name("java.lang.Object"), "java.lang.Object");
        assert_eq!(package_of("java.util.HashMap$Node[]"), "java.util");
        assert_eq!(package_of("byte[]"), "");
    }

    #[test]
    fn source_form_arrays_become_jvm_form() {
        assert_eq!(jvm_class_name("java.lang.Object[]"), "[Ljava/lang/Object;");
        assert_eq!(jvm_class_name("char[]"), "[C");
        assert_eq!(jvm_class_name("int[][]"), "[[I");
        assert_eq!(jvm_class_name("java/lang/String"), "java/lang/String");
        assert_eq!(jvm_class_name("[B"), "[B");
        assert_eq!(jvm_class_name("[]"), "[]");
        for n in ["java.util.HashMap$Node[]", "byte[][]", "long[]"] {
            assert_eq!(java_class_name(&jvm_class_name(n)), n);
        }
    }
}
