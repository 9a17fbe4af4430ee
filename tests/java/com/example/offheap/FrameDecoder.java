package com.example.offheap;

import java.nio.ByteBuffer;

/**
 * An application class with a few direct buffers of its own, plus a slice (a view that shares
 * its parent's memory and must not be counted twice).
 */
public final class FrameDecoder {
    static final FrameDecoder[] DECODERS = new FrameDecoder[3];

    final ByteBuffer input;
    final ByteBuffer header;

    FrameDecoder(int capacity) {
        input = ByteBuffer.allocateDirect(capacity);
        header = input.slice(0, 64);
    }
}
