package com.example.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import javax.management.ObjectName;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Fills the heap with a second benchmark mix, unlike {@link BigHeap}'s: strings and collections
 * heavy, many small objects, and deep linked structures. Then dumps it.
 *
 * <pre>java -Xmx... -XX:+UseSerialGC com.example.bench.StringHeap OUT.hprof [TARGET_MB]</pre>
 *
 * <p>The mix (deterministic, SplittableRandom seed 7): a search index (a HashMap from term
 * Strings to small ArrayLists of document-id Strings, many of them equal strings held by
 * different String objects), a TreeMap of catalog entries (each a small object with a HashSet
 * of boxed Integer tags and a 2-element String[]), a ConcurrentHashMap of config entries with
 * short interned-looking keys, per-user LinkedHashMaps of 0–3 settings (many empty), tiny
 * primitive arrays (int[2], long[1], byte[8..32]), a work queue (ArrayDeque) of small tasks, and
 * a few deep linked structures: a singly linked job chain ~1/40 of the objects long and a binary
 * tree of parent-linked nodes built as a degenerate spine (depth ~1/80 of the objects).
 * No byte arrays of more than a few hundred bytes: the dump's bytes are mostly object records.
 *
 * <p>Like BigHeap: ~5% of the objects are left unreachable (allocated after a full GC and dumped
 * with {@code live=false}); OUT.histo.txt holds the -all class histogram and OUT.facts.json the
 * counts; the HPROF size is estimated while filling and the fill stops at ~TARGET_MB MiB.
 */
public final class StringHeap {
    static final int INST = 25, OARR = 25, PARR = 18, ID = 8;
    static final long BASELINE = 4L << 20;
    /** A String instance (hash, coder, hashIsZero, value) plus its byte[] of len Latin-1 chars. */
    static long strBytes(int len) { return INST + 14 + PARR + len; }
    /** A HashMap/HashSet node and its share of the table. */
    static final double MAP_NODE = INST + 4 + 3 * ID + 1.33 * ID;

    static long est, objects;
    static final SplittableRandom R = new SplittableRandom(7);

    static final HashMap<String, ArrayList<String>> INDEX = new HashMap<>();
    static final TreeMap<String, Item> CATALOG = new TreeMap<>();
    static final ConcurrentHashMap<String, String> CONFIG = new ConcurrentHashMap<>();
    static final ArrayList<LinkedHashMap<String, String>> SETTINGS = new ArrayList<>();
    static final ArrayList<Object> TINY = new ArrayList<>();
    static final ArrayDeque<Task> QUEUE = new ArrayDeque<>();
    static Job jobs;
    static TreeNode spine;
    static volatile Object sink;

    static final class Item {
        final String sku; final HashSet<Integer> tags; final String[] labels; final int price;
        Item(String sku, HashSet<Integer> tags, String[] labels, int price) {
            this.sku = sku; this.tags = tags; this.labels = labels; this.price = price;
        }
        static final int HPROF = INST + 3 * ID + 4;
    }
    static final class Task {
        final int id; final String name; final Object payload;
        Task(int id, String name, Object payload) { this.id = id; this.name = name; this.payload = payload; }
        static final int HPROF = INST + 4 + 2 * ID;
    }
    static final class Job {
        final long id; final String owner; final Job next;
        Job(long id, String owner, Job next) { this.id = id; this.owner = owner; this.next = next; }
        static final int HPROF = INST + 8 + 2 * ID;
    }
    static final class TreeNode {
        final TreeNode parent; TreeNode left, right; final int key;
        TreeNode(TreeNode parent, int key) { this.parent = parent; this.key = key; }
        static final int HPROF = INST + 3 * ID + 4;
    }

    static final String ALPHA = "abcdefghijklmnopqrstuvwxyz0123456789";

    /** A new String (never shared) of len random Latin-1 chars from a small alphabet. */
    static String str(int len) {
        char[] c = new char[len];
        for (int i = 0; i < len; i++) c[i] = ALPHA.charAt(R.nextInt(ALPHA.length()));
        est += strBytes(len); objects += 2;
        return new String(c);
    }

