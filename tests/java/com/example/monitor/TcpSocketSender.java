package com.example.monitor;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The monitoring client's sender (modelled on CAT's {@code TcpSocketSender}): messages are put
 * on {@link #m_queue} and a background thread writes them to the server. The server is
 * unreachable, so nothing is ever taken off the queue and it grows up to its (large) capacity.
 */
public final class TcpSocketSender implements Runnable {
    final String m_host;
    final int m_port;
    final ArrayBlockingQueue<String> m_queue;
    volatile int m_failedConnects;
    volatile long m_sentMessages;
    volatile boolean m_active = true;
    private final int maxConnectAttempts;

    TcpSocketSender(String host, int port, int capacity, int maxConnectAttempts) {
        this.m_host = host;
        this.m_port = port;
        this.m_queue = new ArrayBlockingQueue<>(capacity);
        this.maxConnectAttempts = maxConnectAttempts;
    }

    /** Called by application threads; never blocks, drops silently when full (like CAT). */
    boolean send(String message) {
        return m_queue.offer(message);
    }

    @Override
    public void run() {
        while (m_active) {
            Socket socket = connect();
            if (socket == null) {
                // Back off; after maxConnectAttempts failures the back-off is long, so the
                // thread is sleeping (not half-way through a connect) when the dump is taken.
                sleepMillis(m_failedConnects < maxConnectAttempts ? 20 : 600_000);
                continue;
            }
            try (Socket s = socket; OutputStream os = s.getOutputStream()) {
                while (m_active) {
                    String msg = m_queue.poll(100, TimeUnit.MILLISECONDS);
                    if (msg != null) {
                        os.write(msg.getBytes(StandardCharsets.UTF_8));
                        m_sentMessages++;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // reconnect
            }
        }
    }

    private Socket connect() {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(m_host, m_port), 1000);
            return s;
        } catch (IOException e) {
            try { s.close(); } catch (IOException ignored) { }
            m_failedConnects++;
            return null;
        }
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
