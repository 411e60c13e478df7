package io.edgesync.common;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;

/**
 * What a failed database call means for a request ({@link DatabaseErrors}), and the outages behind them: the first
 * request refused with 503 because the database cannot be reached logs the outage once, the next successful round of
 * the visibility horizon logs its end once, and {@code edgesync.database.unavailable} counts the refused requests.
 */
@ApplicationScoped
public class DatabaseAvailability {

    private final Counter refused;
    private final AtomicReference<Instant> outageSince = new AtomicReference<>();
    private final AtomicLong refusedInOutage = new AtomicLong();

    public DatabaseAvailability(MeterRegistry metrics) {
        this.refused = Counter.builder("edgesync.database.unavailable")
                .description("Requests answered 503 because the database could not be reached")
                .register(metrics);
    }

    /** The answer {@code failure} calls for when the request, the database's load or its absence caused it. */
    public Optional<DomainException> classify(Throwable failure) {
        if (DatabaseErrors.isUnreachable(failure)) {
            refused.increment();
            refusedInOutage.incrementAndGet();
            if (outageSince.compareAndSet(null, Instant.now())) {
                Log.warnf("The database cannot be reached (%s): requests that need it answer 503 with Retry-After"
                        + " until it is back", DatabaseErrors.describe(failure));
            }
            return Optional.of(new ServiceUnavailableException("The database is unavailable; retry later",
                    DatabaseErrors.UNREACHABLE_RETRY_AFTER_SECONDS));
        }
        return DatabaseErrors.classify(failure);
    }

    /**
     * The failure as the caller gets it, when it is not the server's own: a caller's failure
     * ({@link ErrorTable#callerFailure}) or the database's ({@link #classify}).
     */
    public Optional<DomainException> knownFailure(Throwable failure) {
        return ErrorTable.callerFailure(failure).or(() -> classify(failure));
    }

    /** The database answered: ends an outage requests saw, with one line. */
    public void reachable() {
        Instant since = outageSince.getAndSet(null);
        if (since != null) {
            Log.infof("The database can be reached again after %d s (%d requests answered 503 meanwhile)",
                    Duration.between(since, Instant.now()).toSeconds(), refusedInOutage.getAndSet(0));
        }
    }
}
