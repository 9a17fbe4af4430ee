package com.example.agent;

import java.util.concurrent.CountDownLatch;

/**
 * Decodes an "image" into an int[] pixel array that is referenced only by a local variable of
 * {@link #decode}; the thread then waits inside decode (think: a slow downstream call), so the
 * array's only GC root in the dump is a ROOT JAVA FRAME of that thread.
 */
public final class ImageDecoder implements Runnable {
    final int width;
    final int height;
    final CountDownLatch decoded = new CountDownLatch(1);
    final CountDownLatch release;
    volatile long checksum;

    ImageDecoder(int width, int height, CountDownLatch release) {
        this.width = width;
        this.height = height;
        this.release = release;
    }

    @Override
    public void run() {
        checksum = decode();
    }

    /** No loop here, so this method stays interpreted and its locals are plain frame slots. */
    long decode() {
        int[] pixels = new int[width * height];
        fill(pixels, width);
        decoded.countDown();
        sleepUntilReleased();
        return pixels.length + pixels[pixels.length - 1]; // pixels is live across the wait
    }

    private static void fill(int[] pixels, int width) {
        // A smooth vertical gradient: each row is one colour, so the dump compresses well.
        for (int i = 0; i < pixels.length; i++) {
            int row = i / width;
            pixels[i] = 0xFF000000 | ((row & 0xFF) << 16) | (((row >> 8) & 0xFF) << 8) | 0x40;
        }
    }

    private void sleepUntilReleased() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
