package io.edgesync.notify;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.ws.rs.NameBinding;

/**
 * Marks the endpoint of change-notification streams, the only one {@link StreamGuard} checks: bound by name, the guard
 * does not run (and cost a reactive step) for every other request.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface GuardedStream {
}
