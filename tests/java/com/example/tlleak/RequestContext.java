package com.example.tlleak;

/** Per-request state, including a big scratch buffer, kept in a ThreadLocal. */
public final class RequestContext {
    // Layout: 12-byte header + long 8 (at 16) + 2 refs x 4 = 32 bytes.
    final String requestId;
    final long startedNanos;
    final byte[] scratch;

    RequestContext(String requestId, long startedNanos, byte[] scratch) {
        this.requestId = requestId;
        this.startedNanos = startedNanos;
        this.scratch = scratch;
    }
}
