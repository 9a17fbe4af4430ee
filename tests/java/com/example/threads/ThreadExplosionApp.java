package com.example.threads;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.example.fixtures.FixtureDump;

/**
 * Incident 4 (ThreadExplosion): thousands of live threads, run with a small -Xss.
 * <ul>
 *   <li>POOL_THREADS executor threads {@code pool-7-thread-1..N} (an unbounded-by-mistake
 *       ThreadPoolExecutor whose core size was set from a config value), each running a task
 *       parked in {@code CountDownLatch.await()} (WAITING);</li>
 *   <li>one {@code OkHttp TaskRunner} thread that holds the connection pool's monitor and is
 *       parked on the same latch;</li>
 *   <li>OKHTTP_THREADS {@code OkHttp ConnectionPool-1..N} threads BLOCKED entering that
 *       monitor.</li>
 * </ul>
 * The dump is taken when every one of them is in that state.
 */
public final class ThreadExplosionApp {
    static final String NAME = "thread_explosion";
    static final int POOL_THREADS = 2000;
    static final int OKHTTP_THREADS = 300;
    static final String POOL_PREFIX = "pool-7-thread-";
    static final String OKHTTP_PREFIX = "OkHttp ConnectionPool-";
    static final String RUNNER_NAME = "OkHttp TaskRunner";

    static final CountDownLatch SHUTDOWN = new CountDownLatch(1);
    static final Object CONNECTION_POOL_LOCK = new ConnectionPoolLock();
    static ThreadPoolExecutor EXECUTOR;
    static final List<Thread> OKHTTP = new ArrayList<>();
    static Thread RUNNER;

    /** A named class for the monitor, so it is easy to find in the dump. */
    static final class ConnectionPoolLock { }

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : ".");
        startPool();
        startOkHttp();
        awaitStates();
        int observed = Thread.getAllStackTraces().size();
        FixtureDump.dump(out, NAME, true);
        FixtureDump.writeFacts(out, NAME, facts(observed));
        System.exit(0);
    }

    static void startPool() throws InterruptedException {
        AtomicInteger n = new AtomicInteger();
        EXECUTOR = new ThreadPoolExecutor(POOL_THREADS, POOL_THREADS, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, POOL_PREFIX + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        CountDownLatch started = new CountDownLatch(POOL_THREADS);
        for (int i = 0; i < POOL_THREADS; i++) {
            EXECUTOR.execute(() -> {
                started.countDown();
                awaitShutdown();
            });
        }
        started.await();
    }

    static void awaitShutdown() {
        try {
            SHUTDOWN.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void startOkHttp() throws InterruptedException {
        CountDownLatch holding = new CountDownLatch(1);
        RUNNER = new Thread(() -> {
            synchronized (CONNECTION_POOL_LOCK) {
                holding.countDown();
                awaitShutdown();
            }
        }, RUNNER_NAME);
        RUNNER.setDaemon(true);
        RUNNER.start();
        holding.await();
        for (int i = 1; i <= OKHTTP_THREADS; i++) {
            Thread t = new Thread(ThreadExplosionApp::cleanup, OKHTTP_PREFIX + i);
            t.setDaemon(true);
            t.start();
            OKHTTP.add(t);
        }
    }

    /** The connection pool's cleanup task: needs the pool's monitor. */
    static void cleanup() {
        synchronized (CONNECTION_POOL_LOCK) {
            CONNECTION_POOL_LOCK.hashCode();
        }
    }

    static void awaitStates() throws InterruptedException {
        while (true) {
            int ok = 0;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                String name = t.getName();
                Thread.State s = t.getState();
                if (name.startsWith(POOL_PREFIX) && s == Thread.State.WAITING) ok++;
                else if (name.startsWith(OKHTTP_PREFIX) && s == Thread.State.BLOCKED) ok++;
                else if (name.equals(RUNNER_NAME) && s == Thread.State.WAITING) ok++;
            }
            if (ok == POOL_THREADS + OKHTTP_THREADS + 1) return;
            Thread.sleep(20);
        }
    }

    static Map<String, Object> facts(int observedThreads) {
        Map<String, Object> groups = new LinkedHashMap<>();
        groups.put(POOL_PREFIX + "*", POOL_THREADS);
        groups.put(OKHTTP_PREFIX + "*", OKHTTP_THREADS);
        groups.put(RUNNER_NAME, 1);
        Map<String, Object> states = new LinkedHashMap<>();
        states.put(POOL_PREFIX + "*", "WAITING (parked in CountDownLatch.await)");
        states.put(OKHTTP_PREFIX + "*", "BLOCKED (entering the monitor of ThreadExplosionApp$ConnectionPoolLock)");
        states.put(RUNNER_NAME, "WAITING (parked in CountDownLatch.await, owns that monitor)");
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", NAME);
        f.put("incident", "ThreadExplosion");
        f.put("xss", "256k");
        f.put("app_threads", POOL_THREADS + OKHTTP_THREADS + 1);
        f.put("thread_groups", groups);
        f.put("thread_states", states);
        f.put("monitor_class", "com.example.threads.ThreadExplosionApp$ConnectionPoolLock");
        f.put("executor_class", "java.util.concurrent.ThreadPoolExecutor");
        f.put("executor_pool_size", POOL_THREADS);
        // Observed, not constructed: Thread.getAllStackTraces() just before the dump (app
        // threads + main + the JDK's Reference Handler, Finalizer, Signal Dispatcher,
        // Common-Cleaner, Notification Thread, ...). Should equal the dump's thread roots.
        f.put("threads_total", observedThreads);
        return f;
    }
}
