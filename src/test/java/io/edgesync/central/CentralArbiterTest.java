package io.edgesync.central;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.conflict.Conflict;
import io.edgesync.conflict.ConflictDecision;
import io.edgesync.conflict.ConflictPolicies;
import io.edgesync.conflict.ConflictPolicy;
import io.edgesync.events.CudEvent;
import io.edgesync.events.EdgeIdentity;
import io.edgesync.events.Items;

import static org.assertj.core.api.Assertions.assertThat;

class CentralArbiterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant CREATED = Instant.parse("2026-03-01T09:00:00.000Z");
    private static final Instant MASTER_UPDATED = Instant.parse("2026-03-01T10:00:00.000Z");
    private static final Instant EVENT_UPDATED = Instant.parse("2026-03-01T10:00:05.000Z");

    private static final ConflictPolicies.NamedPolicy SERVER_WINS = new ConflictPolicies.NamedPolicy("server-wins",
            conflict -> ConflictDecision.KEEP_SERVER);
    private static final ConflictPolicies.NamedPolicy CLIENT_WINS = new ConflictPolicies.NamedPolicy("client-wins",
            conflict -> ConflictDecision.APPLY_CLIENT);

    private static ObjectNode columns(String text) {
        return JSON.createObjectNode().put("text", text);
    }

    private static CudEvent event(String operation, Optional<String> base, String newVersion, String text,
            boolean deleted) {
        return eventOf(Optional.empty(), operation, base, newVersion, text, deleted);
    }

    private static CudEvent eventOf(Optional<String> owner, String operation, Optional<String> base,
            String newVersion, String text) {
        return eventOf(owner, operation, base, newVersion, text, false);
    }

    private static CudEvent eventOf(Optional<String> owner, String operation, Optional<String> base,
            String newVersion, String text, boolean deleted) {
        ObjectNode item = Items.item("r1", columns(text), EVENT_UPDATED, EVENT_UPDATED, newVersion, deleted);
        return CudEvent.of(UUID.randomUUID(), EdgeIdentity.sourceOf("edge-2"), operation, EVENT_UPDATED,
                new CudEvent.Data("todoitem", "r1", item, base, newVersion, Optional.of("dev"), Optional.of("op"),
                        owner));
    }

    private static Optional<MasterRecord> master(String version, String text, boolean deleted) {
        return Optional.of(new MasterRecord("todoitem", "r1",
                new MasterRecord.RowState(columns(text), CREATED, MASTER_UPDATED, version, deleted), 5,
                Optional.empty()));
    }

    private static Optional<MasterRecord> masterOf(Optional<String> owner, String version, String text) {
        return Optional.of(new MasterRecord("todoitem", "r1",
                new MasterRecord.RowState(columns(text), CREATED, MASTER_UPDATED, version, false), 5, owner));
    }

    private static Arbitration arbitrate(CudEvent event, Optional<MasterRecord> master,
            ConflictPolicies.NamedPolicy policy) {
        return CentralArbiter.arbitrate(event, master, policy, Optional.empty(), () -> "bWVyZ2Vk");
    }

    @Test
    void insertOfAnIdCentralDoesNotKnowBecomesTheMaster() {
        // Given an insert of a new id
        CudEvent insert = event("insert", Optional.empty(), "djE=", "new", false);

        // When it is arbitrated against no master row
        Arbitration result = arbitrate(insert, Optional.empty(), SERVER_WINS);

        // Then it applies as it is, with the edge's version and creation time
        assertThat(result).isInstanceOf(Arbitration.Applied.class);
        MasterRecord.RowState next = ((Arbitration.Applied) result).next();
        assertThat(next.version()).isEqualTo("djE=");
        assertThat(next.data()).isEqualTo(columns("new"));
        assertThat(next.createdAt()).isEqualTo(EVENT_UPDATED);
        assertThat(next.deleted()).isFalse();
    }

    @Test
    void changeBasedOnTheMasterVersionApplies() {
        // Given a master at v1 and an update based on v1
        CudEvent update = event("update", Optional.of("djE="), "djI=", "changed", false);

        // When it is arbitrated
        Arbitration result = arbitrate(update, master("djE=", "old", false), SERVER_WINS);

        // Then it applies; the record keeps its creation time
        assertThat(result).isInstanceOf(Arbitration.Applied.class);
        MasterRecord.RowState next = ((Arbitration.Applied) result).next();
        assertThat(next.version()).isEqualTo("djI=");
        assertThat(next.data()).isEqualTo(columns("changed"));
        assertThat(next.createdAt()).isEqualTo(CREATED);
        assertThat(next.updatedAt()).isEqualTo(EVENT_UPDATED);
    }

    @Test
    void deleteBasedOnTheMasterVersionLeavesATombstone() {
        CudEvent delete = event("delete", Optional.of("djE="), "djI=", "old", true);

        Arbitration result = arbitrate(delete, master("djE=", "old", false), SERVER_WINS);

        assertThat(result).isInstanceOf(Arbitration.Applied.class);
        assertThat(((Arbitration.Applied) result).next().deleted()).isTrue();
    }

    @Test
    void eventWhoseVersionTheMasterHoldsChangesNothing() {
        // Given the master already at the event's new version (its copy was applied before)
        CudEvent update = event("update", Optional.of("djE="), "djI=", "changed", false);

        // When it is arbitrated
        Arbitration result = arbitrate(update, master("djI=", "changed", false), CLIENT_WINS);

        // Then nothing happens, whatever the policy
        assertThat(result).isInstanceOf(Arbitration.AlreadyApplied.class);
    }

    @Test
    void staleChangeUnderServerWinsKeepsTheMasterAndTheEventLoses() {
        // Given a master at v2 and an update another edge based on v1
        CudEvent stale = event("update", Optional.of("djE="), "ZWRnZTI=", "from edge 2", false);

        // When it is arbitrated under server-wins
        Arbitration result = arbitrate(stale, master("djI=", "from edge 1", false), SERVER_WINS);

        // Then the master stays and the event is the loser
        assertThat(result).isInstanceOf(Arbitration.Conflicted.class);
        Arbitration.Conflicted conflicted = (Arbitration.Conflicted) result;
        assertThat(conflicted.kind()).isEqualTo(Conflict.Kind.STALE_VERSION);
        assertThat(conflicted.kindLabel()).isEqualTo("stale-version");
        assertThat(conflicted.decision().label()).isEqualTo("server-wins");
        assertThat(conflicted.loser()).isEqualTo("event");
        assertThat(conflicted.next().version()).isEqualTo("djI=");
        assertThat(conflicted.next().data()).isEqualTo(columns("from edge 1"));
    }

    @Test
    void staleChangeUnderClientWinsReplacesTheMasterAndTheMasterLoses() {
        CudEvent stale = event("update", Optional.of("djE="), "ZWRnZTI=", "from edge 2", false);

        Arbitration result = arbitrate(stale, master("djI=", "from edge 1", false), CLIENT_WINS);

        Arbitration.Conflicted conflicted = (Arbitration.Conflicted) result;
        assertThat(conflicted.loser()).isEqualTo("master");
        assertThat(conflicted.next().version()).isEqualTo("ZWRnZTI=");
        assertThat(conflicted.next().data()).isEqualTo(columns("from edge 2"));
        assertThat(conflicted.next().createdAt()).isEqualTo(CREATED);
    }

    @Test
    void insertOfAnIdTheMasterHasIsAnAlreadyExistsConflict() {
        CudEvent insert = event("insert", Optional.empty(), "ZWRnZTI=", "duplicate id", false);

        Arbitration result = arbitrate(insert, master("djE=", "original", false), SERVER_WINS);

        assertThat(((Arbitration.Conflicted) result).kind()).isEqualTo(Conflict.Kind.ALREADY_EXISTS);
    }

    @Test
    void changeOfARecordTheMasterDeletedIsADeletedOnServerConflict() {
        CudEvent update = event("update", Optional.of("djE="), "ZWRnZTI=", "still editing", false);

        Arbitration result = arbitrate(update, master("ZGVs", "original", true), SERVER_WINS);

        Arbitration.Conflicted conflicted = (Arbitration.Conflicted) result;
        assertThat(conflicted.kind()).isEqualTo(Conflict.Kind.DELETED_ON_SERVER);
        assertThat(conflicted.next().deleted()).isTrue();
    }

    @Test
    void policySeesTheEventAsClientAndTheMasterAsServer() {
        // Given a policy that records what it is asked
        AtomicReference<Conflict> asked = new AtomicReference<>();
        ConflictPolicies.NamedPolicy recording = new ConflictPolicies.NamedPolicy("custom:recording", conflict -> {
            asked.set(conflict);
            return ConflictDecision.KEEP_SERVER;
        });
        CudEvent delete = event("delete", Optional.of("djE="), "ZWRnZTI=", "old", true);

        // When a stale delete is arbitrated
        arbitrate(delete, master("djI=", "server", false), recording);

        // Then the policy got both sides: the edge's change time decides last-writer-wins against the master's
        Conflict conflict = asked.get();
        assertThat(conflict.table()).isEqualTo("todoitem");
        assertThat(conflict.clientDeletes()).isTrue();
        assertThat(conflict.clientData()).isEmpty();
        assertThat(conflict.partial()).isFalse();
        assertThat(conflict.clientUpdatedAt()).contains(EVENT_UPDATED);
        assertThat(conflict.server().version()).isEqualTo("djI=");
        assertThat(conflict.server().updatedAt()).isEqualTo(MASTER_UPDATED);
    }

    @Test
    void mergeGetsTheBaseAndMakesANewVersionThatNeitherEdgeHad() {
        // Given a merging policy
        ConflictPolicy merging = new ConflictPolicy() {
            @Override
            public ConflictDecision resolve(Conflict conflict) {
                ObjectNode merged = conflict.server().data().deepCopy();
                merged.put("base", conflict.base().orElseThrow().path("text").asText());
                merged.setAll(conflict.clientData().orElseThrow());
                return new ConflictDecision.ApplyMerged(merged);
            }

            @Override
            public boolean needsBase() {
                return true;
            }
        };
        ConflictPolicies.NamedPolicy policy = new ConflictPolicies.NamedPolicy("merge", merging);
        CudEvent stale = event("update", Optional.of("djE="), "ZWRnZTI=", "client", false);
        Optional<MasterRecord> master = master("djI=", "server", false);

        // When it is arbitrated with the base it asked for
        assertThat(CentralArbiter.needsBase(stale, master, policy)).isTrue();
        Arbitration result = CentralArbiter.arbitrate(stale, master, policy, Optional.of(columns("base")),
                () -> "bWVyZ2Vk");

        // Then the merge becomes the master under a new version, and nobody lost
        Arbitration.Conflicted conflicted = (Arbitration.Conflicted) result;
        assertThat(conflicted.decision().label()).isEqualTo("merged");
        assertThat(conflicted.loser()).isEqualTo("none");
        assertThat(conflicted.next().version()).isEqualTo("bWVyZ2Vk");
        assertThat(conflicted.next().data().path("base").asText()).isEqualTo("base");
        assertThat(conflicted.next().data().path("text").asText()).isEqualTo("client");
        assertThat(conflicted.next().updatedAt()).isEqualTo(EVENT_UPDATED);
    }

    @Test
    void baseIsNotLookedUpWhenTheEventAppliesCleanly() {
        ConflictPolicies.NamedPolicy merging = new ConflictPolicies.NamedPolicy("merge", new ConflictPolicy() {
            @Override
            public ConflictDecision resolve(Conflict conflict) {
                return ConflictDecision.KEEP_SERVER;
            }

            @Override
            public boolean needsBase() {
                return true;
            }
        });
        CudEvent update = event("update", Optional.of("djE="), "djI=", "x", false);

        assertThat(CentralArbiter.needsBase(update, master("djE=", "old", false), merging)).isFalse();
        assertThat(CentralArbiter.needsBase(update, Optional.empty(), merging)).isFalse();
    }

    @Test
    void anInsertOfAnIdThatBelongsToAnotherUserNeverAppliesWhateverThePolicy() {
        // Given Bob's row at central, and Alice's insert of the same id from another edge, on a client-wins table
        CudEvent alicesInsert = eventOf(Optional.of("alice"), "insert", Optional.empty(), "YWxpY2U=", "ALICE");

        Arbitration result = arbitrate(alicesInsert, masterOf(Optional.of("bob"), "Ym9i", "BOB SECRET"),
                CLIENT_WINS);

        // Then Bob's row stays, and Alice's insert is the loser of an other-owner conflict no policy decided
        Arbitration.Conflicted conflicted = (Arbitration.Conflicted) result;
        assertThat(conflicted.kindLabel()).isEqualTo("other-owner");
        assertThat(conflicted.policy()).isEqualTo(CentralArbiter.OWNER_RULE);
        assertThat(conflicted.decision()).isEqualTo(ConflictDecision.KEEP_SERVER);
        assertThat(conflicted.loser()).isEqualTo("event");
        assertThat(conflicted.next().data().path("text").asText()).isEqualTo("BOB SECRET");
    }

    @Test
    void aChangeOfAnotherUsersRowNeverAppliesEvenWhenItIsBasedOnTheCurrentVersion() {
        // Given Alice's update, based on the master's version, of a row that belongs to Bob (or to nobody)
        CudEvent alicesUpdate = eventOf(Optional.of("alice"), "update", Optional.of("Ym9i"), "YWxpY2U=", "ALICE");
        CudEvent anonymousUpdate = eventOf(Optional.empty(), "update", Optional.of("Ym9i"), "YW5vbg==", "ANON");

        // Then neither applies
        for (Arbitration result : java.util.List.of(
                arbitrate(alicesUpdate, masterOf(Optional.of("bob"), "Ym9i", "BOB SECRET"), CLIENT_WINS),
                arbitrate(alicesUpdate, masterOf(Optional.empty(), "Ym9i", "NOBODY'S"), CLIENT_WINS),
                arbitrate(anonymousUpdate, masterOf(Optional.of("bob"), "Ym9i", "BOB SECRET"), CLIENT_WINS))) {
            assertThat(((Arbitration.Conflicted) result).kind()).isEqualTo(Conflict.Kind.OTHER_OWNER);
            assertThat(((Arbitration.Conflicted) result).next().version()).isEqualTo("Ym9i");
        }
        // While the owner's own change applies as before
        CudEvent bobsUpdate = eventOf(Optional.of("bob"), "update", Optional.of("Ym9i"), "Ym9iMg==", "BOB 2");
        assertThat(arbitrate(bobsUpdate, masterOf(Optional.of("bob"), "Ym9i", "BOB SECRET"), SERVER_WINS))
                .isInstanceOf(Arbitration.Applied.class);
    }
}
