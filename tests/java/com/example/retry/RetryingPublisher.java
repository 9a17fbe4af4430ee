package com.example.retry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Publishes result batches to a message broker; while the broker is unreachable every batch is
 * kept in {@link #pendingBatches} "to be retried later", which is the leak.
 */
public final class RetryingPublisher {
    /** The singleton, a static field: GC root -> class -> INSTANCE -> pendingBatches. */
    static RetryingPublisher INSTANCE;

    final String brokerHost;
    final int brokerPort;
    final List<ResultBatch> pendingBatches;
    int failedAttempts;
    long lastFailureNanos;

    RetryingPublisher(String brokerHost, int brokerPort, int expectedBatches) {
        this.brokerHost = brokerHost;
        this.brokerPort = brokerPort;
        // Exact capacity, so elementData is an Object[expectedBatches] (no growth slack).
        this.pendingBatches = new ArrayList<>(expectedBatches);
    }

    /** Tries to publish; the broker is down, so the batch is buffered. */
    void publish(ResultBatch batch) {
        if (failedAttempts < 3) {
            // Actually try the broker (a closed port on the loopback interface) a few times,
            // then assume it is still down, as a circuit breaker would.
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(brokerHost, brokerPort), 500);
                throw new IllegalStateException("broker unexpectedly reachable");
            } catch (IOException expected) {
                failedAttempts++;
                lastFailureNanos = System.nanoTime();
            }
        }
        pendingBatches.add(batch);
    }
}
