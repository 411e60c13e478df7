package io.edgesync.cache;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;

/**
 * Drops one known failure of the SQL client's pool, and only that one: when a connection cannot be acquired (the
 * database refuses connections), the pool fails the request at once but leaves its acquire-timeout timer running, and
 * when the timer fires it fails the same promise again ({@code IllegalStateException: Result is already complete} from
 * {@code SqlConnectionPool.execute}, eclipse-vertx/vertx-sql-client issue 1706). The request already had its answer;
 * the second failure is noise that Vert.x would log at ERROR, hundreds of times after an outage, also on idle
 * processes. Every other uncaught exception goes to the handler Quarkus installed.
 */
@ApplicationScoped
public class PoolTimerGuard {

    void install(@Observes StartupEvent event, Vertx vertx) {
        Handler<Throwable> previous = vertx.exceptionHandler();
        vertx.exceptionHandler(failure -> {
            if (isPoolTimerDoubleFailure(failure)) {
                return;
            }
            if (previous != null) {
                previous.handle(failure);
            }
        });
    }

    /** The pool's timer failing a promise that its acquire failure already completed. */
    static boolean isPoolTimerDoubleFailure(Throwable failure) {
        if (!(failure instanceof IllegalStateException) || !"Result is already complete".equals(failure.getMessage())) {
            return false;
        }
        for (StackTraceElement frame : failure.getStackTrace()) {
            if (frame.getClassName().equals("io.vertx.sqlclient.impl.pool.SqlConnectionPool")
                    && frame.getMethodName().startsWith("lambda$execute")) {
                return true;
            }
        }
        return false;
    }
}
