package io.edgesync.cache;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Timestamps read back exactly as written, and every other RFC 3339 form read as the general parser reads it. */
class ProtocolDatesTest {

    @Test
    void whatFormatWritesIsReadBackToTheMillisecond() {
        // Given instants over four centuries, at millisecond precision
        Random random = new Random(20261206);
        for (int i = 0; i < 10_000; i++) {
            Instant instant = Instant.ofEpochMilli(random.nextLong(-2_208_988_800_000L, 10_413_792_000_000L));

            // When written and read back
            String text = ProtocolDates.format(instant);

            // Then the same instant comes back, as the general parser reads it too
            assertThat(ProtocolDates.parse(text)).as(text).isEqualTo(instant);
            assertThat(ProtocolDates.parse(text)).isEqualTo(OffsetDateTime.parse(text).toInstant());
        }
    }

    @Test
    void formatWritesWhatTheGeneralFormatterWritesForEveryYear() {
        DateTimeFormatter general = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
                .withZone(ZoneOffset.UTC);
        // Given instants at nanosecond precision from before year 0 to after year 9999, and the edges of that range
        Random random = new Random(20261207);
        List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochSecond(-1, 999_999_999),
                Instant.parse("0000-01-01T00:00:00Z"), Instant.parse("0000-01-01T00:00:00Z").minusNanos(1),
                Instant.parse("9999-12-31T23:59:59.999999999Z"), Instant.parse("9999-12-31T23:59:59.999999999Z")
                        .plusNanos(1),
                Instant.parse("2024-02-29T12:00:00.5Z")));
        for (int i = 0; i < 20_000; i++) {
            instants.add(Instant.ofEpochSecond(random.nextLong(-70_000_000_000L, 260_000_000_000L),
                    random.nextInt(1_000_000_000)));
        }
        for (Instant instant : instants) {
            // Then the text is the general formatter's, the fraction truncated to milliseconds
            assertThat(ProtocolDates.format(instant)).as(instant.toString()).isEqualTo(general.format(instant));
        }
    }

    @Test
    void otherFormsAreReadAsTheGeneralParserReadsThem() {
        for (String text : new String[]{"2026-12-06T19:32:08Z", "2026-12-06T19:32:08.123456Z",
                "2026-12-06T21:32:08.123+02:00", "2026-12-06T19:32:08.1Z"}) {
            assertThat(ProtocolDates.parse(text)).as(text).isEqualTo(OffsetDateTime.parse(text).toInstant());
        }
    }

    @Test
    void textThatIsNoTimestampIsRefusedAsTheGeneralParserRefusesIt() {
        // (the length and separators of the written form, with what does not fit in them)
        for (String text : new String[]{"2026-13-06T19:32:08.123Z", "2026-02-30T19:32:08.123Z",
                "2026-12-06T24:32:08.123Z", "2026-12-06T19:60:08.123Z", "2026-12-06T19:32:61.123Z",
                "2026-1a-06T19:32:08.123Z", "+026-12-06T19:32:08.123Z", "2026-12-06T19:32:08.-23Z", "", "yesterday"}) {
            assertThatThrownBy(() -> ProtocolDates.parse(text)).as(text).isInstanceOf(DateTimeParseException.class);
        }
    }
}
