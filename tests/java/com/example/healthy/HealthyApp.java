package com.example.healthy;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import com.example.fixtures.FixtureDump;

/**
 * Fixture 6 (HealthyApp): a small, normal service: a dozen medium, bounded structures of
 * similar size, none retaining 10% of the heap on its own.
 *
 * <p>Each component is registered in the static {@link #COMPONENTS} list <em>and</em> is the
 * {@code this} of the run() frame of its own maintenance thread, so it has two independent
 * paths from the GC roots: neither the registry, nor the HealthyApp class, nor its class
 * loader, nor a thread dominates it (each component is dominated by the virtual root only).
 */
public final class HealthyApp {
    static final String NAME = "healthy_app";
    static final CountDownLatch SHUTDOWN = new CountDownLatch(1);
    static final List<Component> COMPONENTS = new ArrayList<>();

    /** A service component with its own maintenance thread (refresh, eviction, flush...). */
    abstract static class Component implements Runnable {
        final String name;
        Thread thread;

        Component(String name) {
            this.name = name;
        }

        abstract int size();

        @Override
        public void run() {
            // 'this' stays in this frame's local slot 0 while the thread waits.
            try {
                SHUTDOWN.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- domain objects ----
    static final class User {
        final long id; final String name; final String email; final int age;
        User(long id, String name, String email, int age) { this.id = id; this.name = name; this.email = email; this.age = age; }
    }
    static final class Session {
        final String id; final long createdAt; final Map<String, Object> attributes = new HashMap<>(4);
        Session(String id, long createdAt) { this.id = id; this.createdAt = createdAt; }
    }
    static final class Product {
        final String sku; final String title; final int priceCents; final String[] tags;
        Product(String sku, String title, int priceCents, String[] tags) { this.sku = sku; this.title = title; this.priceCents = priceCents; this.tags = tags; }
    }
    static final class Order {
        final long id; final long userId; final int[] lineItems;
        Order(long id, long userId, int[] lineItems) { this.id = id; this.userId = userId; this.lineItems = lineItems; }
    }
    static final class Route {
        final String pattern; final String handler; final String[] methods; final int timeoutMs;
        Route(String pattern, String handler, String[] methods, int timeoutMs) { this.pattern = pattern; this.handler = handler; this.methods = methods; this.timeoutMs = timeoutMs; }
    }

    // ---- the twelve components ----
    static final class UserCache extends Component {
        static final int MAX = 1100;
        final LinkedHashMap<Long, User> lru = new LinkedHashMap<>(4096, 0.75f, true) {
            @Override protected boolean removeEldestEntry(Map.Entry<Long, User> e) { return size() > MAX; }
        };
        UserCache() {
            super("user-cache");
            for (long i = 0; i < MAX + 200; i++) { // bounded: the first 200 were evicted
                lru.put(i, new User(i, "user" + i, "user" + i + "@example.com", (int) (18 + i % 60)));
            }
        }
        int size() { return lru.size(); }
    }
    static final class SessionStore extends Component {
        final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
        SessionStore() {
            super("session-store");
            for (int i = 0; i < 820; i++) {
                Session s = new Session("sess-" + Integer.toHexString(0x100000 + i * 7919), 1_700_000_000_000L + i);
                s.attributes.put("userId", (long) i);
                s.attributes.put("locale", i % 3 == 0 ? "de_DE" : "en_US");
                sessions.put(s.id, s);
            }
        }
        int size() { return sessions.size(); }
    }
    static final class ProductCatalog extends Component {
        final List<Product> products = new ArrayList<>();
        ProductCatalog() {
            super("product-catalog");
            for (int i = 0; i < 820; i++) {
                products.add(new Product("SKU-" + (100000 + i), "Product number " + i + " (standard edition)",
                        199 + i * 13 % 10000, new String[] {"cat" + i % 20, "brand" + i % 50}));
            }
        }
        int size() { return products.size(); }
    }
    static final class PriceIndex extends Component {
        final TreeMap<String, BigDecimal> prices = new TreeMap<>();
        PriceIndex() {
            super("price-index");
            for (int i = 0; i < 1760; i++) {
                prices.put("SKU-" + (100000 + i), BigDecimal.valueOf(199 + i * 13L % 10000, 2));
            }
        }
        int size() { return prices.size(); }
    }
    static final class RecentOrders extends Component {
        static final int MAX = 3500;
        final ArrayDeque<Order> orders = new ArrayDeque<>(MAX);
        RecentOrders() {
            super("recent-orders");
            for (int i = 0; i < MAX + 700; i++) {
                if (orders.size() == MAX) orders.removeFirst(); // bounded ring
                orders.addLast(new Order(5_000_000L + i, i % 3000, new int[] {i, i + 1, i + 2, i + 3}));
            }
        }
        int size() { return orders.size(); }
    }
    static final class MetricsRegistry extends Component {
        final HashMap<String, long[]> histograms = new HashMap<>();
        MetricsRegistry() {
            super("metrics-registry");
            for (int i = 0; i < 200; i++) {
                long[] buckets = new long[128];
                for (int b = 0; b < buckets.length; b++) buckets[b] = (i * 31L + b) % 1000;
                histograms.put("http.server.requests.route" + i + ".latency", buckets);
            }
        }
        int size() { return histograms.size(); }
    }
    static final class ConfigProperties extends Component {
        final Properties props = new Properties();
        ConfigProperties() {
            super("config");
            for (int i = 0; i < 1480; i++) {
                props.setProperty("app.module" + i % 40 + ".setting" + i, "value-" + i);
            }
        }
        int size() { return props.size(); }
    }
    static final class I18nMessages extends Component {
        final HashMap<String, String> messages = new HashMap<>();
        I18nMessages() {
            super("i18n");
            for (int i = 0; i < 1260; i++) {
                messages.put("msg.key." + i, "Localised message number " + i + " for the user interface");
            }
        }
        int size() { return messages.size(); }
    }
    static final class RateLimiter extends Component {
        final ConcurrentHashMap<String, AtomicLong> buckets = new ConcurrentHashMap<>();
        RateLimiter() {
            super("rate-limiter");
            for (int i = 0; i < 2000; i++) {
                buckets.put("client-" + (i * 2654435761L % 1_000_000), new AtomicLong(i % 100));
            }
        }
        int size() { return buckets.size(); }
    }
    static final class RoutingTable extends Component {
        final HashMap<String, Route> routes = new HashMap<>();
        RoutingTable() {
            super("routing");
            for (int i = 0; i < 1020; i++) {
                String p = "/api/v" + (1 + i % 3) + "/resource" + i + "/{id}";
                routes.put(p, new Route(p, "com.example.web.Handler" + i % 100, new String[] {"GET", "POST"}, 1000 + i % 5000));
            }
        }
        int size() { return routes.size(); }
    }
    static final class TemplateCache extends Component {
        final HashMap<String, String> templates = new HashMap<>();
        TemplateCache() {
            super("template-cache");
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 58; i++) {
                sb.setLength(0);
                while (sb.length() < 4000) sb.append("<div class=\"row-").append(i).append("\">{{item.name}}</div>\n");
                templates.put("templates/page" + i + ".html", sb.toString());
            }
        }
        int size() { return templates.size(); }
    }
    static final class AuditLog extends Component {
        final String[] ring = new String[2400];
        int next;
        AuditLog() {
            super("audit-log");
            for (int i = 0; i < ring.length + 500; i++) {
                ring[next] = "2024-01-01T00:00:" + i % 60 + "Z user" + i % 300 + " action=update id=" + i;
                next = (next + 1) % ring.length;
            }
        }
        int size() { return ring.length; }
    }

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : ".");
        start();
        awaitParked();
        FixtureDump.dump(out, NAME, true);
        FixtureDump.writeFacts(out, NAME, facts());
        System.exit(0);
    }

