package com.example.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

import javax.management.ObjectName;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Fills the heap with a realistic object mix and dumps it: a benchmark input for heaplens.
 *
 * <pre>java -Xmx... -XX:+UseSerialGC [-Dbigheap.pad_mb=N] com.example.bench.BigHeap OUT.hprof [TARGET_MB]</pre>
 *
 * Writes OUT.hprof (about TARGET_MB megabytes, 1 MB = 2^20 bytes), OUT.histo.txt (class
 * histogram of all objects, "GC.class_histogram -all") and OUT.facts.json.
 *
 * <p>The mix (deterministic, SplittableRandom seed 42): customer records (objects with
 * Strings, boxed Long keys in a HashMap, ArrayLists of orders, small HashMaps of attributes),
 * log lines (Strings of varied lengths, some UTF-16), blobs (byte[], char[], int[], long[] of
 * log-normally varied sizes, a few of 1 MiB), linked lists (LinkedList of boxed Integers and
 * a hand-made singly linked chain), Object[] arrays with mixed contents, and a few big caches
 * (a ConcurrentHashMap session cache, an access-ordered LinkedHashMap LRU, an ArrayDeque of
 * events).
 *
 * <p>Unreachable objects: after the live data is built, a full GC runs, then about 5% (by
 * count) more objects are allocated and dropped at once; they sit in eden (the young
 * generation is sized to hold them, so no GC runs) and the dump is taken with
 * {@code live=false}, so they are in the dump as unreachable garbage. The histogram is taken
 * with {@code -all} for the same reason (no GC first).
 *
 * <p>The HPROF size is estimated while filling (8-byte ids: an instance record is 25 bytes +
 * fields with 8-byte references, an Object[] 25 + 8n, a primitive array 18 + n*size) and the
 * fill stops when the estimate, plus the ~4 MB the JDK itself contributes (classes, symbols),
 * reaches the target.
 *
 * <p>Padding ({@code -Dbigheap.pad_mb=N}, default 0): after the live fill (same seed, same
 * sequence, so the object mix is exactly that of the unpadded dump) and before the full GC, N MiB
 * more are allocated as live {@code byte[]} arrays of 64 MiB (the last one smaller), held by a
 * static list and filled with a non-zero pseudo-random pattern (copied from a 1 MiB block made by
 * its own generator, so the main sequence is untouched). The dump is then about TARGET_MB + N MiB
 * with only ~N/64 more objects: a big file whose object graph stays small. The heap must have
 * room for the padding on top of the usual sizing.
 */
public final class BigHeap {
    // ---- HPROF record sizes (64-bit ids) ----
    static final int INST = 25, OARR = 25, PARR = 18, ID = 8;
    static final long BASELINE = 4L << 20; // JDK classes, symbols, baseline objects

    static long est;      // estimated HPROF bytes of what we made
    static long objects;  // objects we made (live phase), incl. boxed keys, nodes, arrays

    static final SplittableRandom R = new SplittableRandom(42);

