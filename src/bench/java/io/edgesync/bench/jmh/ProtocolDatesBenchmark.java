package io.edgesync.bench.jmh;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.edgesync.cache.ProtocolDates;

/**
 * The timestamps every row and event carries ({@code createdAt}, {@code updatedAt}, event times): written and read by
 * {@link ProtocolDates}, next to the JDK's general formatter and parser for the same form as the baseline.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ProtocolDatesBenchmark {

    private static final DateTimeFormatter GENERAL = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final Instant[] instants = new Instant[1024];
    private final String[] texts = new String[1024];
    private int next;

    @Setup
    public void setUp() {
        for (int i = 0; i < instants.length; i++) {
            instants[i] = Instant.ofEpochMilli(1_796_000_000_000L + i * 7_919_123L);
            texts[i] = GENERAL.format(instants[i]);
        }
    }

    @Benchmark
    public String format() {
        return ProtocolDates.format(instants[next++ & 1023]);
    }

    @Benchmark
    public String formatWithTheGeneralFormatter() {
        return GENERAL.format(instants[next++ & 1023]);
    }

    @Benchmark
    public Instant parse() {
        return ProtocolDates.parse(texts[next++ & 1023]);
    }

    @Benchmark
    public Instant parseWithTheGeneralParser() {
        return Instant.from(GENERAL.parse(texts[next++ & 1023]));
    }
}
