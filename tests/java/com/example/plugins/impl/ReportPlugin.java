package com.example.plugins.impl;

/**
 * The plugin: every deployment's class loader defines its own copy of this class and of
 * {@link Formatter}. It keeps a render cache of {@code CACHE_BYTES}.
 */
public final class ReportPlugin implements Runnable {
    public static final int CACHE_BYTES = 64 * 1024;
    private final byte[] cache = new byte[CACHE_BYTES];
    private final Formatter formatter = new Formatter("report");

    @Override
    public void run() {
        cache[0] = (byte) formatter.format(1).length();
    }
}
