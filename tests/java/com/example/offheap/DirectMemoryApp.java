package com.example.offheap;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import com.example.fixtures.FixtureDump;

/**
 * Process memory beyond the heap (issue 19): a small heap (-Xmx64m) whose process holds far
 * more native memory in direct and mapped buffers. Run with -XX:MaxDirectMemorySize=512m.
 * <ul>
 *   <li>{@link ChunkPool#INSTANCE}: POOL_CHUNKS direct chunks of CHUNK_BYTES (320 MiB), held
 *       in the pool's free list;</li>
 *   <li>{@link FrameDecoder#DECODERS}: 3 direct buffers of DECODER_BYTES, each with a 64-byte
 *       slice (a view: no memory of its own);</li>
 *   <li>{@link #FREED}: a direct buffer of FREED_BYTES whose memory was freed explicitly
 *       (Unsafe.invokeCleaner, as Netty and Lucene do): still an object, no longer memory;</li>
 *   <li>thread {@code nio-writer}: wrote a heap buffer of NIO_WRITE_BYTES through a FileChannel,
 *       so the JDK's per-thread temporary direct-buffer cache (sun.nio.ch.Util$BufferCache)
 *       keeps a direct buffer of that capacity; the thread then waits forever;</li>
 *   <li>{@link MappedIndex#INSTANCE}: a MappedByteBuffer of MAPPED_BYTES over a file.</li>
 * </ul>
 * The facts record the JVM's own BufferPoolMXBean figures ("direct", "mapped") read right
 * after the dump: they are the java.nio.Bits counters the dump holds.
 */
public final class DirectMemoryApp {
    static final String NAME = "direct_memory";
    static final int POOL_CHUNKS = 40;
    static final int CHUNK_BYTES = 8 * 1024 * 1024;
    static final int DECODER_BYTES = 65_536;
    static final int FREED_BYTES = 1024 * 1024;
    static final int NIO_WRITE_BYTES = 100_000;
    static final int MAPPED_BYTES = 4 * 1024 * 1024;

    static ByteBuffer FREED;
    static final CountDownLatch SHUTDOWN = new CountDownLatch(1);

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : ".");
        Files.createDirectories(out);
        ChunkPool.INSTANCE = new ChunkPool(POOL_CHUNKS, CHUNK_BYTES);
        for (int i = 0; i < FrameDecoder.DECODERS.length; i++) {
            FrameDecoder.DECODERS[i] = new FrameDecoder(DECODER_BYTES);
        }
        FREED = ByteBuffer.allocateDirect(FREED_BYTES);
        unsafeInvokeCleaner(FREED);
        Path scratch = Files.createTempFile("nio-writer", ".bin");
        startNioWriter(scratch);
        Path index = Files.createTempFile("mapped-index", ".bin");
        MappedIndex.INSTANCE = new MappedIndex(index, MAPPED_BYTES);

        FixtureDump.dump(out, NAME, true);
        Map<String, Object> facts = facts();
        FixtureDump.writeFacts(out, NAME, facts);
        Files.deleteIfExists(scratch);
        Files.deleteIfExists(index);
        System.exit(0);
    }

    static void unsafeInvokeCleaner(ByteBuffer b) throws Exception {
        Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        ((sun.misc.Unsafe) f.get(null)).invokeCleaner(b);
    }

    static void startNioWriter(Path file) throws InterruptedException {
        CountDownLatch wrote = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[NIO_WRITE_BYTES]));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
            wrote.countDown();
            try {
                SHUTDOWN.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "nio-writer");
        t.setDaemon(true);
        t.start();
        wrote.await();
    }

    static Map<String, Object> facts() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", NAME);
        f.put("incident", "DirectMemory");
        f.put("pool_holder", ChunkPool.class.getName());
        f.put("pool_buffers", POOL_CHUNKS);
        f.put("pool_capacity", (long) POOL_CHUNKS * CHUNK_BYTES);
        f.put("chunk_bytes", CHUNK_BYTES);
        f.put("decoder_holder", FrameDecoder.class.getName());
        f.put("decoder_buffers", FrameDecoder.DECODERS.length);
        f.put("decoder_capacity", (long) FrameDecoder.DECODERS.length * DECODER_BYTES);
        f.put("decoder_slices", FrameDecoder.DECODERS.length);
        f.put("freed_buffer_bytes", FREED_BYTES);
        f.put("nio_temp_buffer_bytes", NIO_WRITE_BYTES);
        f.put("mapped_holder", MappedIndex.class.getName());
        f.put("mapped_bytes", MAPPED_BYTES);
        f.put("max_direct_memory", 512L * 1024 * 1024);
        // Observed, not constructed: the JVM's own counters right after the dump (the Bits
        // counters for "direct"; the FileChannelImpl unmapper counters for "mapped").
        for (BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            String k = p.getName().replaceAll("[^a-z]+", "_");
            f.put(k + "_count", p.getCount());
            f.put(k + "_total_capacity", p.getTotalCapacity());
            f.put(k + "_memory_used", p.getMemoryUsed());
        }
        return f;
    }
}
