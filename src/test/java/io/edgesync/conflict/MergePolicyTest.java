package io.edgesync.conflict;

import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.StoredRecord;

import static org.assertj.core.api.Assertions.assertThat;

/** The merge policy compares column values by meaning and writes nothing when nothing of the device's change stays. */
class MergePolicyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ConflictPolicy MERGE_SERVER_FALLBACK = BuiltInPolicies.merge(BuiltInPolicies.SERVER_WINS);
    private static final ConflictPolicy MERGE_CLIENT_FALLBACK = BuiltInPolicies.merge(BuiltInPolicies.CLIENT_WINS);

    @Test
    void aClientWritingOneAsOnePointZeroHasNotChangedThatColumn() throws Exception {
        // Given device A changed price from 1 to 2, and device B (which writes doubles as 1.0) changed only the name,
        // on a table whose overlapping changes go to the device
        ConflictDecision decision = MERGE_CLIENT_FALLBACK.resolve(conflict(
                "{\"price\":1,\"name\":\"tea\"}",
                "{\"price\":2,\"name\":\"tea\"}",
                "{\"price\":1.0,\"name\":\"green tea\"}"));

        // Then both changes are kept: B's 1.0 is not a change of price, which would have taken A's 2 back to 1
        assertThat(decision)
                .isEqualTo(new ConflictDecision.ApplyMerged(object("{\"price\":2,\"name\":\"green tea\"}")));
    }

    @Test
    void numbersInEveryNotationAndAbsentOrNullColumnsAreTheSameValue() throws Exception {
        assertThat(BuiltInPolicies.sameValue(JSON.readTree("1"), JSON.readTree("1.0"))).isTrue();
        assertThat(BuiltInPolicies.sameValue(JSON.readTree("100"), JSON.readTree("1e2"))).isTrue();
        assertThat(BuiltInPolicies.sameValue(JSON.readTree("[1,{\"a\":2.50}]"), JSON.readTree("[1.0,{\"a\":2.5}]")))
                .isTrue();
        assertThat(BuiltInPolicies.sameValue(null, JSON.readTree("null"))).isTrue();
        assertThat(BuiltInPolicies.sameValue(object("{\"a\":1}"), object("{\"a\":1,\"b\":null}"))).isTrue();

        assertThat(BuiltInPolicies.sameValue(JSON.readTree("1"), JSON.readTree("\"1\""))).isFalse();
        assertThat(BuiltInPolicies.sameValue(JSON.readTree("1"), JSON.readTree("1.5"))).isFalse();
        assertThat(BuiltInPolicies.sameValue(JSON.readTree("false"), JSON.readTree("null"))).isFalse();
    }

    @Test
    void aMergeWhoseOnlyChangeLostToTheFallbackKeepsTheServerRecord() throws Exception {
        // Given both devices changed the name from the same base, and the fallback keeps the server's
        ConflictDecision decision = MERGE_SERVER_FALLBACK.resolve(conflict(
                "{\"name\":\"tea\"}",
                "{\"name\":\"black tea\"}",
                "{\"name\":\"green tea\"}"));

        // Then nothing of the device's change stays: the server's record is kept, not rewritten as a "merge"
        assertThat(decision).isEqualTo(ConflictDecision.KEEP_SERVER);
    }

    @Test
    void changesToDifferentColumnsAreBothKept() throws Exception {
        ConflictDecision decision = MERGE_SERVER_FALLBACK.resolve(conflict(
                "{\"name\":\"tea\",\"price\":1}",
                "{\"name\":\"tea\",\"price\":3}",
                "{\"name\":\"green tea\",\"price\":1}"));

        assertThat(decision)
                .isEqualTo(new ConflictDecision.ApplyMerged(object("{\"name\":\"green tea\",\"price\":3}")));
    }

    @Test
    void withoutTheBaseADeviceThatWinsChangesOnlyTheColumnsItSent() throws Exception {
        // Given device A added a column, and device B, coming back after the base was forgotten, sends its whole
        // record without that column, on a table whose overlapping changes go to the device
        Conflict conflict = conflict(Optional.empty(), "{\"name\":\"tea\",\"price\":1,\"stock\":7}",
                "{\"name\":\"green tea\",\"price\":1.0}");

        // Then B's changed column wins, and A's column stays: nothing B did not send is taken away
        assertThat(MERGE_CLIENT_FALLBACK.resolve(conflict)).isEqualTo(
                new ConflictDecision.ApplyMerged(object("{\"name\":\"green tea\",\"price\":1,\"stock\":7}")));
        // And where the server's side wins, the server's record stays as it is
        assertThat(MERGE_SERVER_FALLBACK.resolve(conflict)).isEqualTo(ConflictDecision.KEEP_SERVER);
        // And a device that sent nothing new leaves it as it is too
        assertThat(MERGE_CLIENT_FALLBACK.resolve(conflict(Optional.empty(), "{\"name\":\"tea\",\"stock\":7}",
                "{\"name\":\"tea\"}"))).isEqualTo(ConflictDecision.KEEP_SERVER);
    }

    private static Conflict conflict(String base, String server, String client) throws Exception {
        return conflict(Optional.of(base), server, client);
    }

    private static Conflict conflict(Optional<String> base, String server, String client) throws Exception {
        Instant now = Instant.now();
        StoredRecord stored = new StoredRecord("r1", object(server), now, now, "v2", false, 2);
        return new Conflict("t", Conflict.Kind.STALE_VERSION, Optional.of(object(client)), false, false,
                Optional.empty(), stored, base.isPresent() ? Optional.of(object(base.get())) : Optional.empty());
    }

    private static ObjectNode object(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }
}
