package io.edgesync.events;

/** A message that is not a valid event of its topic. It is skipped (and counted), never retried. */
public class EventFormatException extends RuntimeException {

    public EventFormatException(String message) {
        super(message);
    }

    public EventFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
