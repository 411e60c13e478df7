package io.edgesync.common;

import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * Drops log records of libraries that report normal events as warnings or errors, so that a warning or an error in the
 * gateway's log is always worth reading:
 *
 * <ul> <li>Kafka's controller warns every time it becomes active ("Performing controller activation", on the first
 * start with "The metadata log appears to be empty"). The embedded single-node broker activates its controller at every
 * start; an activation that has to abort a partial transaction still shows.</li> <li>Quarkus REST logs an error when it
 * writes a notification to a stream whose client has just gone away ("Exception in SSE server handling, impossible to
 * send it to client" with a closed channel). Devices close their streams all the time; the stream ends either way.</li>
 * </ul>
 */
@LoggingFilter(name = "edgesync-known-noise")
public final class KnownNoiseFilter implements Filter {

    static final String KAFKA_CONTROLLER = "org.apache.kafka.controller.QuorumController";
    static final String SSE_HANDLER = "org.jboss.resteasy.reactive.server.handlers.PublisherResponseHandler";

    @Override
    public boolean isLoggable(LogRecord record) {
        String logger = record.getLoggerName();
        if (KAFKA_CONTROLLER.equals(logger)) {
            // The text may be the message itself or a parameter of a "{}" template.
            String message = record.getMessage() + Arrays.toString(record.getParameters());
            return !message.contains("Performing controller activation.") || message.contains("Aborting");
        }
        if (SSE_HANDLER.equals(logger)) {
            return !clientWentAway(record.getThrown());
        }
        return true;
    }

    private static boolean clientWentAway(Throwable thrown) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof ClosedChannelException || "Connection was closed".equals(cause.getMessage())) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }
}
