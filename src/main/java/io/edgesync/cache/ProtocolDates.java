package io.edgesync.cache;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Dates as every client expects them: UTC, exactly three fraction digits, {@code Z} (docs/protocol.md 2.1, Q4, Q5). */
public final class ProtocolDates {

    private static final long SECONDS_PER_DAY = 86_400;

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private ProtocolDates() {
    }

    /** The first and last second that {@link #format} writes field by field: years 0000 to 9999. */
    private static final long FIRST_FAST_SECOND = LocalDate.of(0, 1, 1).toEpochDay() * SECONDS_PER_DAY;
    private static final long LAST_FAST_SECOND = LocalDate.of(9999, 12, 31).toEpochDay() * SECONDS_PER_DAY
            + SECONDS_PER_DAY - 1;

    /**
     * Writes an instant as {@code uuuu-MM-ddTHH:mm:ss.SSSZ} (the fraction truncated to milliseconds). Every row and
     * event the gateway answers or publishes carries a few, so the four-digit years are written field by field, several
     * times faster than the general formatter, which writes any other year.
     */
    public static String format(Instant instant) {
        long second = instant.getEpochSecond();
        if (second < FIRST_FAST_SECOND || second > LAST_FAST_SECOND) {
            return FORMAT.format(instant);
        }
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(second, SECONDS_PER_DAY));
        int secondOfDay = (int) Math.floorMod(second, SECONDS_PER_DAY);
        byte[] text = new byte[24];
        put(text, 0, date.getYear(), 4);
        text[4] = '-';
        put(text, 5, date.getMonthValue(), 2);
        text[7] = '-';
        put(text, 8, date.getDayOfMonth(), 2);
        text[10] = 'T';
        put(text, 11, secondOfDay / 3600, 2);
        text[13] = ':';
        put(text, 14, secondOfDay / 60 % 60, 2);
        text[16] = ':';
        put(text, 17, secondOfDay % 60, 2);
        text[19] = '.';
        put(text, 20, instant.getNano() / 1_000_000, 3);
        text[23] = 'Z';
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    /** Writes {@code value} (not negative) as {@code width} decimal digits, zero-padded, at {@code text[from]}. */
    private static void put(byte[] text, int from, int value, int width) {
        int rest = value;
        for (int i = from + width - 1; i >= from; i--) {
            text[i] = (byte) ('0' + rest % 10);
            rest /= 10;
        }
    }

    /**
     * Reads an RFC 3339 timestamp. The form {@link #format} writes (every event and row of this gateway carries a few)
     * is read field by field, several times faster than the general parser, which reads any other form.
     *
     * @throws DateTimeParseException when the text is not an RFC 3339 timestamp
     */
    public static Instant parse(String text) {
        if (text.length() == 24 && text.charAt(4) == '-' && text.charAt(7) == '-' && text.charAt(10) == 'T'
                && text.charAt(13) == ':' && text.charAt(16) == ':' && text.charAt(19) == '.'
                && text.charAt(23) == 'Z') {
            int year = digits(text, 0, 4);
            int month = digits(text, 5, 7);
            int day = digits(text, 8, 10);
            int hour = digits(text, 11, 13);
            int minute = digits(text, 14, 16);
            int second = digits(text, 17, 19);
            int millis = digits(text, 20, 23);
            if (year >= 0 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 && second >= 0 && millis >= 0) {
                try {
                    return LocalDateTime.of(year, month, day, hour, minute, second, millis * 1_000_000)
                            .toInstant(ZoneOffset.UTC);
                } catch (DateTimeException e) {
                    // out of range (month 13, second 60): the general parser says what is wrong
                }
            }
        }
        return OffsetDateTime.parse(text).toInstant();
    }

    /** The decimal number in {@code text[from, to)}, or -1 when a character is not a digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
