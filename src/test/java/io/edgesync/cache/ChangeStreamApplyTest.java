package io.edgesync.cache;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ChangeStreamApplier.ReplicatedChange;
import io.edgesync.cache.ChangeStreamApplier.ReplicationOutcome;
import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.NativePush;
import io.edgesync.testsupport.TestInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules of applying the change stream hold when a batch is decided as a whole: a change sees the record as the
 * changes before it in the same batch left it.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ChangeStreamApplyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Master positions far above the ones of the running central service, whose echoes then count as stale. */
    private static final long FAR = 1_000_000_000_000L;

    @Inject
    ChangeStreamApplier records;

    @Test
    void aBatchThatCreatesChangesAndRepeatsARecordEndsInTheStreamsLastState() throws Exception {
        // Given a batch that creates a record and changes it, with redelivered changes, and creates a second record
        String table = "apply" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String a = "a-" + UUID.randomUUID();
        String b = "b-" + UUID.randomUUID();
        Instant created = Instant.now().minus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS);
        List<ReplicatedChange> batch = List.of(
                change(table, a, "a1", FAR + 1, Optional.of(created), true),
                change(table, a, "a2", FAR + 2, Optional.empty(), true),
                change(table, a, "a1", FAR + 1, Optional.of(created), true),
                change(table, b, "b1", FAR + 3, Optional.empty(), false),
                change(table, b, "b1", FAR + 3, Optional.empty(), false));

        // When the edge applies it
        List<ReplicationOutcome> outcomes = apply(batch);

        // Then each change was applied once, in order, and the redelivered ones were stale
        assertThat(outcomes).containsExactly(ReplicationOutcome.APPLIED, ReplicationOutcome.APPLIED,
                ReplicationOutcome.STALE, ReplicationOutcome.APPLIED, ReplicationOutcome.STALE);
        // And the record holds the last change, with the creation time of the first and the master position of the last
        assertThat(row(table, a)).isEqualTo("a2|" + (FAR + 2) + "|a2|" + created.toEpochMilli());
        assertThat(row(table, b)).startsWith("b1|" + (FAR + 3) + "|b1|");
        // And both versions of the record whose changes keep versions are merge bases
        assertThat(query("SELECT string_agg(version, ',' ORDER BY version) FROM record_version"
                + " WHERE table_name = ? AND record_id = ?", table, a)).isEqualTo("a1,a2");
        assertThat(query("SELECT count(*) FROM record_version WHERE table_name = ? AND record_id = ?", table, b))
                .isEqualTo("0");

        // When the echo of the last change comes again with a later position, and an older change after it
        List<ReplicationOutcome> again = apply(List.of(change(table, a, "a2", FAR + 5, Optional.empty(), true),
                change(table, a, "a1", FAR + 4, Optional.empty(), true)));

        // Then the echo only moved the record's position, and the older change was stale
        assertThat(again).containsExactly(ReplicationOutcome.CONFIRMED, ReplicationOutcome.STALE);
        assertThat(row(table, a)).isEqualTo("a2|" + (FAR + 5) + "|a2|" + created.toEpochMilli());
    }

    @Test
    void theEchoOfAnOlderOwnWriteIsOnlyConfirmedEvenAmongOtherChangesOfItsRecordInOneBatch() throws Exception {
        // Given a record a device of this edge wrote twice (v1, then v2), whose echoes are still on their way
        WrittenTwice own = writtenTwice();
        String table = own.table();
        String id = own.id();
        String v1 = own.v1();
        String v2 = own.v2();
        UUID e1 = own.e1();

        // When the echo of v1 arrives alone
        List<ReplicationOutcome> first = apply(List.of(change(table, id, v1, FAR + 1, Optional.empty(), false)
                .publishedFor(e1)));

        // Then it is only confirmed: the record stays at v2
        assertThat(first).containsExactly(ReplicationOutcome.CONFIRMED);
        assertThat(row(table, id)).startsWith("v2|" + (FAR + 1) + "|" + v2 + "|");

        // When one batch brings v1's echo again, another edge's change, then v1 once more (central's latest state)
        List<ReplicationOutcome> batch = apply(List.of(
                change(table, id, v1, FAR + 2, Optional.empty(), false).publishedFor(e1),
                change(table, id, "elsewhere", FAR + 3, Optional.empty(), false),
                change(table, id, v1, FAR + 4, Optional.empty(), false).publishedFor(e1)));

        // Then v1's echo is confirmed while the record holds v2; the other edge's change applies; and v1 then applies
        // too, because the record it meets is the other edge's, not the later write of this edge's devices
        assertThat(batch).containsExactly(ReplicationOutcome.CONFIRMED, ReplicationOutcome.APPLIED,
                ReplicationOutcome.APPLIED);
        assertThat(row(table, id)).startsWith(v1 + "|" + (FAR + 4) + "|" + v1 + "|");
    }

    @Test
    void whatCentralDecidedOfAnOlderOwnWriteWaitsForTheLaterOneAndTheLaterOnesOutcomeApplies() throws Exception {
        // Given a record a device of this edge wrote twice (v1, then v2), whose outcomes are still on their way
        WrittenTwice own = writtenTwice();
        String table = own.table();
        String id = own.id();

        // When central publishes its own row (the server won) for the first write, then the second write's echo
        List<ReplicationOutcome> serverWon = apply(List.of(
                change(table, id, "master", FAR + 1, Optional.empty(), false)
                        .publishedFor(own.e1())));
        String held = row(table, id);
        List<ReplicationOutcome> echo = apply(List.of(
                change(table, id, own.v2(), FAR + 2, Optional.empty(), false)
                        .publishedFor(own.e2())));

        // Then the decision on the first write was only confirmed: the devices keep the second, whose own outcome
        // follows; and that echo confirmed it too
        assertThat(serverWon).containsExactly(ReplicationOutcome.CONFIRMED);
        assertThat(held).startsWith("v2|" + (FAR + 1) + "|" + own.v2() + "|");
        assertThat(echo).containsExactly(ReplicationOutcome.CONFIRMED);

        // When the devices write v3, and central publishes its own row again for that write (the server won again)
        String v3 = push(own.device(), "op-3", table, "update", id, "v3", own.v2());
        UUID e3 = eventOf(table, id, v3);
        List<ReplicationOutcome> lost = apply(List.of(
                change(table, id, "master", FAR + 3, Optional.empty(), false).publishedFor(e3)));

        // Then central's row applies: it is the outcome of the write the record held, not of an older one
        assertThat(lost).containsExactly(ReplicationOutcome.APPLIED);
        assertThat(row(table, id)).startsWith("master|" + (FAR + 3) + "|master|");
        assertThat(query("SELECT coalesce(own_event::text, 'none') FROM sync_record WHERE table_name = ? AND id = ?",
                table, id)).isEqualTo("none");
    }

    @Test
    void aChangeLeavingTheScopeTombstonesAHeldRecordOnlyAndNeverInsertsOne() throws Exception {
        // Given a table of which this edge holds one record (a, in its scope) and not another (b)
        String table = "apply" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String a = "a-" + UUID.randomUUID();
        String b = "b-" + UUID.randomUUID();
        assertThat(apply(List.of(change(table, a, "a1", FAR + 1, Optional.empty(), false))))
                .containsExactly(ReplicationOutcome.APPLIED);

        // When one batch takes both out of the scope, a again (a redelivery), then a out once more, later
        List<ReplicationOutcome> outcomes = apply(List.of(
                change(table, a, "a2", FAR + 2, Optional.empty(), true).outOfScope(),
                change(table, b, "b1", FAR + 3, Optional.empty(), false).outOfScope(),
                change(table, a, "a2", FAR + 2, Optional.empty(), true).outOfScope(),
                change(table, a, "a3", FAR + 4, Optional.empty(), false).outOfScope()));

        // Then a became a tombstone of the change's state (no merge base kept for it), b was not inserted, the
        // redelivery found the tombstone it made, and the later change found it too and only moved its position
        assertThat(outcomes).containsExactly(ReplicationOutcome.LEFT, ReplicationOutcome.OUT_OF_SCOPE,
                ReplicationOutcome.OUT_OF_SCOPE, ReplicationOutcome.OUT_OF_SCOPE);
        assertThat(row(table, a)).startsWith("a2|" + (FAR + 4) + "|a2|");
        assertThat(query("SELECT deleted::text FROM sync_record WHERE table_name = ? AND id = ?", table, a))
                .isEqualTo("true");
        assertThat(query("SELECT count(*) FROM sync_record WHERE table_name = ? AND id = ?", table, b)).isEqualTo("0");
        assertThat(query("SELECT count(*) FROM record_version WHERE table_name = ?", table)).isEqualTo("0");

        // When a comes back into the scope
        assertThat(apply(List.of(change(table, a, "a5", FAR + 5, Optional.empty(), false))))
                .containsExactly(ReplicationOutcome.APPLIED);

        // Then it is live again
        assertThat(query("SELECT deleted::text || ' ' || version FROM sync_record WHERE table_name = ? AND id = ?",
                table, a)).isEqualTo("false a5");
    }

    /**
     * A record a device of this edge inserted ({@code v1}, by CUD event {@code e1}) and then updated ({@code v2}, by
     * {@code e2}).
     */
    private record WrittenTwice(String table, String id, String device, String v1, UUID e1, String v2, UUID e2) {
    }

    private static WrittenTwice writtenTwice() throws Exception {
        String table = "apply" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String id = "own-" + UUID.randomUUID();
        String device = "device-" + UUID.randomUUID();
        String v1 = push(device, "op-1", table, "insert", id, "v1", null);
        UUID e1 = eventOf(table, id, v1);
        String v2 = push(device, "op-2", table, "update", id, "v2", v1);
        return new WrittenTwice(table, id, device, v1, e1, v2, eventOf(table, id, v2));
    }

    /** Pushes one operation of {@code device} and answers the version it wrote. */
    private static String push(String device, String operationId, String table, String kind, String id, String text,
            String baseVersion) throws Exception {
        return NativePush.push(device, JSON.createArrayNode()
                .add(NativePush.operation(operationId, table, kind, id, text(text), baseVersion)))
                .at("/results/0/record/version")
                .asText();
    }

    /**
     * The CUD event of this edge that wrote {@code version} of the record, read while the record holds that version
     * (the outbox row goes once Kafka has it; the record keeps its writer's event id until another version replaces
     * it).
     */
    private static UUID eventOf(String table, String id, String version) throws Exception {
        String event = query("SELECT own_event::text FROM sync_record WHERE table_name = ? AND id = ? AND version = ?",
                table, id, version);
        assertThat(event).as("the event that wrote %s of %s", version, id).isNotNull();
        return UUID.fromString(event);
    }

    private List<ReplicationOutcome> apply(List<ReplicatedChange> changes) {
        return records.applyReplicatedChanges(changes).await().atMost(Duration.ofSeconds(30));
    }

    /** A change whose data's text is its version. */
    private static ReplicatedChange change(String table, String id, String version, long masterSeq,
            Optional<Instant> createdAt, boolean keepVersion) {
        return new ReplicatedChange(table, id, text(version), version, false, masterSeq, Optional.empty(), createdAt,
                Optional.empty(), keepVersion);
    }

    private static ObjectNode text(String text) {
        return JSON.createObjectNode().put("text", text);
    }

    /** {@code text|master_seq|version|created_at in ms}. */
    private static String row(String table, String id) throws Exception {
        return query("SELECT concat_ws('|', data->>'text', master_seq, version,"
                + " (extract(epoch FROM created_at) * 1000)::bigint) FROM sync_record WHERE table_name = ? AND id = ?",
                table, id);
    }

    private static String query(String sql, String... params) throws Exception {
        return TestInfrastructure.queryString(InfrastructureResource.DATABASE, sql, params);
    }
}