    /** A new String object equal to one of `distinct` values: duplicates on purpose. */
    static String dup(String prefix, int distinct) {
        String s = new String(prefix + R.nextInt(distinct));
        est += strBytes(s.length()); objects += 2;
        return s;
    }

    static Integer boxed() { est += INST + 4; objects++; return 1000 + R.nextInt(1 << 24); }

    static void indexTerm() {
        String term = str(3 + R.nextInt(10));
        ArrayList<String> docs = INDEX.get(term);
        if (docs == null) {
            docs = new ArrayList<>(2);
            INDEX.put(term, docs);
            est += MAP_NODE + INST + 8 + OARR + 2 * ID; objects += 3;
        } else {
            est -= strBytes(term.length()); objects -= 2;
        }
        int n = 1 + R.nextInt(4);
        for (int i = 0; i < n; i++) { docs.add(dup("doc-", 50_000)); est += ID; }
    }

    static void catalogItem(long i) {
        int nt = R.nextInt(5);
        HashSet<Integer> tags = new HashSet<>();
        for (int j = 0; j < nt; j++) { tags.add(boxed()); est += MAP_NODE; objects++; }
        est += INST + ID + INST + 48 + (nt > 0 ? OARR + 16 * ID : 0); objects += nt > 0 ? 3 : 2;
        String[] labels = {dup("label-", 2_000), str(4 + R.nextInt(20))};
        est += OARR + 2 * ID; objects++;
        String sku = "sku-" + i;
        est += strBytes(sku.length()); objects += 2;
        CATALOG.put(sku, new Item(sku, tags, labels, R.nextInt(100_000)));
        est += Item.HPROF + INST + 4 + 5 * ID + 1; objects += 2; // + TreeMap.Entry
    }

    static void setting() {
        int n = R.nextInt(4);
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        est += INST + 48 + 2 * ID + ID; objects++;
        if (n > 0) { est += OARR + 16 * ID; objects++; }
        for (int j = 0; j < n; j++) {
            m.put(dup("key.", 64), str(1 + R.nextInt(12)));
            est += INST + 4 + 5 * ID; objects++;
        }
        SETTINGS.add(m);
    }

    static void tiny() {
        int k = R.nextInt(4);
        Object o;
        if (k == 0) { o = new int[] {R.nextInt(), R.nextInt()}; est += PARR + 8; }
        else if (k == 1) { o = new long[] {R.nextLong()}; est += PARR + 8; }
        else if (k == 2) { byte[] b = new byte[8 + R.nextInt(25)]; R.nextBytes(b); o = b; est += PARR + b.length; }
        else { o = new Object[] {boxed()}; est += OARR + ID; }
        objects++;
        TINY.add(o); est += 1.25 * ID;
    }

    static void task(int i) {
        Object payload = R.nextBoolean() ? boxed() : List.of(dup("arg", 300), dup("arg", 300));
        if (!(payload instanceof Integer)) { est += INST + 2 * ID; objects++; }
        QUEUE.add(new Task(i, dup("task-", 1_000), payload));
        est += Task.HPROF + 1.25 * ID; objects++;
    }

    static void job(long i) {
        jobs = new Job(i, dup("user", 5_000), jobs);
        est += Job.HPROF; objects++;
    }

    static void treeNode(int i) {
        TreeNode n = new TreeNode(spine, i);
        if (spine != null) {
            if (R.nextInt(8) == 0) spine.left = new TreeNode(spine, -i); // a short side leaf
            spine.right = n;
        }
        spine = n;
        est += 2 * TreeNode.HPROF; objects += 2;
    }

    static TreeNode spineRoot;

