package io.edgesync.protocol.nativeapi;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Documentation only: a native push's answer as {@link SyncResource} writes it, for the OpenAPI document.
 *
 * @param results one result per operation, in the batch's order
 */
@Schema(name = "PushResult", description = "One result per operation of the batch, in its order; a retried batch gets"
        + " the stored results of operations applied before")
public record PushResult(@Schema(required = true) List<PushOperationResult> results) {
}
