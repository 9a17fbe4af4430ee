package com.example.oom;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

import com.example.fixtures.FixtureDump;

/**
 * Incident 7 (OomExport): a report export grows a {@code ByteArrayOutputStream} to
 * EXPORT_BYTES, then asks for FRAMES upload frames of FRAME_BYTES each in one
 * {@code new byte[FRAMES][FRAME_BYTES]}; the heap ({@code -Xmx32m}) runs out on the second
 * frame and {@code -XX:+HeapDumpOnOutOfMemoryError} writes {@code oom_export.hprof}.
 *
 * <p>Why the dump holds a giant <em>unreachable</em> array: HotSpot runs a full GC before it
 * throws OutOfMemoryError, so ordinary garbage is gone from an OOM dump; what is left
 * unreachable are the objects that only the VM itself held while the failing allocation ran.
 * Here the outer {@code byte[][]} and the first frame ({@code byte[FRAME_BYTES]}, already
 * allocated) are referenced only by the VM's handles inside the multi-array allocation, which
 * the heap dumper does not write as GC roots. The export buffer itself stays reachable (static
 * {@code Exporter.CURRENT}).
 *
 * <p>Not a {@code FixtureDump.dump}: the JVM writes the dump at the OutOfMemoryError (not a
 * live dump). The histogram is taken just before the failing allocation. The program catches
 * the error and exits 0.
 */
public final class OomExportApp {
    static final String NAME = "oom_export";
    static final int ROW = 128;
    static final int ROWS = 48 * 1024; // 6 MiB of rows: the stream's buffer grows to 8 MiB
    static final int FRAMES = 3;
    static final int FRAME_BYTES = 10 * 1024 * 1024;

    /** The export in progress (reachable at the OOM). */
    static final class Exporter {
        static Exporter CURRENT;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[][] frames;

        void writeRows() {
            byte[] row = new byte[ROW];
            for (int i = 0; i < ROWS; i++) {
                byte[] n = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
                java.util.Arrays.fill(row, (byte) ',');
                System.arraycopy(n, 0, row, 0, n.length);
                row[ROW - 1] = '\n';
                out.write(row, 0, ROW);
            }
        }

        void frame() {
            frames = new byte[FRAMES][FRAME_BYTES];
        }
    }

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : ".");
        Files.createDirectories(out);
        Files.deleteIfExists(out.resolve(NAME + ".hprof")); // the JVM does not overwrite
        Exporter.CURRENT = new Exporter();
        Exporter.CURRENT.writeRows();
        Files.write(out.resolve(NAME + ".histo.txt"),
                FixtureDump.classHistogram().getBytes(StandardCharsets.UTF_8));
        boolean failed = false;
        try {
            Exporter.CURRENT.frame();
        } catch (OutOfMemoryError e) {
            failed = true;
        }
        if (!failed) throw new AssertionError("no OutOfMemoryError: raise FRAMES or FRAME_BYTES");
        FixtureDump.writeFacts(out, NAME, facts());
        System.exit(0);
    }

    static Map<String, Object> facts() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", NAME);
        f.put("incident", "OutOfMemoryError in new byte[" + FRAMES + "][" + FRAME_BYTES + "]");
        f.put("export_bytes", (long) ROWS * ROW);
        long capacity = 128; // ByteArrayOutputStream doubles from 32 (first write: 128)
        while (capacity < (long) ROWS * ROW) capacity <<= 1;
        f.put("export_buffer_capacity", capacity);
        f.put("frames", FRAMES);
        f.put("giant_class", "byte[]");
        f.put("giant_length", FRAME_BYTES);
        f.put("giant_shallow", FixtureDump.arraySize(FRAME_BYTES, 1));
        return f;
    }
}
