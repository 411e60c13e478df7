package io.edgesync.events;

import java.time.Duration;
import java.util.function.IntFunction;

import io.smallrye.mutiny.Uni;

/** Deleting what retention removes in batches, each its own short statement, until a batch comes back short. */
public final class RetentionBatches {

    /** Rows one statement deletes at most. */
    public static final int SIZE = 5_000;

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private RetentionBatches() {
    }

    /**
     * Runs {@code deleteBatch} (given the batch size, answering how many rows it deleted) until it deletes fewer rows
     * than a batch holds; blocks.
     *
     * @return the rows deleted in all
     */
    public static int deleteAll(IntFunction<Uni<Integer>> deleteBatch) {
        int deleted = 0;
        int batch;
        do {
            batch = deleteBatch.apply(SIZE).await().atMost(TIMEOUT);
            deleted += batch;
        } while (batch == SIZE);
        return deleted;
    }
}
