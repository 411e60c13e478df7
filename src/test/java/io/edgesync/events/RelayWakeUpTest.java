package io.edgesync.events;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

import static io.edgesync.testsupport.ZumoRequests.insertThroughZumo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A change goes through the whole pipeline without waiting for a relay's poll: the edge's commit wakes the edge relay,
 * the central service's commit wakes the central relay, and a commit of another process of the role wakes the relay by
 * a notification. Here the relays poll only every 10 s, so a change that waited for a poll anywhere would take seconds.
 */
@QuarkusTest
@TestProfile(RelayWakeUpTest.SlowPolling.class)
@WithTestResource(InfrastructureResource.class)
class RelayWakeUpTest {

    /** Relays that poll only every 10 s. */
    public static class SlowPolling implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("edgesync.events.relay-idle-millis", "10000");
        }
    }

    @Test
    void aChangeComesBackFromCentralWithoutWaitingForAPoll() throws Exception {
        // Given a first change has been through central and back (every relay and consumer is up)
        String table = "wake" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        roundTrip(table, "warm-up", Duration.ofSeconds(90));

        // When three more changes are made, one after the other, each waiting for central's echo
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            roundTrip(table, "change-" + i, Duration.ofSeconds(40));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        // Then all three came back in less time than one relay's poll: every commit woke the relay that had to publish
        // it (waiting for the central relay's polls instead takes 15 s on average for three)
        assertThat(took).isLessThan(Duration.ofSeconds(6));
    }

    @Test
    void aRowAnotherProcessCommittedIsPublishedWhenItNotifiesInsteadOfAtThePoll() throws Exception {
        // Given the relay publishes (a first change has been through central and back)
        String table = "wake" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        roundTrip(table, "warm-up", Duration.ofSeconds(90));

        // When another replica of this edge commits three CUD events, one after the other, and notifies as it does
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            long row = commitElsewhere(table, "elsewhere-" + i);

            // Then each was published without waiting for the relay's poll (10 s here)
            Awaitility.await("outbox row " + row + " published")
                    .atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> "0".equals(TestInfrastructure.queryString(InfrastructureResource.DATABASE,
                            "SELECT count(*) FROM outbox_event WHERE id = ?::bigint", Long.toString(row))));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
    }

    @Test
    void rowsCommittedWhileTheRelayPublishesAreNotLeftForThePoll() throws Exception {
        // Given the relay publishes (a first change has been through central and back)
        String table = "wake" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        roundTrip(table, "warm-up", Duration.ofSeconds(90));

        // When eight writers insert 25 rows each as fast as they can, so that rows keep being committed while the relay
        // reads and publishes short batches
        ExecutorService writers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int writer = w;
                done.add(writers.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        insertThroughZumo("relay-burst-" + writer, table, "burst-" + writer + "-" + i, "burst");
                    }
                }));
            }
            for (Future<?> writer : done) {
                writer.get(60, TimeUnit.SECONDS);
            }
        } finally {
            writers.shutdownNow();
        }
        long lastWrite = System.nanoTime();

        // Then the outbox is empty well before the relay's next poll (10 s): no row waited for it
        Awaitility.await("every row of the burst published")
                .atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> "0".equals(TestInfrastructure.queryString(InfrastructureResource.DATABASE,
                        "SELECT count(*) FROM outbox_event WHERE table_name = ?", table)));
        // and central's echo of every row is back (central's relay published what central committed meanwhile)
        Awaitility.await("every row of the burst confirmed by central")
                .atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> "0".equals(TestInfrastructure.queryString(InfrastructureResource.DATABASE,
                        "SELECT count(*) FROM sync_record WHERE table_name = ? AND master_seq = 0", table)));
        assertThat(Duration.ofNanos(System.nanoTime() - lastWrite)).isLessThan(Duration.ofSeconds(8));
    }

    /**
     * What another replica does for a device's insert, as far as the outbox goes: commits its CUD event, then notifies
     * the relay that holds the lock.
     *
     * @return the outbox row's id
     */
    private static long commitElsewhere(String table, String id) throws Exception {
        try (Connection connection = TestInfrastructure.connect(InfrastructureResource.DATABASE);
                Statement statement = connection.createStatement()) {
            long row;
            try (ResultSet inserted = statement.executeQuery("""
                    INSERT INTO outbox_event (table_name, record_id, operation, new_version, data, deleted, created_at,
                                              updated_at)
                    VALUES ('%s', '%s', 'insert', 'v-%s', '{"text":"elsewhere"}', FALSE, now(), now())
                    RETURNING id""".formatted(table, id, id))) {
                inserted.next();
                row = inserted.getLong(1);
            }
            statement.execute("SELECT pg_notify('" + OutboxWakeUps.CHANNEL + "', 'edge')");
            return row;
        }
    }

    /** Inserts a row through the table protocol and waits until central's echo of it confirmed it at this edge. */
    private static void roundTrip(String table, String id, Duration within) {
        given().header("ZUMO-API-VERSION", "2.0.0")
                .contentType(ContentType.JSON)
                .body("{\"id\":\"" + id + "\",\"text\":\"" + id + "\"}")
                .post("/tables/" + table)
                .then()
                .statusCode(201);
        Awaitility.await(id + " confirmed by central")
                .atMost(within)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> "true".equals(TestInfrastructure.queryString(InfrastructureResource.DATABASE,
                        "SELECT (master_seq > 0)::text FROM sync_record WHERE table_name = ? AND id = ?", table, id)));
    }
}
