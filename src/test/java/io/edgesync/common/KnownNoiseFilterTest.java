package io.edgesync.common;

import java.nio.channels.ClosedChannelException;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which library records the log drops as noise, and that everything else passes. */
class KnownNoiseFilterTest {

    private final KnownNoiseFilter filter = new KnownNoiseFilter();

    @Test
    void theControllerActivationWarningOfEveryStartIsDropped() {
        // Then the controller's activation warning is dropped, whether its text is the message or a parameter
        assertThat(filter.isLoggable(record(KnownNoiseFilter.KAFKA_CONTROLLER, Level.WARNING,
                "[QuorumController id=1] Performing controller activation. The metadata log appears to be empty.",
                null))).isFalse();
        assertThat(filter.isLoggable(record(KnownNoiseFilter.KAFKA_CONTROLLER, Level.WARNING, "{}", null,
                "[QuorumController id=1] Performing controller activation."))).isFalse();
    }

    @Test
    void otherControllerWarningsAndAnAbortedActivationStillShow() {
        // Then an activation warning that aborts partial bootstrap records still shows
        assertThat(filter.isLoggable(record(KnownNoiseFilter.KAFKA_CONTROLLER, Level.WARNING,
                "[QuorumController id=1] Performing controller activation. Aborting partial bootstrap records"
                        + " transaction at offset 12.",
                null))).isTrue();
        // And so does another controller warning
        assertThat(filter.isLoggable(record(KnownNoiseFilter.KAFKA_CONTROLLER, Level.WARNING,
                "[QuorumController id=1] Renouncing the leadership due to a metadata log event.", null))).isTrue();
    }

    @Test
    void aNotificationWrittenToAStreamWhoseClientLeftIsNotAnError() {
        // Given a stream write that failed because the client's channel was closed
        Exception closed = new IllegalStateException("write failed", new ClosedChannelException());
        // Then the SSE handler's error about it is dropped
        assertThat(filter.isLoggable(record(KnownNoiseFilter.SSE_HANDLER, Level.SEVERE,
                "Exception in SSE server handling, impossible to send it to client", closed))).isFalse();
        // And so is one whose cause says the connection was closed
        assertThat(filter.isLoggable(record(KnownNoiseFilter.SSE_HANDLER, Level.SEVERE,
                "Exception in SSE server handling, impossible to send it to client",
                new RuntimeException("Connection was closed")))).isFalse();
    }

    @Test
    void otherStreamFailuresAndOtherLoggersStillShow() {
        // Then an SSE handler error for another failure still shows
        assertThat(filter.isLoggable(record(KnownNoiseFilter.SSE_HANDLER, Level.SEVERE,
                "Exception in SSE server handling, impossible to send it to client",
                new IllegalArgumentException("cannot encode the event")))).isTrue();
        // And so does another logger's warning, even with the activation text and a closed channel
        assertThat(filter.isLoggable(record("io.edgesync.events.OutboxRelay", Level.WARNING,
                "Performing controller activation.", new ClosedChannelException()))).isTrue();
    }

    private static LogRecord record(String logger, Level level, String message, Throwable thrown,
            Object... parameters) {
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName(logger);
        record.setThrown(thrown);
        record.setParameters(parameters.length == 0 ? null : parameters);
        return record;
    }
}
