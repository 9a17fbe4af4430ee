package com.example.monitor;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

import com.example.fixtures.FixtureDump;

/**
 * Incident 2 (QueueBacklog): the monitoring client cannot reach its server (a closed port on
 * 127.0.0.1), its sender thread keeps failing to connect, and MESSAGES small Strings pile up in
 * {@code TcpSocketSender.m_queue}, which ends up retaining ~94% of the heap (the rest is the
 * JDK's own baseline of ~1.3 MB with the platform MBean server loaded).
 *
 * <p>Exact by construction: MESSAGES queued Strings, all Latin-1, all exactly MSG_LEN chars,
 * all distinct objects referenced only by the queue's items array.
 */
public final class QueueBacklogApp {
    static final String NAME = "queue_backlog";
    static final int CAPACITY = 100_000;
    /** Overridable for the layout variants of scripts/gen-fixtures.sh (shorter, fewer messages). */
    static final int MESSAGES = Integer.getInteger("fixture.messages", 84_000);
    static final int MSG_LEN = Integer.getInteger("fixture.messageLength", 200);
    static final int MAX_CONNECT_ATTEMPTS = 3;

    /** The client's singleton sender (static, as in the monitoring library). */
    static TcpSocketSender SENDER;
    static Thread SENDER_THREAD;

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : ".");
        int port;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = ss.getLocalPort(); // closed again when the block ends: nothing listens there
        }
        start(port);
        produce();
        while (SENDER.m_failedConnects < MAX_CONNECT_ATTEMPTS) {
            Thread.sleep(10);
        }
        Thread.sleep(100); // let the sender reach its long back-off sleep
        FixtureDump.dump(out, NAME, true);
        FixtureDump.writeFacts(out, NAME, facts(port));
        System.exit(0);
    }

    static void start(int port) {
        SENDER = new TcpSocketSender("127.0.0.1", port, CAPACITY, MAX_CONNECT_ATTEMPTS);
        SENDER_THREAD = new Thread(SENDER, "cat-TcpSocketSender");
        SENDER_THREAD.setDaemon(true);
        SENDER_THREAD.start();
    }

    static final String[] TYPES = {"URL", "SQL", "Cache.redis", "RemoteCall", "Service"};
    static final String[] NAMES = {
        "/api/v1/orders", "SELECT orders by id", "GET user:session", "inventory.reserve",
        "PaymentService.charge", "/api/v1/cart", "UPDATE stock", "GET price:sku"};

    /** The application threads' monitoring calls. */
    static void produce() {
        StringBuilder sb = new StringBuilder(MSG_LEN);
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < MESSAGES; i++) {
            sb.setLength(0);
            sb.append("t").append(t0 + i * 7L)
              .append("\t").append(TYPES[i % TYPES.length])
              .append("\t").append(NAMES[i % NAMES.length])
              .append("\tstatus=").append(i % 97 == 0 ? "500" : "0")
              .append("\tduration=").append(i % 100).append("ms")
              .append("\thost=app-").append(i % 16)
              .append("\tthread=http-nio-8080-exec-").append(i % 20)
              .append("\tdomain=monitor-app\t");
            while (sb.length() < MSG_LEN) sb.append('.');
            if (sb.length() > MSG_LEN) sb.setLength(MSG_LEN); // short messages: the prefix, cut
            String msg = sb.toString(); // a fresh Latin-1 String of exactly MSG_LEN chars
            if (msg.length() != MSG_LEN) throw new AssertionError(msg.length());
            if (!SENDER.send(msg)) throw new AssertionError("queue full at " + i);
        }
    }

    static Map<String, Object> facts(int port) {
        long msgRetained = FixtureDump.latin1StringRetained(MSG_LEN);
        long items = FixtureDump.arraySize(CAPACITY, 4);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", NAME);
        f.put("incident", "QueueBacklog");
        f.put("sender_class", "com.example.monitor.TcpSocketSender");
        f.put("sender_static_holder", "com.example.monitor.QueueBacklogApp.SENDER");
        f.put("queue_field", "m_queue");
        f.put("queue_class", "java.util.concurrent.ArrayBlockingQueue");
        f.put("queue_capacity", CAPACITY);
        f.put("queue_messages", MESSAGES);
        f.put("message_length", MSG_LEN);
        f.put("sender_thread", SENDER_THREAD.getName());
        f.put("server", "127.0.0.1, a closed loopback port (ephemeral, differs per run)");
        f.put("failed_connect_attempts", SENDER.m_failedConnects);
        f.put("sent_messages", SENDER.m_sentMessages);
        Map<String, Object> sizes = new LinkedHashMap<>();
        sizes.put("layout", "64-bit HotSpot, compressed oops and class pointers, 8-byte alignment");
        sizes.put("message_string_shallow", 24);
        sizes.put("message_bytes_array_shallow", FixtureDump.arraySize(MSG_LEN, 1));
        sizes.put("per_message_retained", msgRetained);
        sizes.put("items_array_shallow", items);
        sizes.put("messages_retained", MESSAGES * msgRetained);
        sizes.put("queue_retained_at_least", items + MESSAGES * msgRetained);
        f.put("sizes", sizes);
        return f;
    }
}
