package io.edgesync.embedded;

/** Conversions between the JDBC URL (Flyway) and the Vert.x reactive URL (the application) of one database. */
public final class DatabaseUrls {

    private static final String JDBC_PREFIX = "jdbc:";
    private static final String VERTX_PREFIX = "vertx-reactive:";

    private DatabaseUrls() {
    }

    /** {@code jdbc:postgresql://h:5432/db?x=y} becomes {@code postgresql://h:5432/db?x=y}. */
    public static String reactiveFromJdbc(String jdbcUrl) {
        if (!jdbcUrl.startsWith(JDBC_PREFIX)) {
            throw new IllegalArgumentException("Not a JDBC URL: " + redact(jdbcUrl));
        }
        return jdbcUrl.substring(JDBC_PREFIX.length());
    }

    /** {@code postgresql://h:5432/db} (optionally prefixed with {@code vertx-reactive:}) becomes a JDBC URL. */
    public static String jdbcFromReactive(String reactiveUrl) {
        String url = reactiveUrl.startsWith(VERTX_PREFIX) ? reactiveUrl.substring(VERTX_PREFIX.length()) : reactiveUrl;
        if (url.startsWith("postgres://")) {
            url = "postgresql://" + url.substring("postgres://".length());
        }
        return JDBC_PREFIX + url;
    }

    /** The URL without credentials or query parameters, fit for a log line. */
    public static String redact(String url) {
        String withoutQuery = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        int at = withoutQuery.indexOf('@');
        int scheme = withoutQuery.indexOf("://");
        if (at > 0 && scheme > 0 && at > scheme) {
            return withoutQuery.substring(0, scheme + 3) + "***@" + withoutQuery.substring(at + 1);
        }
        return withoutQuery;
    }
}
