package io.edgesync.odata;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of literal values whose text the lexer has already delimited. */
final class ODataLiterals {

    /** The most significant digits accepted in a number literal. */
    static final int MAX_NUMBER_DIGITS = 100;
    /** The largest accepted absolute decimal exponent (the double range). */
    static final int MAX_EXPONENT = 308;

    /*
     * A space in place of the offset's sign is a '+' that a form decoder turned into a space: clients send
     * datetimeoffset'...+00:00' and not every one percent-encodes the '+'.
     */
    private static final Pattern DATE_TIME = Pattern.compile(
            "(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,7}))?(?:(Z)|([+\\- ])(\\d{2}):(\\d{2}))");
    private static final Pattern DATE = Pattern.compile("(\\d{4})-(\\d{2})-(\\d{2})");
    private static final Pattern TIME_OF_DAY = Pattern
            .compile("([01]\\d|2[0-3]):([0-5]\\d)(?::([0-5]\\d)(?:\\.\\d{1,7})?)?");
    private static final Pattern GUID = Pattern
            .compile("[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}");
    private static final Pattern NUMBER = Pattern.compile("(\\d+)(?:\\.(\\d+))?(?:[eE]([+-]?)(\\d+))?([LlFfMmDd]?)");

    static final String DATE_TIME_FORMAT_HINT = "yyyy-MM-ddTHH:mm:ss[.fffffff] followed by Z or an offset such as +00:00";

    private ODataLiterals() {
    }

    /**
     * An ISO-8601 date-time with seconds, 0-7 fraction digits and {@code Z} or {@code ±hh:mm}, as a UTC instant; empty
     * when the text is not one (including impossible dates such as February 30).
     */
    static Optional<OffsetDateTime> dateTime(String text) {
        Matcher m = DATE_TIME.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            int nanos = 0;
            if (m.group(7) != null) {
                nanos = Integer.parseInt((m.group(7) + "00000000").substring(0, 9));
            }
            ZoneOffset offset = ZoneOffset.UTC;
            if (m.group(8) == null) {
                int hours = Integer.parseInt(m.group(10));
                int minutes = Integer.parseInt(m.group(11));
                offset = "-".equals(m.group(9))
                        ? ZoneOffset.ofHoursMinutes(-hours, -minutes)
                        : ZoneOffset.ofHoursMinutes(hours, minutes);
            }
            OffsetDateTime value = OffsetDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
                    Integer.parseInt(m.group(6)), nanos, offset);
            return Optional.of(value.withOffsetSameInstant(ZoneOffset.UTC));
        } catch (DateTimeException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A calendar date ({@code yyyy-MM-dd}) as midnight UTC; empty when the text is not one. */
    static Optional<OffsetDateTime> date(String text) {
        Matcher m = DATE.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            LocalDate date = LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)));
            return Optional.of(date.atStartOfDay().atOffset(ZoneOffset.UTC));
        } catch (DateTimeException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A date-time, or a date taken as midnight UTC. */
    static Optional<OffsetDateTime> dateOrDateTime(String text) {
        Optional<OffsetDateTime> dateTime = dateTime(text);
        return dateTime.isPresent() ? dateTime : date(text);
    }

    static boolean isTimeOfDay(String text) {
        return TIME_OF_DAY.matcher(text).matches();
    }

    static boolean isGuid(String text) {
        return GUID.matcher(text).matches();
    }

    /**
     * The value of a number token (digits, optional fraction, optional exponent, optional type suffix).
     *
     * @return the value, or a message saying why it is not acceptable
     */
    static NumberResult number(String text) {
        Matcher m = NUMBER.matcher(text);
        if (!m.matches()) {
            return NumberResult.error("malformed number '" + ODataLexer.excerpt(text) + "'");
        }
        String integerPart = m.group(1);
        String fraction = m.group(2) == null ? "" : m.group(2);
        String exponentDigits = m.group(4);
        String suffix = m.group(5);
        if ((suffix.equals("L") || suffix.equals("l")) && (m.group(2) != null || exponentDigits != null)) {
            return NumberResult.error("the suffix 'L' is only allowed on integers, found '" + ODataLexer.excerpt(text)
                    + "'");
        }
        if (integerPart.length() + fraction.length() > MAX_NUMBER_DIGITS) {
            return NumberResult.error("number literals may have at most " + MAX_NUMBER_DIGITS + " digits");
        }
        StringBuilder normalised = new StringBuilder(integerPart);
        if (!fraction.isEmpty()) {
            normalised.append('.').append(fraction);
        }
        if (exponentDigits != null) {
            String significant = exponentDigits.replaceFirst("^0+(?=.)", "");
            if (significant.length() > 3 || Integer.parseInt(significant) > MAX_EXPONENT) {
                return NumberResult.error("the exponent of a number literal must be between -" + MAX_EXPONENT
                        + " and " + MAX_EXPONENT);
            }
            normalised.append('E').append(m.group(3)).append(significant);
        }
        return new NumberResult(new BigDecimal(normalised.toString()), null);
    }

    /** Either a value or the reason there is none. */
    record NumberResult(BigDecimal value, String error) {
        static NumberResult error(String message) {
            return new NumberResult(null, message);
        }
    }
}
