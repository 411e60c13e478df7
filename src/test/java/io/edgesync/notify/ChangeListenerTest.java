package io.edgesync.notify;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.vertx.pgclient.PgConnectOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChangeListenerTest {

    @Test
    void listenerConnectsToTheReactiveDatasourceWithItsCredentials() {
        // Given a database URL with host, port and database, a user and a password
        // When the listener's connection options are built from them
        PgConnectOptions options = ChangeListener.connectOptions("postgresql://db.example:6543/edgesync",
                Optional.of("edge"), Optional.of("secret"));

        // Then it connects there with those credentials, with TCP keep-alive on
        assertThat(options.getHost()).isEqualTo("db.example");
        assertThat(options.getPort()).isEqualTo(6543);
        assertThat(options.getDatabase()).isEqualTo("edgesync");
        assertThat(options.getUser()).isEqualTo("edge");
        assertThat(options.getPassword()).isEqualTo("secret");
        assertThat(options.isTcpKeepAlive()).isTrue();
    }

    @Test
    void listenerUsesTheFirstOfSeveralUrlsWithoutTheVertxPrefix() {
        // Given two URLs, the first with the vertx prefix and SSL required
        // When the listener's connection options are built from them
        PgConnectOptions options = ChangeListener.connectOptions(
                "vertx-reactive:postgresql://first:5432/db?sslmode=require, postgresql://second:5432/db",
                Optional.empty(), Optional.empty());

        // Then it connects to the first, with SSL required
        assertThat(options.getHost()).isEqualTo("first");
        assertThat(options.getSslMode().name()).isEqualTo("REQUIRE");
    }

    @Test
    void invalidUrlFailsWithoutShowingCredentials() {
        // When the listener is given another database's URL with a password in it, then it fails without showing it
        assertThatThrownBy(() -> ChangeListener.connectOptions("mysql://user:secret@host/db", Optional.empty(),
                Optional.empty()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageNotContaining("secret");
    }

    @Test
    void reconnectsBackOffExponentiallyUpToFiveSeconds() {
        // Then the delay before a reconnect doubles from 100 ms with each attempt, up to five seconds at most
        assertThat(ChangeListener.retryDelayMillis(0)).isEqualTo(100);
        assertThat(ChangeListener.retryDelayMillis(1)).isEqualTo(200);
        assertThat(ChangeListener.retryDelayMillis(3)).isEqualTo(800);
        assertThat(ChangeListener.retryDelayMillis(6)).isEqualTo(5_000);
        assertThat(ChangeListener.retryDelayMillis(Integer.MAX_VALUE)).isEqualTo(5_000);
    }
}
