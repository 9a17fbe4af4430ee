package com.example.retry;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

import com.example.fixtures.FixtureDump;

/**
 * Incident 1 (RetryBuffer): a compute job keeps its result batches in memory while the message
 * broker is down; {@code RetryingPublisher.INSTANCE.pendingBatches} retains most of the heap.
 *
 * <p>Exact by construction: BATCHES ResultBatch objects, each with one byte[PAYLOAD] payload
 * and one unique Latin-1 String id of ID_LEN chars ("batch-000001" ...); nothing else refers to
 * a batch, its id or its payload, so the retained size of the ArrayList is plain arithmetic.
 */
public final class RetryBufferApp {
    static final String NAME = "retry_buffer";
    static final int BATCHES = 2000;
    static final int PAYLOAD = 4096;
    static final int ID_LEN = 12; // "batch-" + 6 digits

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : ".");
        int port = closedLoopbackPort();
        build(port);
        FixtureDump.dump(out, NAME, true);
        FixtureDump.writeFacts(out, NAME, facts(port));
        System.exit(0);
    }

    /** A loopback port with nothing listening: bind an ephemeral port, then close it. */
    static int closedLoopbackPort() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return ss.getLocalPort();
        }
    }

    /** Runs the "compute job"; all state ends up under the static singleton. */
    static void build(int port) {
        RetryingPublisher.INSTANCE = new RetryingPublisher("127.0.0.1", port, BATCHES);
        for (int i = 1; i <= BATCHES; i++) {
            RetryingPublisher.INSTANCE.publish(compute(i));
        }
    }

    static ResultBatch compute(int seq) {
        byte[] payload = new byte[PAYLOAD];
        // Low-entropy "results": a 64-byte row repeated, so the dump gzips well.
        for (int i = 0; i < PAYLOAD; i++) {
            payload[i] = (byte) ((i & 63) == 0 ? seq : (i & 63));
        }
        String id = String.format("batch-%06d", seq); // a fresh, unique String
        if (id.length() != ID_LEN) throw new AssertionError(id);
        return new ResultBatch(seq, System.nanoTime(), id, payload);
    }

    static Map<String, Object> facts(int port) {
        long payloadArray = FixtureDump.arraySize(PAYLOAD, 1);   // 4112
        long idString = FixtureDump.latin1StringRetained(ID_LEN); // 24 + 32
        long batchShallow = 32;
        long perBatch = batchShallow + idString + payloadArray;
        long listShallow = 24;
        long elementData = FixtureDump.arraySize(BATCHES, 4);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", NAME);
        f.put("incident", "RetryBuffer");
        f.put("holder_class", "com.example.retry.RetryingPublisher");
        f.put("holder_static_field", "INSTANCE");
        f.put("collection_field", "pendingBatches");
        f.put("collection_class", "java.util.ArrayList");
        f.put("batch_class", "com.example.retry.ResultBatch");
        f.put("batches", BATCHES);
        f.put("payload_bytes", PAYLOAD);
        f.put("id_length", ID_LEN);
        f.put("id_first", "batch-000001");
        f.put("id_last", String.format("batch-%06d", BATCHES));
        f.put("broker", "127.0.0.1, a closed loopback port (ephemeral, differs per run)");
        f.put("failed_connect_attempts", RetryingPublisher.INSTANCE.failedAttempts);
        Map<String, Object> sizes = new LinkedHashMap<>();
        sizes.put("layout", "64-bit HotSpot, compressed oops and class pointers, 8-byte alignment");
        sizes.put("result_batch_shallow", batchShallow);
        sizes.put("payload_array_shallow", payloadArray);
        sizes.put("id_string_shallow", 24);
        sizes.put("id_bytes_array_shallow", FixtureDump.arraySize(ID_LEN, 1));
        sizes.put("per_batch_retained", perBatch);
        sizes.put("array_list_shallow", listShallow);
        sizes.put("element_data_shallow", elementData);
        sizes.put("pending_batches_retained", listShallow + elementData + BATCHES * perBatch);
        sizes.put("payload_bytes_total", (long) BATCHES * PAYLOAD);
        f.put("sizes", sizes);
        return f;
    }
}
