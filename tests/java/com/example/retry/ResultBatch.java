package com.example.retry;

/** One batch of computed results waiting to be published. */
public final class ResultBatch {
    // Layout (64-bit, compressed oops): 12-byte header + int 4 + long 8 + 2 refs x 4 = 32 bytes.
    final int sequence;
    final long computedAtNanos;
    final String id;
    final byte[] payload;

    ResultBatch(int sequence, long computedAtNanos, String id, byte[] payload) {
        this.sequence = sequence;
        this.computedAtNanos = computedAtNanos;
        this.id = id;
        this.payload = payload;
    }
}
