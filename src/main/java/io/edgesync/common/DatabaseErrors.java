package io.edgesync.common;

import java.util.Optional;

import io.vertx.pgclient.PgException;

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

    /** The answer {@code failure} calls for, when the request or the database's load caused it. */
    public static Optional<ApiException> classify(Throwable failure) {
        if (!(failure instanceof PgException pg) || pg.getSqlState() == null) {
            return Optional.empty();
        }
        String state = pg.getSqlState();
        if (STRING_TOO_LONG.equals(state)) {
            return Optional.of(ApiException.badRequest("The query builds a string longer than 1048576 characters"
                    + " (nested replace or concat); ask for less"));
        }
        if (PROGRAM_LIMIT_EXCEEDED.equals(state) || state.startsWith(DATA_EXCEPTION)) {
            return Optional.of(ApiException.badRequest(
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
