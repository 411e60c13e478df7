package io.edgesync.common;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which failures mean the database cannot be reached (a 503 with Retry-After), and which do not (a 500). */
class DatabaseErrorsTest {

    @Test
    void aWriteToAConnectionTheDatabaseDroppedIsAnOutage() {
        // Then a write that failed with "Broken pipe" (seen under load when the database went away mid-write) is an
        // outage
        assertThat(DatabaseErrors.isUnreachable(new IOException("Broken pipe"))).isTrue();
        // And so are a reset connection, even wrapped, and a refused one
        assertThat(DatabaseErrors.isUnreachable(new CompletionException(new SocketException("Connection reset"))))
                .isTrue();
        assertThat(DatabaseErrors.isUnreachable(new ConnectException("Connection refused"))).isTrue();
    }

    @Test
    void otherFailuresAreNot() {
        // Then a full disk, a "Broken pipe" that is no I/O failure, and any other failure are not an outage
        assertThat(DatabaseErrors.isUnreachable(new IOException("No space left on device"))).isFalse();
        assertThat(DatabaseErrors.isUnreachable(new IllegalStateException("Broken pipe"))).isFalse();
        assertThat(DatabaseErrors.isUnreachable(new RuntimeException("boom"))).isFalse();
    }
}
