package io.edgesync.cache;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Dates as every client expects them: UTC, exactly three fraction digits, {@code Z} (docs/protocol.md 2.1, Q4, Q5). */
public final class ProtocolDates {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private ProtocolDates() {
    }

    public static String format(Instant instant) {
        return FORMAT.format(instant);
    }
}
