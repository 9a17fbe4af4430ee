package com.example.tlleak;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.example.fixtures.FixtureDump;

/**
 * Incident 3 (ThreadLocalLeak): POOL_THREADS pooled workers, each with one stale
 * ThreadLocalMap entry (referent null, value a RequestContext holding byte[BUFFER]); the
 * workers are alive and idle (parked in the pool's queue) when the dump is taken.
 */
public final class ThreadLocalLeakApp {
    static final String NAME = "threadlocal_leak";
    static final int POOL_THREADS = 16;
    static final int BUFFER = 256 * 1024;
    static final String THREAD_PREFIX = "request-worker-";

    /** The application's pool (static: lives for the application's lifetime). */
    static ExecutorService POOL;

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : ".");
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, THREAD_PREFIX + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        POOL = new ThreadPoolExecutor(POOL_THREADS, POOL_THREADS, 0L, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), tf);
        serveRequests();
        awaitStaleKeys();
        FixtureDump.dump(out, NAME, true);
        FixtureDump.writeFacts(out, NAME, facts());
        System.exit(0);
    }

    /** Handles POOL_THREADS concurrent requests with a handler that is then dropped. */
    static void serveRequests() throws Exception {
        RequestHandler handler = new RequestHandler(BUFFER);
        CyclicBarrier barrier = new CyclicBarrier(POOL_THREADS);
        CountDownLatch done = new CountDownLatch(POOL_THREADS);
        for (int i = 1; i <= POOL_THREADS; i++) {
            final int req = i;
            POOL.execute(() -> {
                try {
                    handler.handle(req, barrier);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        // handler (and with it the only strong reference to its ThreadLocal) goes out of scope
    }

    /** Full GCs until the ThreadLocal is collected (the weak keys are then cleared). */
    static void awaitStaleKeys() throws InterruptedException {
        // The tasks' lambdas are gone once the workers are back in getTask(); give them a moment.
        Thread.sleep(200);
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
    }

    static Map<String, Object> facts() {
        long buf = FixtureDump.arraySize(BUFFER, 1);
        long idStr = FixtureDump.latin1StringRetained("req-100001".length());
        long perCtx = 32 + idStr + buf;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", NAME);
        f.put("incident", "ThreadLocalLeak");
        f.put("pool_threads", POOL_THREADS);
        f.put("thread_name_prefix", THREAD_PREFIX);
        f.put("thread_groups", Map.of(THREAD_PREFIX + "*", POOL_THREADS));
        f.put("threadlocal_value_class", "com.example.tlleak.RequestContext");
        f.put("threadlocal_owner_class", "com.example.tlleak.RequestHandler (collected)");
        f.put("stale_entries", POOL_THREADS);
        f.put("stale_entries_per_thread", 1);
        f.put("buffer_bytes", BUFFER);
        Map<String, Object> sizes = new LinkedHashMap<>();
        sizes.put("layout", "64-bit HotSpot, compressed oops and class pointers, 8-byte alignment");
        sizes.put("request_context_shallow", 32);
        sizes.put("buffer_array_shallow", buf);
        sizes.put("request_id_retained", idStr);
        sizes.put("per_context_retained", perCtx);
        sizes.put("all_contexts_retained", POOL_THREADS * perCtx);
        f.put("sizes", sizes);
        return f;
    }
}
