package com.example.growth;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import com.example.fixtures.FixtureDump;

/**
 * Growth fixture (compare two dumps): one JVM, two heap dumps, each with its class histogram.
 *
 * <p>Between the dumps:
 * <ul>
 *   <li>the leak: {@code AuditTrail.pending} (an {@code ArrayList<AuditEvent>}, held by the
 *       static {@code GrowthApp.TRAIL}) grows from EVENTS_BASE to EVENTS_NEW events;</li>
 *   <li>a bigger structure, {@code PriceTable.bySku} (a {@code HashMap<String, PriceHistory>},
 *       static {@code GrowthApp.PRICES}), does not change at all;</li>
 *   <li>a bounded LRU cache, {@code PageCache.lru} (static {@code GrowthApp.CACHE}), keeps
 *       CACHE_MAX pages while CACHE_CHURN new pages are put: every entry is replaced by a new
 *       object of exactly the same size (fixed-width keys, same-length bodies), so its size stays
 *       the same with different objects;</li>
 *   <li>NEW_THREADS threads {@code ingest-worker-1..} start (and wait), and one more
 *       {@code java.net.URLClassLoader} is created and kept.</li>
 * </ul>
 * Exact by construction: the numbers in {@code growth.facts.json}.
 */
public final class GrowthApp {
    static final String BASE = "growth_base";
    static final String NEW = "growth_new";
    static final int EVENTS_BASE = 1000;
    static final int EVENTS_NEW = 3000;
    static final int DETAILS = 600;
    static final int PRICE_SKUS = 1500;
    static final int PRICE_POINTS = 256;
    static final int CACHE_MAX = 400;
    static final int CACHE_FILL = 600;
    static final int CACHE_CHURN = 1200;
    static final int PAGE_BYTES = 512;
    static final int NEW_THREADS = 3;

    static final CountDownLatch SHUTDOWN = new CountDownLatch(1);
    static AuditTrail TRAIL;
    static PriceTable PRICES;
    static PageCache CACHE;
    static final List<ClassLoader> PLUGINS = new ArrayList<>();

    /** The leak: events are appended and never removed. */
    static final class AuditTrail {
        final List<AuditEvent> pending = new ArrayList<>();
        int next;

        void record() {
            next++;
            pending.add(new AuditEvent(next, String.format("user-%05d", next), details(next)));
        }
    }

    static final class AuditEvent {
        final long seq;
        final String user;
        final byte[] details;

        AuditEvent(long seq, String user, byte[] details) {
            this.seq = seq;
            this.user = user;
            this.details = details;
        }
    }

    /** The biggest structure: filled once, never changed. */
    static final class PriceTable {
        final Map<String, PriceHistory> bySku = new HashMap<>();
    }

    static final class PriceHistory {
        final String sku;
        final long[] cents;

        PriceHistory(String sku, long[] cents) {
            this.sku = sku;
            this.cents = cents;
        }
    }

    /** A bounded LRU cache: same size at both dumps, different entries. */
    static final class PageCache {
        final LinkedHashMap<String, CachedPage> lru = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, CachedPage> e) {
                return size() > CACHE_MAX;
            }
        };
        int puts;

        void put() {
            puts++;
            String key = String.format("page-%06d", puts); // fixed width: same sizes
            lru.put(key, new CachedPage(key, body(puts)));
        }
    }

    static final class CachedPage {
        final String key;
        final byte[] body;

        CachedPage(String key, byte[] body) {
            this.key = key;
            this.body = body;
        }
    }

    static byte[] details(int seq) {
        byte[] b = new byte[DETAILS];
        for (int i = 0; i < b.length; i++) b[i] = (byte) ((i & 31) == 0 ? seq : i & 31);
        return b;
    }

    static byte[] body(int seq) {
        byte[] b = new byte[PAGE_BYTES];
        for (int i = 0; i < b.length; i++) b[i] = (byte) ((i & 63) == 0 ? seq : 'a' + (i & 15));
        return b;
    }

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : ".");
        TRAIL = new AuditTrail();
        PRICES = new PriceTable();
        CACHE = new PageCache();
        for (int i = 0; i < PRICE_SKUS; i++) {
            long[] cents = new long[PRICE_POINTS];
            for (int p = 0; p < cents.length; p++) cents[p] = 1000 + (i % 50) + p % 7;
            String sku = String.format("SKU-%06d", i);
            PRICES.bySku.put(sku, new PriceHistory(sku, cents));
        }
        for (int i = 0; i < EVENTS_BASE; i++) TRAIL.record();
        for (int i = 0; i < CACHE_FILL; i++) CACHE.put();
        FixtureDump.dump(out, BASE, true);

        for (int i = EVENTS_BASE; i < EVENTS_NEW; i++) TRAIL.record();
        for (int i = 0; i < CACHE_CHURN; i++) CACHE.put();
        List<Thread> workers = new ArrayList<>();
        for (int i = 1; i <= NEW_THREADS; i++) {
            Thread t = new Thread(GrowthApp::awaitShutdown, "ingest-worker-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
        for (Thread t : workers) {
            while (t.getState() != Thread.State.WAITING) Thread.sleep(5);
        }
        PLUGINS.add(new URLClassLoader("plugin-loader", new URL[0], null));
        FixtureDump.dump(out, NEW, true);
        FixtureDump.writeFacts(out, "growth", facts());
        System.exit(0);
    }

    static void awaitShutdown() {
        try {
            SHUTDOWN.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Map<String, Object> facts() {
        long eventShallow = FixtureDump.align(12 + 8 + 4 + 4); // header, long, two references
        long perEvent = eventShallow + FixtureDump.latin1StringRetained(10) + FixtureDump.arraySize(DETAILS, 1);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", "growth");
        f.put("dumps", List.of(BASE, NEW));
        f.put("leak_holder_class", AuditTrail.class.getName());
        f.put("leak_field", "pending");
        f.put("leak_collection_class", "java.util.ArrayList");
        f.put("leak_element_class", AuditEvent.class.getName());
        f.put("events_base", EVENTS_BASE);
        f.put("events_new", EVENTS_NEW);
        f.put("event_retained", perEvent);
        f.put("events_growth_bytes", (long) (EVENTS_NEW - EVENTS_BASE) * perEvent);
        f.put("stable_holder_class", PriceTable.class.getName());
        f.put("stable_entries", PRICE_SKUS);
        f.put("stable_element_class", PriceHistory.class.getName());
        f.put("cache_holder_class", PageCache.class.getName());
        f.put("cache_entries", CACHE.lru.size());
        f.put("cache_puts_before_base", CACHE_FILL);
        f.put("cache_puts_between", CACHE_CHURN);
        f.put("cache_element_class", CachedPage.class.getName());
        f.put("new_threads", NEW_THREADS);
        f.put("new_thread_pattern", "ingest-worker-*");
        f.put("new_loaders", 1);
        f.put("new_loader_class", "java.net.URLClassLoader");
        return f;
    }
}
