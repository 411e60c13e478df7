package io.edgesync.sync;

import java.util.Optional;

import io.edgesync.security.Caller;

/**
 * Who writes: the caller, and the device whose queue records the operations, if the request names one.
 *
 * @param caller the authenticated user (or nobody)
 * @param deviceId the device, when the request names a valid one
 * @param protocol {@code zumo-v2}, {@code zumo-v3} or {@code native}
 * @param clientVersion what the client says it is, if anything
 * @param answers how the protocol answers each operation and records it in the queue
 */
public record WriteCall(Caller caller, Optional<String> deviceId, String protocol, Optional<String> clientVersion,
        AnswerFormat answers) {
}
