package io.edgesync.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a REST resource as part of one role. In a process whose {@code edgesync.role} does not include it, its
 * endpoints answer 404 as if they did not exist.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ActiveIn {
    Role value();
}
