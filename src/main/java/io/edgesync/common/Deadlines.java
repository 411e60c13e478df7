package io.edgesync.common;

import java.time.Duration;

import io.smallrye.mutiny.Uni;

/**
 * Bounds how long a device waits: an answer not ready within the request timeout
 * ({@code edgesync.limits.request-timeout-millis}) becomes a 503 with {@code Retry-After}. The work behind it finishes
 * or fails on its own, all or nothing; a client retrying a write meets its idempotence (native operation ids, ZUMO ids
 * and versions).
 */
public final class Deadlines {

    /** Seconds a client is asked to wait after a request ran out of time. */
    static final int RETRY_AFTER_SECONDS = 5;

    private Deadlines() {
    }

    /** {@code work}, failing with a 503 when it has no answer within {@code timeout} (none when not positive). */
    public static <T> Uni<T> within(Uni<T> work, Duration timeout) {
        if (timeout.isZero() || timeout.isNegative()) {
            return work;
        }
        return work.ifNoItem()
                .after(timeout)
                .failWith(() -> new ServiceUnavailableException("No answer within " + timeout.toMillis()
                        + " ms (the database may be unavailable); retry later", RETRY_AFTER_SECONDS));
    }
}
