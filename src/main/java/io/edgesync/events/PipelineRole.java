package io.edgesync.events;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A role's part of the event pipeline: the outbox its transactions write, what it consumes, and its own periodic work.
 * {@link EventPipeline} runs the parts of the roles this process has and knows nothing else of them: the edge's part is
 * {@link EdgePipelineRole}, the central service brings its own.
 */
public interface PipelineRole {

    /** Whether this process has the role. */
    boolean enabled();

    /** The outbox the role's transactions write; the pipeline relays it to Kafka. */
    OutboxSource outbox();

    /** What the role consumes. */
    Consumption consumption();

    /**
     * The role's consumer exists and is about to start: the role schedules its own periodic work on
     * {@code housekeeping} (the pipeline's threads), which runs while the topics are ready.
     */
    default void starting(KafkaConsumerLoop consumer, Housekeeping housekeeping,
            BooleanSupplier topicsReady) {
    }

    /** The pipeline stops; its consumers and relays have stopped. */
    default void stopped() {
    }

    /** Deletes what the role keeps only for a while; called every retention interval. */
    default void applyRetention() {
    }

    /** One line for the start-up log: what the role publishes and consumes. */
    String describe();

    /**
     * The topics a role consumes and how.
     *
     * @param name the consumer's name in metrics, logs and readiness
     * @param batchSize records of one topic handled at once (of any of its partitions, each partition's in order)
     * @param writesOutbox whether handling a batch writes the role's outbox: its relay is woken after each batch
     */
    record Consumption(String name, String group, List<String> topics, int batchSize,
            KafkaConsumerLoop.BatchHandler handler, boolean writesOutbox) {
    }
}