    static void step(long i) {
        int k = R.nextInt(100);
        if (k < 30) indexTerm();
        else if (k < 48) catalogItem(i);
        else if (k < 58) { CONFIG.put(dup("cfg.", 200_000), str(2 + R.nextInt(30))); est += MAP_NODE; objects++; }
        else if (k < 70) setting();
        else if (k < 86) tiny();
        else if (k < 92) task((int) i);
        else if (k < 96) job(i);
        else { treeNode((int) i); if (spineRoot == null) spineRoot = spine; }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: StringHeap OUT.hprof [TARGET_MB]");
            System.exit(2);
        }
        Path out = Paths.get(args[0]).toAbsolutePath();
        long targetMb = args.length > 1 ? Long.parseLong(args[1]) : 600;
        long target = targetMb << 20;
        String base = out.toString().endsWith(".hprof")
                ? out.toString().substring(0, out.toString().length() - 6) : out.toString();
        long t0 = System.nanoTime();
        long liveTarget = target - (target - BASELINE) / 20;
        long i = 0;
        while (BASELINE + est < liveTarget) step(i++);
        long steps = i, liveObjects = objects;
        System.gc();

        long garbageTarget = liveObjects * 5 / 95;
        long garbage = 0;
        Object[] hold = new Object[1024];
        long objectsBefore = objects;
        while (objects - objectsBefore < garbageTarget) {
            int k = R.nextInt(3);
            Object g = k == 0 ? str(8 + R.nextInt(40)) : k == 1 ? dup("tmp", 10_000) : new Task(0, dup("task-", 1_000), boxed());
            if (k == 2) { est += Task.HPROF; objects++; }
            hold[(int) (garbage++ & 1023)] = g;
            if ((garbage & 1023) == 0) { sink = hold; hold = new Object[1024]; est += OARR + 1024L * ID; objects++; }
        }
        sink = null;
        hold = null;
        long garbageObjects = objects - objectsBefore;

        HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        Files.deleteIfExists(out);
        String h = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[] {"-all"}}, new String[] {String[].class.getName()});
        Files.write(Paths.get(base + ".histo.txt"), h.getBytes(StandardCharsets.UTF_8));
        h = null;
        long tDump = System.nanoTime();
        hs.dumpHeap(out.toString(), false);
        long t1 = System.nanoTime();

        StringBuilder f = new StringBuilder();
        f.append("{\n");
        f.append("  \"mix\": \"strings\",\n");
        f.append("  \"target_mb\": ").append(targetMb).append(",\n");
        f.append("  \"pad_mb\": 0,\n");
        f.append("  \"hprof_bytes\": ").append(Files.size(out)).append(",\n");
        f.append("  \"estimated_bytes\": ").append(BASELINE + est).append(",\n");
        f.append("  \"seed\": 7,\n");
        f.append("  \"source_sha256\": \"").append(System.getProperty("bigheap.source", "")).append("\",\n");
        f.append("  \"steps\": ").append(steps).append(",\n");
        f.append("  \"app_objects_live\": ").append(liveObjects).append(",\n");
        f.append("  \"app_objects_unreachable_approx\": ").append(garbageObjects).append(",\n");
        f.append("  \"index_terms\": ").append(INDEX.size()).append(",\n");
        f.append("  \"catalog_items\": ").append(CATALOG.size()).append(",\n");
        f.append("  \"config_entries\": ").append(CONFIG.size()).append(",\n");
        f.append("  \"queue_tasks\": ").append(QUEUE.size()).append(",\n");
        f.append("  \"live\": false,\n");
        f.append("  \"fill_seconds\": ").append(String.format("%.1f", (tDump - t0) / 1e9)).append(",\n");
        f.append("  \"dump_seconds\": ").append(String.format("%.1f", (t1 - tDump) / 1e9)).append(",\n");
        f.append("  \"java_version\": \"").append(System.getProperty("java.version")).append("\",\n");
        f.append("  \"jvm_args\": \"").append(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments())).append("\"\n");
        f.append("}\n");
        Files.write(Paths.get(base + ".facts.json"), f.toString().getBytes(StandardCharsets.UTF_8));
        System.out.print(f);
        System.exit(0);
    }
}
