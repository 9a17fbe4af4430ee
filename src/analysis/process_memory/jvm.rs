//! The JVM's own figures that a heap dump carries, read as facts: the JVM arguments
//! `RuntimeMXBean` cached (`sun.management.VMManagementImpl.vmArgs`, a `List<String>` filled the
//! first time anything — a monitoring agent, a health endpoint — asked for them), selected
//! system properties (`System.props`), the container support objects of `jdk.internal.platform`
//! (cgroup version and controller paths: the limits themselves are read from those files on
//! demand and are not in the heap) and the perf-data counters' names (`PerfCounter`: their
//! values live in the VM's perf-data memory, not in the heap).

use super::read::{as_node, class_named, parse_jvm_size, static_of, static_value};
use crate::analysis::collections::{entries, extract};
use crate::analysis::objread::{string_text, subclasses_of_any};
use crate::graph::{ClassKind, HeapGraph};
use serde::{Deserialize, Serialize};

/// A size given on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArgSize {
    pub bytes: u64,
    /// The argument it was read from (`-Xss384k`); the last one wins, as in HotSpot.
    pub argument: String,
}

/// One system property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Property {
    pub key: String,
    /// Up to 48 characters (the graph keeps String previews), `…` when cut.
    pub value: String,
}

/// The container support the JDK set up (JDK 11+ on Linux, once something asked for the
/// container's metrics: the platform MBean server's `OperatingSystemMXBean` does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    /// `cgroup v1` or `cgroup v2`.
    pub cgroup: String,
    /// The memory controller's mount point and path (v1), or the unified hierarchy's (v2).
    pub memory_mount: Option<String>,
    pub memory_path: Option<String>,
}

/// What the heap says about the JVM's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JvmFacts {
    /// The JVM arguments as `RuntimeMXBean.getInputArguments()` returned them, in order;
    /// `None` when the heap does not hold them (nothing asked).
    pub arguments: Option<Vec<String>>,
    /// `-Xmx` / `-XX:MaxHeapSize=`.
    pub max_heap: Option<ArgSize>,
    /// `-Xss` / `-XX:ThreadStackSize=` (the latter in KiB).
    pub thread_stack_size: Option<ArgSize>,
    /// `-XX:MaxDirectMemorySize=`.
    pub max_direct_memory_arg: Option<ArgSize>,
    /// `-XX:MaxMetaspaceSize=`.
    pub max_metaspace: Option<ArgSize>,
    /// `-XX:MaxRAMPercentage=` / `-XX:MaxRAM=` / `-XX:+UseContainerSupport`… as given.
    pub container_arguments: Vec<String>,
    /// Selected system properties: the JVM, the OS and the direct-memory settings (JDK and
    /// Netty), sorted by key.
    pub properties: Vec<Property>,
    pub container: Option<Container>,
    /// `PerfCounter` objects (JDK's perf-data counters: names only, values not in the heap).
    pub perf_counters: u64,
}

impl JvmFacts {
    /// The value of a system property this report kept.
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|p| p.key == key)
            .map(|p| p.value.as_str())
    }
}

/// Properties worth showing (prefixes or whole keys): which JVM on which OS, and the settings
/// that bound direct memory.
const PROPERTY_KEYS: &[&str] = &[
    "java.version",
    "java.vm.name",
    "java.vm.version",
    "java.vendor",
    "java.specification.version",
    "os.name",
    "os.arch",
    "os.version",
    "sun.arch.data.model",
    "jdk.nio.maxCachedBufferSize",
    "sun.nio.MaxDirectMemorySize",
    "sun.nio.PageAlignDirectMemory",
    "io.netty.",
];

pub(crate) fn jvm_facts(g: &HeapGraph) -> JvmFacts {
    let mut f = JvmFacts {
        arguments: jvm_arguments(g),
        ..Default::default()
    };
    if let Some(args) = &f.arguments {
        f.max_heap = size_flag(args, &[("-Xmx", 1), ("-XX:MaxHeapSize=", 1)]);
        f.thread_stack_size = size_flag(args, &[("-Xss", 1), ("-XX:ThreadStackSize=", 1024)]);
        f.max_direct_memory_arg = size_flag(args, &[("-XX:MaxDirectMemorySize=", 1)]);
        f.max_metaspace = size_flag(args, &[("-XX:MaxMetaspaceSize=", 1)]);
        f.container_arguments = args
            .iter()
            .filter(|a| {
                [
                    "-XX:MaxRAM",
                    "-XX:InitialRAM",
                    "-XX:MinRAM",
                    "-XX:+UseContainerSupport",
                    "-XX:-UseContainerSupport",
                    "-XX:ActiveProcessorCount",
                ]
                .iter()
                .any(|p| a.starts_with(p))
            })
            .cloned()
            .collect();
    }
    f.properties = properties(g);
    f.container = container(g);
    let perf = subclasses_of_any(
        g,
        &["jdk.internal.perf.PerfCounter", "sun.misc.PerfCounter"],
    );
    f.perf_counters = g
        .nodes()
        .filter(|&v| perf[g.class_index(v) as usize] && g.as_class(v).is_none())
        .count() as u64;
    f
}

