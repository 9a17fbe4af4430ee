package com.example.tlleak;

import java.util.concurrent.CyclicBarrier;

/**
 * A handler with a per-instance (non-static) ThreadLocal that sets it and never calls
 * {@code remove()}. When the handler is dropped (e.g. on a redeploy) its ThreadLocal becomes
 * unreachable, the weak keys of the workers' ThreadLocalMap entries are cleared by the GC, and
 * the values stay strongly reachable from the idle pool threads: stale entries.
 */
public final class RequestHandler {
    final ThreadLocal<RequestContext> context = new ThreadLocal<>();
    final int bufferBytes;

    RequestHandler(int bufferBytes) {
        this.bufferBytes = bufferBytes;
    }

    void handle(int requestNo, CyclicBarrier allWorkersBusy) throws Exception {
        RequestContext ctx = context.get();
        if (ctx == null) {
            byte[] scratch = new byte[bufferBytes];
            java.util.Arrays.fill(scratch, (byte) requestNo);
            ctx = new RequestContext("req-" + (100_000 + requestNo), System.nanoTime(), scratch);
            context.set(ctx);
        }
        // Every worker holds one request at the same time, so each of the pool's threads gets
        // exactly one task, hence exactly one RequestContext.
        allWorkersBusy.await();
        // ... and no context.remove() in a finally block: the bug.
    }
}
