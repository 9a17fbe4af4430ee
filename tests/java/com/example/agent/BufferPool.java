package com.example.agent;

/** A pool of big direct-style chunks, pre-allocated (so zero-filled) and never shrunk. */
public final class BufferPool {
    static BufferPool SHARED;

    final byte[][] chunks;
    final int chunkSize;

    BufferPool(int count, int chunkSize) {
        this.chunkSize = chunkSize;
        this.chunks = new byte[count][];
        for (int i = 0; i < count; i++) {
            chunks[i] = new byte[chunkSize];
        }
    }
}
