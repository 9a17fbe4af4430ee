package com.example.collections;

import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.*;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * The collections that Eclipse MAT's collection extractors read and the incident programs do
 * not hold: each in a static field of this class with a known size (the test,
 * {@code tests/collections_more.rs}, reads them by field name). Deques and the blocking queue
 * are wrapped around the end of their arrays (head past tail), the skip list has removed
 * entries, {@code List.of}/{@code Set.of}/{@code Map.of} cover every {@code ImmutableCollections}
 * class. Small on purpose: a few hundred objects besides the JDK baseline. Run by
 * {@code scripts/gen-fixtures.sh --collections} on JDK 17 and 25:
 * {@code java CollectionsApp OUT_DIR NAME} writes {@code OUT_DIR/NAME.hprof}.
 */
public final class CollectionsApp {
    enum Color { RED, GREEN, BLUE, CYAN, MAGENTA, YELLOW }

    /** More than 64 constants: {@code EnumSet} is a {@code JumboEnumSet}. */
    enum Wide {
        W00, W01, W02, W03, W04, W05, W06, W07, W08, W09, W10, W11, W12, W13, W14, W15, W16, W17,
        W18, W19, W20, W21, W22, W23, W24, W25, W26, W27, W28, W29, W30, W31, W32, W33, W34, W35,
        W36, W37, W38, W39, W40, W41, W42, W43, W44, W45, W46, W47, W48, W49, W50, W51, W52, W53,
        W54, W55, W56, W57, W58, W59, W60, W61, W62, W63, W64, W65, W66, W67, W68, W69
    }

    static final class Later implements Delayed {
        final long at;
        Later(long at) { this.at = at; }
        public long getDelay(TimeUnit u) { return u.convert(at - System.nanoTime(), TimeUnit.NANOSECONDS); }
        public int compareTo(Delayed o) { return Long.compare(at, ((Later) o).at); }
    }

    static ArrayDeque<String> dequeWrapped;
    static ArrayDeque<String> dequePlain;
    static ArrayBlockingQueue<String> blockingWrapped;
    static ConcurrentSkipListMap<Integer, String> skipListMap;
    static ConcurrentSkipListSet<String> skipListSet;
    static EnumMap<Color, String> enumMap;
    static EnumSet<Color> regularEnumSet;
    static EnumSet<Wide> jumboEnumSet;
    static List<String> list0, list12One, list12Two, listN;
    static Set<String> set0, set12One, set12Two, setN;
    static Map<String, String> map0, map1, mapN;
    static List<String> singletonList, emptyList, copies, asList, subList;
    static Set<String> singletonSet, emptySet;
    static Map<String, String> singletonMap, emptyMap;
    static DelayQueue<Later> delayQueue;
    static SynchronousQueue<String> synchronousQueue;
    static Set<String> hashKeys, linkedKeys, treeKeys;
    static Collection<String> hashValues;
    static Set<Map.Entry<String, String>> hashEntries;

    private static String s(String p, int i) { return p + i; }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);

        // 16 slots: 10 in, 8 out, 12 in -> head 8, tail 4 (wrapped), 14 elements.
        dequeWrapped = new ArrayDeque<>(15);
        for (int i = 0; i < 10; i++) dequeWrapped.addLast(s("d", i));
        for (int i = 0; i < 8; i++) dequeWrapped.pollFirst();
        for (int i = 10; i < 22; i++) dequeWrapped.addLast(s("d", i));
        dequePlain = new ArrayDeque<>();
        for (int i = 0; i < 5; i++) dequePlain.add(s("p", i));

        // Capacity 10: 8 in, 6 out, 5 in -> takeIndex 6, putIndex 3, 7 elements.
        blockingWrapped = new ArrayBlockingQueue<>(10);
        for (int i = 0; i < 8; i++) blockingWrapped.offer(s("q", i));
        for (int i = 0; i < 6; i++) blockingWrapped.poll();
        for (int i = 8; i < 13; i++) blockingWrapped.offer(s("q", i));

        skipListMap = new ConcurrentSkipListMap<>();
        for (int i = 0; i < 100; i++) skipListMap.put(i, s("v", i));
        for (int i = 0; i < 100; i += 10) skipListMap.remove(i);          // 90 left
        skipListSet = new ConcurrentSkipListSet<>();
        for (int i = 0; i < 25; i++) skipListSet.add(s("k", i));

        enumMap = new EnumMap<>(Color.class);
        enumMap.put(Color.RED, "r");
        enumMap.put(Color.BLUE, null);                                   // null value: EnumMap's NULL
        enumMap.put(Color.YELLOW, "y");
        enumMap.put(Color.CYAN, "c");                                    // 4 entries
        regularEnumSet = EnumSet.of(Color.GREEN, Color.CYAN, Color.MAGENTA);
        jumboEnumSet = EnumSet.noneOf(Wide.class);
        for (Wide w : Wide.values()) if (w.ordinal() % 3 == 0) jumboEnumSet.add(w); // 24

        list0 = List.of();
        list12One = List.of("one");
        list12Two = List.of("one", "two");
        listN = List.of("a", "b", "c", "d", "e");
        set0 = Set.of();
        set12One = Set.of("one");
        set12Two = Set.of("one", "two");
        setN = Set.of("a", "b", "c", "d", "e", "f", "g");
        map0 = Map.of();
        map1 = Map.of("k", "v");
        mapN = Map.of("k1", "v1", "k2", "v2", "k3", "v3", "k4", "v4", "k5", "v5");

        singletonList = Collections.singletonList("only");
        singletonSet = Collections.singleton("only");
        singletonMap = Collections.singletonMap("key", "value");
        emptyList = Collections.emptyList();
        emptySet = Collections.emptySet();
        emptyMap = Collections.emptyMap();
        copies = Collections.nCopies(7, "same");
        asList = Arrays.asList("w", "x", "y", "z");
        ArrayList<String> backing = new ArrayList<>();
        for (int i = 0; i < 20; i++) backing.add(s("b", i));
        subList = backing.subList(5, 12);                                // 7

        delayQueue = new DelayQueue<>();
        for (int i = 1; i <= 3; i++) delayQueue.add(new Later(System.nanoTime() + i * 3_600_000_000_000L));
        synchronousQueue = new SynchronousQueue<>();

        HashMap<String, String> hm = new HashMap<>();
        for (int i = 0; i < 6; i++) hm.put(s("h", i), s("hv", i));
        hashKeys = hm.keySet();
        hashValues = hm.values();
        hashEntries = hm.entrySet();
        LinkedHashMap<String, String> lhm = new LinkedHashMap<>();
        for (int i = 0; i < 9; i++) lhm.put(s("l", i), s("lv", i));
        linkedKeys = lhm.keySet();
        TreeMap<String, String> tm = new TreeMap<>();
        for (int i = 0; i < 11; i++) tm.put(s("t", i), s("tv", i));
        treeKeys = tm.keySet();

        // A live dump straight from the diagnostic bean (no class histogram, unlike FixtureDump:
        // the sizes here are known by construction, and the MBean server would triple the dump).
        java.nio.file.Files.createDirectories(out);
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .dumpHeap(out.resolve(args[1] + ".hprof").toString(), true);
    }
}
