package io.edgesync.cache;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Transactions#inTransaction}: its {@code BEGIN} is not waited for, so the work's first statements travel with
 * it; they must still run inside the transaction, and nothing of a failed one may stay, nor a connection be handed back
 * with its transaction open.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class TransactionsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Inject
    Pool pool;

    @Test
    void theWorkIsCommittedWhenItSucceeds() {
        String device = "tx-" + UUID.randomUUID();

        String answer = Transactions.inTransaction(pool, tx -> register(tx, device).replaceWith("done"))
                .await()
                .atMost(TIMEOUT);

        assertThat(answer).isEqualTo("done");
        assertThat(exists(device)).isTrue();
    }

    @Test
    void theFirstStatementIsRolledBackWhenALaterOneFails() {
        // (the first statement was sent before the BEGIN was answered: it is rolled back only if it ran after it)
        String device = "tx-" + UUID.randomUUID();

        Uni<Object> failing = Transactions.inTransaction(pool, tx -> register(tx, device)
                .chain(() -> tx.query("SELECT 1 / 0").execute()));

        assertThatThrownBy(() -> failing.await().atMost(TIMEOUT)).hasMessageContaining("division by zero");
        assertThat(exists(device)).isFalse();
        noConnectionLeftInATransaction();
    }

    @Test
    void statementsSentTogetherWithTheFailingOneAreRolledBack() {
        String device = "tx-" + UUID.randomUUID();

        Uni<Object> failing = Transactions.inTransaction(pool, tx -> Uni.combine()
                .all()
                .unis(register(tx, device), tx.query("SELECT 1 / 0").execute())
                .asTuple()
                .replaceWith(new Object()));

        assertThatThrownBy(() -> failing.await().atMost(TIMEOUT)).hasMessageContaining("division by zero");
        assertThat(exists(device)).isFalse();
        noConnectionLeftInATransaction();
    }

    @Test
    void theWorkIsRolledBackWhenItFailsAfterItsStatements() {
        String device = "tx-" + UUID.randomUUID();

        Uni<Object> failing = Transactions.inTransaction(pool, tx -> register(tx, device)
                .map(ignored -> {
                    throw new IllegalStateException("decided against it");
                }));

        assertThatThrownBy(() -> failing.await().atMost(TIMEOUT)).hasMessageContaining("decided against it");
        assertThat(exists(device)).isFalse();
        noConnectionLeftInATransaction();
    }

    @Test
    void aCommitSentWithTheLastStatementCommitsTheWork() {
        String device = "tx-" + UUID.randomUUID();
        String other = "tx-" + UUID.randomUUID();

        String answer = Transactions.inTransaction(pool, (tx, commit) -> register(tx, device)
                .chain(() -> commit.with(register(tx, other).replaceWith("done"))))
                .await()
                .atMost(TIMEOUT);

        assertThat(answer).isEqualTo("done");
        assertThat(exists(device)).isTrue();
        assertThat(exists(other)).isTrue();
        noConnectionLeftInATransaction();
    }

    @Test
    void aCommitSentWithAFailingStatementRollsBack() {
        String device = "tx-" + UUID.randomUUID();

        Uni<Object> failing = Transactions.inTransaction(pool, (tx, commit) -> register(tx, device)
                .chain(() -> commit.with(tx.query("SELECT 1 / 0").execute())));

        assertThatThrownBy(() -> failing.await().atMost(TIMEOUT)).hasMessageContaining("division by zero");
        assertThat(exists(device)).isFalse();
        noConnectionLeftInATransaction();
    }

    private static Uni<Void> register(SqlConnection tx, String device) {
        return tx.preparedQuery("INSERT INTO device (id, first_seen, last_seen, protocol, next_seq)"
                + " VALUES ($1, clock_timestamp(), clock_timestamp(), 'native', 0)")
                .execute(Tuple.of(device))
                .replaceWithVoid();
    }

    private boolean exists(String device) {
        return pool.preparedQuery("SELECT 1 FROM device WHERE id = $1")
                .execute(Tuple.of(device))
                .await()
                .atMost(TIMEOUT)
                .size() == 1;
    }

    /** Every connection of the pool is out of its transaction (another component's may be in one for a moment). */
    private void noConnectionLeftInATransaction() {
        Awaitility.await()
                .atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(pool.query("""
                        SELECT count(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND state LIKE 'idle in transaction%'
                          AND now() - state_change > interval '1 second'""")
                        .execute()
                        .await()
                        .atMost(TIMEOUT)
                        .iterator()
                        .next()
                        .getLong(0)).isZero());
    }
}
