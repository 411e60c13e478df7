package io.edgesync.common;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Optional;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/**
 * What a failed database statement means for the caller when the request itself is the cause (400) or the database is
 * busy (503 with {@code Retry-After}); anything else is the gateway's own failure.
 */
public final class DatabaseErrors {

    /** SQLSTATE of the bounded string functions of queries (es_replace, es_concat). */
    private static final String STRING_TOO_LONG = "EF002";
    private static final String PROGRAM_LIMIT_EXCEEDED = "54000";
    private static final String QUERY_CANCELED = "57014";
    private static final String INSUFFICIENT_RESOURCES = "53";
    private static final String DATA_EXCEPTION = "22";

    private DatabaseErrors() {
    }

    /** Seconds a client is asked to wait while the database cannot be reached. */
    static final int UNREACHABLE_RETRY_AFTER_SECONDS = 5;

    /**
     * Whether {@code failure}, or one of its causes, says the database cannot be reached: no connection (refused,
     * closed, timed out) or a server that is shutting down or not accepting connections (SQLSTATE 08xxx, 57P01-57P03).
     */
    public static boolean isUnreachable(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof ClosedConnectionException
                    || cause instanceof ClosedChannelException || cause instanceof ConnectTimeoutException
                    || cause instanceof NoRouteToHostException) {
                return true;
            }
            if (cause instanceof IOException && brokenConnection(String.valueOf(cause.getMessage()))) {
                // Writing to a connection the database (or the network) dropped: "Broken pipe", "Connection reset"
                return true;
            }
            if (cause instanceof PgException pg && pg.getSqlState() != null) {
                String state = pg.getSqlState();
                if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                        || state.equals("57P03")) {
                    return true;
                }
            }
            String message = String.valueOf(cause.getMessage());
            if (cause.getClass().getName().startsWith("io.vertx") && (message.contains("Connection refused")
                    || message.contains("Timeout") || message.contains("timed out"))) {
                // The pool's own failures: no connection could be made or acquired in time
                return true;
            }
        }
        return false;
    }

    private static boolean brokenConnection(String message) {
        return message.contains("Broken pipe") || message.contains("Connection reset");
    }

    /** A failure in one short phrase for a log line: its innermost cause's class and message. */
    static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /** The answer {@code failure} calls for, when the request or the database's load caused it. */
    public static Optional<DomainException> classify(Throwable failure) {
        if (!(failure instanceof PgException pg) || pg.getSqlState() == null) {
            return Optional.empty();
        }
        String state = pg.getSqlState();
        if (STRING_TOO_LONG.equals(state)) {
            return Optional.of(DomainException.invalid("The query builds a string longer than 1048576 characters"
                    + " (nested replace or concat); ask for less"));
        }
        if (PROGRAM_LIMIT_EXCEEDED.equals(state) || state.startsWith(DATA_EXCEPTION)) {
            return Optional.of(DomainException.invalid(
                    "The request could not be evaluated: a value is out of range, of the wrong type or too large"));
        }
        if (QUERY_CANCELED.equals(state)) {
            // The statement timeout (edgesync.limits.statement-timeout-millis), or an administrator's cancel.
            return Optional.of(new ServiceUnavailableException(
                    "The database did not answer in time; retry later, or ask for less", 2));
        }
        if (state.startsWith(INSUFFICIENT_RESOURCES)) {
            return Optional.of(new ServiceUnavailableException("The database is short of resources; retry later", 5));
        }
        return Optional.empty();
    }
}
