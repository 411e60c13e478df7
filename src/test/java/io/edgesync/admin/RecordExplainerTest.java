package io.edgesync.admin;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.edgesync.admin.AdminRepository.DeviceRow;
import io.edgesync.admin.AdminRepository.ExplainedRecord;
import io.edgesync.admin.AdminRepository.RecordFacts;

import static org.assertj.core.api.Assertions.assertThat;

/** The order in which Explain weighs its reasons, and the one a single gateway cannot show for long: not-arrived. */
class RecordExplainerTest {

    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");
    private static final DeviceRow DEVICE = new DeviceRow("d1", "native", "1.0", "bob", T0, T0);
    private static final AdminReplica PULLED_PAST = new AdminReplica("todoitem", "", null, 100L, 10, T0, T0);
    private static final AdminReplica PULLED_BEFORE = new AdminReplica("todoitem", "", null, 5L, 10, T0, T0);

    @Test
    void aNewerVersionAtTheMasterIsOnItsWay() {
        // Given an edge row older than the master's
        RecordFacts facts = new RecordFacts(Optional.of(row("v1", T0, "bob")),
                Optional.of(row("v2", T0.plusSeconds(1), null)), 7, true);

        // When it is explained for a device that pulled past the edge's version
        AdminExplanation answer = RecordExplainer.explain(facts(facts, List.of(PULLED_PAST), List.of()));

        // Then the change has not arrived yet
        assertThat(answer.reason()).isEqualTo("not-arrived");
        assertThat(answer.current()).isFalse();
        assertThat(answer.message()).contains("v2").contains("v1");
    }

    @Test
    void theEdgesOwnNewerChangeIsNotAMissingArrival() {
        // Given an edge row newer than the master's (its event is on its way to central)
        RecordFacts facts = new RecordFacts(Optional.of(row("v2", T0.plusSeconds(1), "bob")),
                Optional.of(row("v1", T0, null)), 7, true);

        // When it is explained / Then the device, which pulled past it, has it
        assertThat(RecordExplainer.explain(facts(facts, List.of(PULLED_PAST), List.of())).reason())
                .isEqualTo("current");
    }

    @Test
    void anotherUsersRecordOutweighsEverythingAPullCouldMend() {
        // Given alice's record that the device of bob has not pulled, with a newer master version
        RecordFacts facts = new RecordFacts(Optional.of(row("v1", T0, "alice")),
                Optional.of(row("v2", T0.plusSeconds(1), null)), 7, true);

        // When it is explained / Then the owner is the reason
        assertThat(RecordExplainer.explain(facts(facts, List.of(PULLED_BEFORE), List.of())).reason())
                .isEqualTo("filtered-by-owner");
    }

    @Test
    void aDeviceBehindTheChangeHasNotPulledIt() {
        // Given a record at change 7 and a device that pulled to change 5
        RecordFacts facts = new RecordFacts(Optional.of(row("v1", T0, "bob")), Optional.empty(), 7, true);

        // When it is explained / Then it has not pulled it yet
        AdminExplanation answer = RecordExplainer.explain(facts(facts, List.of(PULLED_BEFORE), List.of()));
        assertThat(answer.reason()).isEqualTo("not-pulled");
        assertThat(answer.message()).contains("change 5").contains("change 7");
    }

    private static RecordExplainer.Facts facts(RecordFacts record, List<AdminReplica> replicas,
            List<AdminOperation> parked) {
        return new RecordExplainer.Facts("todoitem", "r1", true, DEVICE, replicas, record, parked);
    }

    private static ExplainedRecord row(String version, Instant updatedAt, String owner) {
        return new ExplainedRecord(version, updatedAt, false, owner, false);
    }
}
