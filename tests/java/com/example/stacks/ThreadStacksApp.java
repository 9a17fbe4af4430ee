package com.example.stacks;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import com.example.fixtures.FixtureDump;

/**
 * "unable to create new native thread" (issue 19): THREADS live threads parked forever, run
 * with -Xss (each reserves that much native stack). Like a monitoring agent, the program asks
 * RuntimeMXBean for its JVM arguments first, so the heap holds them (sun.management
 * .VMManagementImpl caches the list).
 * <ul>
 *   <li>EXEC_THREADS {@code http-nio-8080-exec-1..N}, parked in LockSupport.park;</li>
 *   <li>SCHED_THREADS {@code scheduler-1..N}, parked the same way.</li>
 * </ul>
 */
public final class ThreadStacksApp {
    static final String NAME = "thread_stacks";
    static final int EXEC_THREADS = 2_400;
    static final int SCHED_THREADS = 600;
    static final String EXEC_PREFIX = "http-nio-8080-exec-";
    static final String SCHED_PREFIX = "scheduler-";
    static final List<Thread> THREADS = new ArrayList<>();
    static volatile boolean shutdown;

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : ".");
        List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        start(EXEC_PREFIX, EXEC_THREADS);
        start(SCHED_PREFIX, SCHED_THREADS);
        awaitParked();
        int observed = Thread.getAllStackTraces().size();
        FixtureDump.dump(out, NAME, true);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", NAME);
        f.put("incident", "NativeThreads");
        f.put("app_threads", EXEC_THREADS + SCHED_THREADS);
        Map<String, Object> groups = new LinkedHashMap<>();
        groups.put(EXEC_PREFIX + "*", EXEC_THREADS);
        groups.put(SCHED_PREFIX + "*", SCHED_THREADS);
        f.put("thread_groups", groups);
        String xss = null;
        for (String a : jvmArgs) if (a.startsWith("-Xss")) xss = a.substring(4);
        f.put("xss", xss);
        f.put("xss_bytes", parseSize(xss));
        f.put("threads_total", observed);
        FixtureDump.writeFacts(out, NAME, f);
        System.exit(0);
    }

    static long parseSize(String s) {
        char u = Character.toLowerCase(s.charAt(s.length() - 1));
        long m = u == 'k' ? 1024 : u == 'm' ? 1024 * 1024 : u == 'g' ? 1024L * 1024 * 1024 : 1;
        return Long.parseLong(Character.isDigit(u) ? s : s.substring(0, s.length() - 1)) * m;
    }

    static void start(String prefix, int n) {
        for (int i = 1; i <= n; i++) {
            Thread t = new Thread(ThreadStacksApp::parkForever, prefix + i);
            t.setDaemon(true);
            t.start();
            THREADS.add(t);
        }
    }

    static void parkForever() {
        while (!shutdown) LockSupport.park();
    }

    static void awaitParked() throws InterruptedException {
        while (true) {
            int ok = 0;
            for (Thread t : THREADS) if (t.getState() == Thread.State.WAITING) ok++;
            if (ok == THREADS.size()) return;
            Thread.sleep(20);
        }
    }
}
