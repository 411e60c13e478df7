package io.edgesync.testsupport;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.jboss.logmanager.ExtLogRecord;

/** Keeps the log records of level INFO and above that the test's JVM logs while it is open. */
public final class LogCapture extends Handler implements AutoCloseable {

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture() {
    }

    /** Starts capturing at the root logger. */
    public static LogCapture start() {
        LogCapture capture = new LogCapture();
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    /** The records captured so far (a live view). */
    public List<LogRecord> records() {
        return records;
    }

    /** The messages captured so far, with their parameters filled in. */
    public List<String> messages() {
        return records.stream()
                .map(LogCapture::format)
                .toList();
    }

    private static String format(LogRecord record) {
        if (record instanceof ExtLogRecord ext && ext.getFormatStyle() == ExtLogRecord.FormatStyle.PRINTF
                && record.getParameters() != null) {
            return String.format(Locale.ROOT, record.getMessage(), record.getParameters());
        }
        return new SimpleFormatter().formatMessage(record);
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.INFO.intValue()) {
            records.add(record);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
