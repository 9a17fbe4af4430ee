package com.example.offheap;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A pool-like holder of direct memory (as Netty's or a database driver's arena): fixed-size
 * direct chunks allocated up front and kept in a free list, whether or not anything uses them.
 */
public final class ChunkPool {
    /** The one pool (a static: its chunks are held for the life of the class). */
    static ChunkPool INSTANCE;

    final int chunkSize;
    final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();

    ChunkPool(int chunks, int chunkSize) {
        this.chunkSize = chunkSize;
        for (int i = 0; i < chunks; i++) {
            free.add(ByteBuffer.allocateDirect(chunkSize));
        }
    }
}
