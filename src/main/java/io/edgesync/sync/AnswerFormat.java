package io.edgesync.sync;

import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.TableInfo;
import io.edgesync.cache.WriteOutcome;

/**
 * How a protocol answers one operation: the status its queue entry gets and the answer stored with it (a native device
 * that retries a batch gets the stored answers back).
 */
public interface AnswerFormat {

    /**
     * An operation's answer.
     *
     * @param status {@code applied}, {@code conflict}, {@code rejected} or {@code parked}
     * @param error why it was rejected or parked
     * @param body the answer to store with the queue entry
     */
    record Answer(String status, Optional<String> error, ObjectNode body) {
    }

    /**
     * The answer to an operation.
     *
     * @param seq its position in the device's queue (0 without a device)
     * @param operationId its id
     * @param table its table, when it names one the gateway serves
     * @param outcome what became of it
     * @param stopsOnConflict whether its table parks a device's later operations behind one that failed
     */
    Answer answer(long seq, String operationId, WriteRequest request, Optional<TableInfo> table,
            WriteOutcome outcome, boolean stopsOnConflict);

    /**
     * Whether the stored answer of an applied operation depends only on the record's new version, not on its stamp:
     * then a single write can store its answer in the statement that draws the stamp (one round trip).
     */
    default boolean answersWithoutStamp() {
        return false;
    }

    /** Whether an operation with this answer makes later operations on its table wait (stop-on-conflict tables). */
    default boolean blocksLaterOperations(Answer answer) {
        return answer.status().equals("parked");
    }
}