/// `sun.management.VMManagementImpl.vmArgs` of the (one) instance that has it: an
/// unmodifiable list over `Arrays.asList(String[])` in JDK 8–25. The Strings are read from the
/// first `String[]` found below the list (at most three references down), in array order.
fn jvm_arguments(g: &HeapGraph) -> Option<Vec<String>> {
    let c = class_named(g, "sun.management.VMManagementImpl")?;
    let list = g
        .nodes()
        .filter(|&v| g.class_index(v) == c && g.as_class(v).is_none())
        .find_map(|v| g.ref_field(v, "vmArgs"))?;
    // Breadth-first, bounded: the list wrapper, its backing list, the array.
    let mut level = vec![list];
    for _ in 0..4 {
        let mut next = Vec::new();
        for &v in &level {
            let class = g.class(v);
            if class.kind == ClassKind::ObjectArray && class.name == "java.lang.String[]" {
                return Some(g.edges(v).filter_map(|(s, _)| string_text(g, s)).collect());
            }
            if class.kind == ClassKind::Instance && g.as_class(v).is_none() {
                next.extend(g.edges(v).map(|(t, _)| t).take(8));
            }
        }
        level = next;
    }
    // `Collections.emptyList()`: the JVM had no arguments. Anything else unreadable: unknown.
    (g.class(list).name == "java.util.Collections$EmptyList").then(Vec::new)
}

/// The last argument that starts with one of `flags` and parses as a size; `(prefix, unit)`:
/// a bare number counts `unit` bytes (`-XX:ThreadStackSize=` is in KiB).
pub(crate) fn size_flag(args: &[String], flags: &[(&str, u64)]) -> Option<ArgSize> {
    args.iter().rev().find_map(|a| {
        flags.iter().find_map(|&(p, unit)| {
            let v = a.strip_prefix(p)?;
            let bare = v.bytes().all(|b| b.is_ascii_digit());
            let n = parse_jvm_size(v)?;
            Some(ArgSize {
                bytes: if bare { n.checked_mul(unit)? } else { n },
                argument: a.clone(),
            })
        })
    })
}

/// The selected entries of `System.props` (and of `VM.savedProps`, the properties as the
/// launcher passed them, which keeps internal ones such as `sun.nio.MaxDirectMemorySize` that
/// JDK 9+ removes from `System.props`).
fn properties(g: &HeapGraph) -> Vec<Property> {
    let mut out: Vec<Property> = Vec::new();
    let maps = [
        static_of(g, "java.lang.System", &["props"]),
        static_of(g, "jdk.internal.misc.VM", &["savedProps"]),
        static_of(g, "sun.misc.VM", &["savedProps"]),
    ];
    for m in maps.into_iter().flatten().filter_map(|v| as_node(g, v)) {
        let Some(info) = extract(g, m) else { continue };
        for e in entries(g, &info, 100_000) {
            let (Some(k), Some(v)) = (e.key, e.value) else {
                continue;
            };
            let (Some(key), Some(value)) = (string_text(g, k), string_text(g, v)) else {
                continue;
            };
            let wanted = PROPERTY_KEYS.iter().any(|p| {
                if p.ends_with('.') {
                    key.starts_with(p)
                } else {
                    key == *p
                }
            });
            if wanted && !out.iter().any(|p| p.key == key) {
                out.push(Property { key, value });
            }
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// The cgroup subsystem the JDK's container support created, if any.
fn container(g: &HeapGraph) -> Option<Container> {
    for (class, version, memory) in [
        (
            "jdk.internal.platform.cgroupv2.CgroupV2Subsystem",
            "cgroup v2",
            "unified",
        ),
        (
            "jdk.internal.platform.cgroupv1.CgroupV1Subsystem",
            "cgroup v1",
            "memory",
        ),
        // JDK 11's layout (before the cgroup v2 support).
        (
            "jdk.internal.platform.cgroupv1.Metrics",
            "cgroup v1",
            "memory",
        ),
    ] {
        let Some(c) = class_named(g, class) else {
            continue;
        };
        let instance = static_value(g, c, "INSTANCE")
            .and_then(|v| as_node(g, v))
            .or_else(|| {
                g.nodes()
                    .find(|&v| g.class_index(v) == c && g.as_class(v).is_none())
            });
        let Some(sub) = instance else { continue };
        let controller = g.ref_field(sub, memory);
        let text = |f: &str| {
            controller
                .and_then(|m| g.ref_field(m, f))
                .and_then(|s| string_text(g, s))
        };
        return Some(Container {
            cgroup: version.to_string(),
            memory_mount: text("mountPoint"),
            memory_path: text("path"),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::size_flag;

    #[test]
    fn last_flag_wins_and_units() {
        let args: Vec<String> = ["-Xss1m", "-Xmx64m", "-XX:ThreadStackSize=512"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let ss = size_flag(&args, &[("-Xss", 1), ("-XX:ThreadStackSize=", 1024)]).unwrap();
        assert_eq!(ss.bytes, 512 * 1024);
        assert_eq!(ss.argument, "-XX:ThreadStackSize=512");
        let mx = size_flag(&args, &[("-Xmx", 1)]).unwrap();
        assert_eq!(mx.bytes, 64 << 20);
        assert!(size_flag(&args, &[("-XX:MaxDirectMemorySize=", 1)]).is_none());
    }
}
