package io.edgesync.notify;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.vertx.pgclient.PgConnectOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChangeListenerTest {

    @Test
    void listenerConnectsToTheReactiveDatasourceWithItsCredentials() {
        PgConnectOptions options = ChangeListener.connectOptions("postgresql://db.example:6543/edgesync",
                Optional.of("edge"), Optional.of("secret"));

        assertThat(options.getHost()).isEqualTo("db.example");
        assertThat(options.getPort()).isEqualTo(6543);
        assertThat(options.getDatabase()).isEqualTo("edgesync");
        assertThat(options.getUser()).isEqualTo("edge");
        assertThat(options.getPassword()).isEqualTo("secret");
        assertThat(options.isTcpKeepAlive()).isTrue();
    }

    @Test
    void listenerUsesTheFirstOfSeveralUrlsWithoutTheVertxPrefix() {
        PgConnectOptions options = ChangeListener.connectOptions(
                "vertx-reactive:postgresql://first:5432/db?sslmode=require, postgresql://second:5432/db",
                Optional.empty(), Optional.empty());

        assertThat(options.getHost()).isEqualTo("first");
        assertThat(options.getSslMode().name()).isEqualTo("REQUIRE");
    }

    @Test
    void invalidUrlFailsWithoutShowingCredentials() {
        assertThatThrownBy(() -> ChangeListener.connectOptions("mysql://user:secret@host/db", Optional.empty(),
                Optional.empty()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageNotContaining("secret");
    }

    @Test
    void reconnectsBackOffExponentiallyUpToFiveSeconds() {
        assertThat(ChangeListener.retryDelayMillis(0)).isEqualTo(100);
        assertThat(ChangeListener.retryDelayMillis(1)).isEqualTo(200);
        assertThat(ChangeListener.retryDelayMillis(3)).isEqualTo(800);
        assertThat(ChangeListener.retryDelayMillis(6)).isEqualTo(5_000);
        assertThat(ChangeListener.retryDelayMillis(Integer.MAX_VALUE)).isEqualTo(5_000);
    }
}
