package io.edgesync.sync;

import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.TableInfo;
import io.edgesync.cache.WriteOutcome;

/**
 * What became of one operation.
 *
 * @param table the table, when the operation named one the gateway serves
 * @param outcome the effect on the cache, or why there was none
 * @param answer the protocol's answer (for a retried native operation: the answer stored the first time)
 * @param replayed whether the operation had been received before and was not applied again
 */
public record WriteResult(Optional<TableInfo> table, WriteOutcome outcome, ObjectNode answer, boolean replayed) {
}