    // ---- the live roots ----
    static final HashMap<Long, Customer> CUSTOMERS = new HashMap<>();
    static final ArrayList<String> LOGS = new ArrayList<>();
    static final ArrayList<Object> BLOBS = new ArrayList<>();
    static final ArrayList<Object> LISTS = new ArrayList<>();
    static final ArrayList<Object[]> ARRAYS = new ArrayList<>();
    static final ConcurrentHashMap<String, Session> SESSIONS = new ConcurrentHashMap<>();
    static final LinkedHashMap<Integer, String> LRU = new LinkedHashMap<>(16, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<Integer, String> e) { return size() > 200_000; }
    };
    static final ArrayDeque<Event> EVENTS = new ArrayDeque<>();
    /** The padding (bigheap.pad_mb): live 64 MiB byte[] arrays. */
    static final ArrayList<byte[]> PAD = new ArrayList<>();
    static final int PAD_CHUNK = 64 << 20;
    /** Garbage made before the dump is referenced from here, then dropped. */
    static volatile Object sink;

    // ---- domain classes ----
    static final class Address {
        final String street, city; final int zip;
        Address(String s, String c, int z) { street = s; city = c; zip = z; }
        static final int HPROF = INST + 2 * ID + 4;
    }
    static final class Order {
        final long id, ts; final int qty; final double amount; final String sku; final int[] lines;
        Order(long id, long ts, int qty, double amount, String sku, int[] lines) {
            this.id = id; this.ts = ts; this.qty = qty; this.amount = amount; this.sku = sku; this.lines = lines;
        }
        static final int HPROF = INST + 8 + 8 + 4 + 8 + 2 * ID;
    }
    static final class Customer {
        final long id; final int age; final String name, email; final Address address;
        final ArrayList<Order> orders; HashMap<String, String> attributes;
        Customer(long id, int age, String name, String email, Address a, ArrayList<Order> o) {
            this.id = id; this.age = age; this.name = name; this.email = email; address = a; orders = o;
        }
        static final int HPROF = INST + 8 + 4 + 5 * ID;
    }
    static final class Session {
        final String id; final long created; final byte[] token; final Object[] recent;
        Session(String id, long created, byte[] token, Object[] recent) {
            this.id = id; this.created = created; this.token = token; this.recent = recent;
        }
        static final int HPROF = INST + ID + 8 + 2 * ID;
    }
    static final class Event {
        final long ts; final int kind; final String source; final Event cause;
        Event(long ts, int kind, String source, Event cause) { this.ts = ts; this.kind = kind; this.source = source; this.cause = cause; }
        static final int HPROF = INST + 8 + 4 + 2 * ID;
    }
    static final class Chain {
        final int value; final Chain next;
        Chain(int value, Chain next) { this.value = value; this.next = next; }
        static final int HPROF = INST + 4 + ID;
    }

    // ---- sized helpers (each adds its estimate) ----
    static final String ALPHA = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/";
    static final String WIDE = "\u00e4\u00f6\u00fc\u00df\u0142\u0434\u0436\u03bb\u4e2d\u6587";

    static String str(int len) {
        char[] c = new char[len];
        for (int i = 0; i < len; i++) c[i] = ALPHA.charAt(R.nextInt(ALPHA.length()));
        est += INST + 14 + PARR + len; objects += 2;
        return new String(c);
    }

    static String wideStr(int len) {
        char[] c = new char[len];
        for (int i = 0; i < len; i++) c[i] = (i % 4 == 0) ? WIDE.charAt(R.nextInt(WIDE.length())) : ALPHA.charAt(R.nextInt(26));
        est += INST + 14 + PARR + 2L * len; objects += 2;
        return new String(c);
    }

    /** Log-normal-ish length in [min, max]. */
    static int len(int min, int median, int max) {
        double v = median * Math.exp(R.nextGaussian() * 0.9);
        return (int) Math.max(min, Math.min(max, v));
    }

    static long boxedLong(long v) { est += INST + 8; objects++; return v; }

    static int mapTable(int n) {
        int cap = 16;
        while (n > cap * 3 / 4) cap <<= 1;
        return cap;
    }

    static Customer customer(long id) {
        Address a = new Address(str(len(8, 18, 40)), str(len(4, 9, 20)), 10000 + R.nextInt(89999));
        est += Address.HPROF; objects++;
        int nOrders = R.nextInt(6);
        ArrayList<Order> orders = new ArrayList<>(Math.max(nOrders, 1));
        est += INST + 16 + OARR + (long) ID * Math.max(nOrders, 1); objects += 2;
        for (int i = 0; i < nOrders; i++) {
            int nl = 1 + R.nextInt(8);
            int[] lines = new int[nl];
            for (int j = 0; j < nl; j++) lines[j] = R.nextInt(100_000);
            est += PARR + 4L * nl + Order.HPROF; objects += 2;
            orders.add(new Order(id * 10 + i, 1_700_000_000_000L + R.nextInt(1 << 30), 1 + R.nextInt(9),
                    R.nextDouble() * 500, str(10), lines));
        }
        Customer c = new Customer(id, 18 + R.nextInt(70), str(len(5, 14, 40)), str(len(10, 24, 60)), a, orders);
        est += Customer.HPROF; objects++;
        if (R.nextInt(4) == 0) {
            int n = 1 + R.nextInt(6);
            c.attributes = new HashMap<>();
            for (int i = 0; i < n; i++) c.attributes.put(str(len(3, 8, 16)), str(len(1, 10, 64)));
            est += INST + 48 + OARR + (long) ID * mapTable(n) + n * (INST + 4 + 3L * ID); objects += 2 + n;
        }
        return c;
    }

    static Object blob() {
        int kind = R.nextInt(100);
        if (kind < 1) { // a few big ones (1%)
            byte[] b = new byte[1 << 20];
            R.nextBytes(b);
            est += PARR + b.length; objects++;
            return b;
        }
        int n = len(8, 400, 64 * 1024);
        Object o;
        if (kind < 55) { byte[] b = new byte[n]; for (int i = 0; i < n; i += 7) b[i] = (byte) i; o = b; est += PARR + n; }
        else if (kind < 70) { o = new char[n / 2]; est += PARR + 2L * (n / 2); }
        else if (kind < 88) { int[] a = new int[n / 4]; for (int i = 0; i < a.length; i += 3) a[i] = i; o = a; est += PARR + 4L * (n / 4); }
        else { o = new long[n / 8]; est += PARR + 8L * (n / 8); }
        objects++;
        return o;
    }

    static Object linked() {
        if (R.nextBoolean()) {
            int n = len(4, 60, 2000);
            LinkedList<Integer> l = new LinkedList<>();
            for (int i = 0; i < n; i++) l.add(1000 + R.nextInt(1_000_000)); // beyond the Integer cache
            est += INST + 24 + n * (INST + 3L * ID + INST + 4); objects += 1 + 2L * n;
            return l;
        }
        int n = len(4, 80, 5000);
        Chain head = null;
        for (int i = 0; i < n; i++) head = new Chain(i, head);
        est += (long) n * Chain.HPROF; objects += n;
        return head;
    }

    static Object[] mixedArray() {
        int n = len(4, 64, 4096);
        Object[] a = new Object[n];
        est += OARR + (long) ID * n; objects++;
        for (int i = 0; i < n; i++) {
            int k = R.nextInt(10);
            if (k < 3) continue; // null
            if (k < 6) { a[i] = 1000 + R.nextInt(1 << 20); est += INST + 4; objects++; }
            else if (k < 9) a[i] = str(len(2, 12, 80));
            else a[i] = new double[] {R.nextDouble(), R.nextDouble()};
            if (k == 9) { est += PARR + 16; objects++; }
        }
        return a;
    }

    static void session(int i) {
        int nr = R.nextInt(8);
        Object[] recent = new Object[nr];
        for (int j = 0; j < nr; j++) recent[j] = str(len(8, 30, 120));
        byte[] token = new byte[32];
        R.nextBytes(token);
        String id = str(24);
        SESSIONS.put(id, new Session(id, 1_700_000_000_000L + i, token, recent));
        est += Session.HPROF + OARR + (long) ID * nr + PARR + 32 + (INST + 4 + 3L * ID) + 1.33 * ID;
        objects += 4;
    }

    static Event lastEvent;

    static void event(long i) {
        Event cause = R.nextInt(3) == 0 ? lastEvent : null;
        lastEvent = new Event(1_700_000_000_000L + i, R.nextInt(40), str(len(6, 20, 50)), cause);
        EVENTS.add(lastEvent);
        est += Event.HPROF + ID; objects++;
    }

    /** One step of "application activity"; returns nothing, adds to the live roots. */
    static void step(long i) {
        int k = R.nextInt(100);
        if (k < 34) {
            long id = 10_000_000L + i;
            CUSTOMERS.put(boxedLong(id), customer(id));
            est += INST + 4 + 3L * ID + 1.33 * ID; objects++;
        } else if (k < 52) {
            LOGS.add(R.nextInt(12) == 0 ? wideStr(len(10, 70, 400)) : str(len(10, 90, 600)));
            est += 1.25 * ID;
        } else if (k < 56) {
            BLOBS.add(blob()); est += 1.25 * ID;
        } else if (k < 58) {
            LISTS.add(linked()); est += 1.25 * ID;
        } else if (k < 60) {
            ARRAYS.add(mixedArray()); est += 1.25 * ID;
        } else if (k < 72) {
            session((int) i);
        } else if (k < 86) {
            int key = 5_000_000 + R.nextInt(2_000_000);
            long e0 = est, o0 = objects;
            int before = LRU.size();
            LRU.put(key, str(len(8, 40, 200)));
            if (LRU.size() > before) {
                est += INST + 4 + 5L * ID + INST + 4 + 1.33 * ID; // entry + boxed key + table slot
                objects += 2;
            } else {
                // replaced a value or evicted the eldest entry: about as much became garbage
                // (collected during the fill) as was added
                est = e0;
                objects = o0;
            }
        } else {
            event(i);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: BigHeap OUT.hprof [TARGET_MB]");
            System.exit(2);
        }
        Path out = Paths.get(args[0]).toAbsolutePath();
        long targetMb = args.length > 1 ? Long.parseLong(args[1]) : 600;
        long target = targetMb << 20;
        long padMb = Long.parseLong(System.getProperty("bigheap.pad_mb", "0"));
        if (padMb < 0) {
            System.err.println("BigHeap: bigheap.pad_mb must be >= 0");
            System.exit(2);
        }
        String base = out.toString().endsWith(".hprof")
                ? out.toString().substring(0, out.toString().length() - 6) : out.toString();
        long t0 = System.nanoTime();

        // Live data up to ~95% of the target; the unreachable objects make up the rest.
        long liveTarget = target - (target - BASELINE) / 20;
        long i = 0;
        while (BASELINE + est < liveTarget) {
            step(i++);
        }
        long steps = i;
        long liveObjects = objects;
        long padBytes = pad(padMb << 20);
        System.gc();
        long usedLive = usedHeap();

        // ~5% of all objects unreachable: allocate and drop; no GC until the dump.
        long garbageTarget = liveObjects * 5 / 95;
        long garbage = 0;
        Object[] hold = new Object[1024];
        long objectsBefore = objects;
        while (objects - objectsBefore < garbageTarget) {
            int k = R.nextInt(10);
            Object g = k < 5 ? str(len(10, 60, 300)) : k < 8 ? customer(1L << 40 | objects) : mixedArray();
            hold[(int) (garbage++ & 1023)] = g;
            if ((garbage & 1023) == 0) { sink = hold; hold = new Object[1024]; est += OARR + 1024L * ID; objects++; }
        }
        sink = null;
        hold = null;
        long garbageObjects = objects - objectsBefore;

        HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        Path histo = Paths.get(base + ".histo.txt");
        Files.deleteIfExists(out);
        // "-all": inspect all objects, no full GC first (it would collect the garbage).
        String h = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[] {"-all"}}, new String[] {String[].class.getName()});
        Files.write(histo, h.getBytes(StandardCharsets.UTF_8));
        h = null;
        long tDump = System.nanoTime();
        // live=false on purpose: keep the unreachable ~5% in the dump.
        hs.dumpHeap(out.toString(), false);
        long t1 = System.nanoTime();

        long size = Files.size(out);
        StringBuilder f = new StringBuilder();
        f.append("{\n");
        f.append("  \"target_mb\": ").append(targetMb).append(",\n");
        f.append("  \"pad_mb\": ").append(padMb).append(",\n");
        f.append("  \"pad_arrays\": ").append(PAD.size()).append(",\n");
        f.append("  \"pad_bytes\": ").append(padBytes).append(",\n");
        f.append("  \"hprof_bytes\": ").append(size).append(",\n");
        f.append("  \"estimated_bytes\": ").append(BASELINE + est).append(",\n");
        f.append("  \"seed\": 42,\n");
        f.append("  \"source_sha256\": \"").append(System.getProperty("bigheap.source", "")).append("\",\n");
        f.append("  \"steps\": ").append(steps).append(",\n");
        f.append("  \"app_objects_live\": ").append(liveObjects).append(",\n");
        f.append("  \"app_objects_unreachable_approx\": ").append(garbageObjects).append(",\n");
        f.append("  \"customers\": ").append(CUSTOMERS.size()).append(",\n");
        f.append("  \"log_lines\": ").append(LOGS.size()).append(",\n");
        f.append("  \"blobs\": ").append(BLOBS.size()).append(",\n");
        f.append("  \"sessions\": ").append(SESSIONS.size()).append(",\n");
        f.append("  \"lru_entries\": ").append(LRU.size()).append(",\n");
        f.append("  \"events\": ").append(EVENTS.size()).append(",\n");
        f.append("  \"used_heap_after_gc_bytes\": ").append(usedLive).append(",\n");
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

    /**
     * Allocates {@code bytes} more as live byte[] arrays of at most PAD_CHUNK, filled with a
     * non-zero pattern (not from R: the main sequence stays the same). Not counted in
     * {@code objects}, so the unreachable share is that of the unpadded dump; counted in
     * {@code est}. Returns the bytes allocated.
     */
    static long pad(long bytes) {
        if (bytes <= 0) return 0;
        byte[] pattern = new byte[1 << 20];
        new SplittableRandom(4242).nextBytes(pattern);
        for (int j = 0; j < pattern.length; j += 4096) pattern[j] = (byte) 0xA5; // never all zero
        long done = 0;
        for (int k = 0; done < bytes; k++) {
            int n = (int) Math.min(PAD_CHUNK, bytes - done);
            byte[] b = new byte[n];
            // Each array starts at a different place in the pattern, so no two are equal.
            int off = (int) ((k * 4099L) % pattern.length);
            for (int p = 0; p < n; ) {
                int len = Math.min(pattern.length - off, n - p);
                System.arraycopy(pattern, off, b, p, len);
                p += len;
                off = 0;
            }
            PAD.add(b);
            est += PARR + n + 1.25 * ID;
            done += n;
        }
        return done;
    }

    static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