    static void start() {
        COMPONENTS.add(new UserCache());
        COMPONENTS.add(new SessionStore());
        COMPONENTS.add(new ProductCatalog());
        COMPONENTS.add(new PriceIndex());
        COMPONENTS.add(new RecentOrders());
        COMPONENTS.add(new MetricsRegistry());
        COMPONENTS.add(new ConfigProperties());
        COMPONENTS.add(new I18nMessages());
        COMPONENTS.add(new RateLimiter());
        COMPONENTS.add(new RoutingTable());
        COMPONENTS.add(new TemplateCache());
        COMPONENTS.add(new AuditLog());
        for (Component c : COMPONENTS) {
            Thread t = new Thread(c, c.name + "-maintenance");
            t.setDaemon(true);
            c.thread = t;
            t.start();
        }
    }

    static void awaitParked() throws InterruptedException {
        for (Component c : COMPONENTS) {
            while (c.thread.getState() != Thread.State.WAITING) Thread.sleep(5);
        }
    }

    static Map<String, Object> facts() {
        Map<String, Object> comps = new LinkedHashMap<>();
        for (Component c : COMPONENTS) {
            comps.put(c.getClass().getName(), c.size());
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", NAME);
        f.put("incident", "none (healthy)");
        f.put("components", COMPONENTS.size());
        f.put("component_entries", comps);
        f.put("maintenance_threads", COMPONENTS.size());
        f.put("thread_name_suffix", "-maintenance");
        f.put("max_single_retained_fraction_below", 0.10);
        return f;
    }
}
