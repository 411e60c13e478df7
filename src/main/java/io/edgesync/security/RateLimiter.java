package io.edgesync.security;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Token buckets per client key: {@code rate} tokens per second up to {@code burst}. Buckets idle for a minute are
 * dropped, so memory follows the active fleet.
 */
public final class RateLimiter {

    private static final long IDLE_NANOS = 60_000_000_000L;

    private final double tokensPerNano;
    private final double burst;
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile long lastSweep = System.nanoTime();

    public RateLimiter(int requestsPerSecond, int burst) {
        this.tokensPerNano = requestsPerSecond / 1e9;
        this.burst = Math.max(1, burst);
    }

    private static final class Bucket {
        double tokens;
        long updated;

        Bucket(double tokens, long updated) {
            this.tokens = tokens;
            this.updated = updated;
        }
    }

    /**
     * Takes one token for {@code key}.
     *
     * @return 0 when the request may go ahead, otherwise the seconds until a token is available (at least 1)
     */
    public long tryAcquire(String key) {
        long now = System.nanoTime();
        sweep(now);
        Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(burst, now));
        synchronized (bucket) {
            bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.updated) * tokensPerNano);
            bucket.updated = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return 0;
            }
            double missing = 1 - bucket.tokens;
            return Math.max(1, (long) Math.ceil(missing / tokensPerNano / 1e9));
        }
    }

    private void sweep(long now) {
        if (now - lastSweep < IDLE_NANOS) {
            return;
        }
        lastSweep = now;
        buckets.entrySet().removeIf(entry -> now - entry.getValue().updated > IDLE_NANOS);
    }

    int size() {
        return buckets.size();
    }
}
