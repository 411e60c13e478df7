package io.edgesync.admin;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.edgesync.admin.AdminExplanation.Reason;
import io.edgesync.admin.AdminRepository.ExplainedRecord;
import io.edgesync.admin.AdminRepository.RecordFacts;

/**
 * Decides, from what the gateway keeps, whether a device holds a record's current version and why not. The reasons are
 * checked from the one that no pull could mend to the ones a later pull will: a record the device may never see
 * (another user's), its own change waiting for an administrator, a newer version still on its way from central, and
 * then how far the device has pulled.
 */
final class RecordExplainer {

    private RecordExplainer() {
    }

    /** What the decision rests on. */
    record Facts(String table, String recordId, boolean perUser, AdminRepository.DeviceRow device,
            List<AdminReplica> replicas, RecordFacts record, List<AdminOperation> parked) {
    }

    static AdminExplanation explain(Facts facts) {
        Optional<ExplainedRecord> edge = facts.record().edge();
        Verdict verdict = edge.map(record -> explainKnown(facts, record)).orElseGet(() -> explainMissing(facts));
        AdminRepository.DeviceRow device = facts.device();
        return new AdminExplanation(facts.table(), facts.recordId(), device.id(), verdict.reason == Reason.CURRENT,
                verdict.reason.code(), verdict.message,
                edge.map(r -> new AdminExplanation.RecordState(r.version(), r.updatedAt(), r.deleted(), r.ownerId(),
                        r.columnsPurged())).orElse(null),
                new AdminExplanation.DeviceState(device.id(), device.userId(), device.lastSeen()), facts.replicas(),
                facts.parked());
    }

    private record Verdict(Reason reason, String message) {
    }

    private static Verdict explainMissing(Facts facts) {
        String what = "Record " + facts.recordId() + " is not in " + facts.table();
        if (!facts.parked().isEmpty()) {
            return parked(facts, what + ": the device's own operation on it is parked");
        }
        if (facts.record().everWritten()) {
            return new Verdict(Reason.TOMBSTONE_PURGED, what + " any more: it was deleted and its tombstone purged"
                    + " (after every active device had pulled past it, or after the tombstone retention). A device"
                    + " that had not pulled the delete keeps the row: a native device is told to resync, a table"
                    + " protocol device keeps it until it pulls the table afresh.");
        }
        return new Verdict(Reason.UNKNOWN_RECORD, what + ", and neither an operation of the device nor an outbox row of"
                + " this edge (kept until Kafka has it, or for the outbox retention) names it: it was never written"
                + " here, or everything about it was purged.");
    }

    private static Verdict explainKnown(Facts facts, ExplainedRecord record) {
        String userId = facts.device().userId();
        if (facts.perUser() && !Objects.equals(record.ownerId(), userId)) {
            return new Verdict(Reason.FILTERED_BY_OWNER, "Rows of " + facts.table() + " are per user: record "
                    + facts.recordId() + " belongs to " + describeUser(record.ownerId()) + ", the device to "
                    + describeUser(userId) + ", so its pulls never include it.");
        }
        if (!facts.parked().isEmpty()) {
            return parked(facts, "The device's own operation on record " + facts.recordId() + " is parked");
        }
        Optional<ExplainedRecord> central = facts.record().central();
        if (central.isPresent() && !central.get().version().equals(record.version())
                && central.get().updatedAt().isAfter(record.updatedAt())) {
            return new Verdict(Reason.NOT_ARRIVED, "The master holds version " + central.get().version()
                    + " of record " + facts.recordId() + " (changed at " + central.get().updatedAt()
                    + "); this edge still holds " + record.version() + " (" + record.updatedAt()
                    + "): the change has not arrived from the change stream yet.");
        }
        if (facts.replicas().isEmpty()) {
            return new Verdict(Reason.NEVER_PULLED, "The device never pulled " + facts.table() + ".");
        }
        String change = (record.deleted() ? "was deleted at " : "changed at ") + record.updatedAt()
                + " (change " + facts.record().changeSeq() + ")";
        Optional<AdminReplica> past = facts.replicas()
                .stream()
                .filter(replica -> pulledPast(replica, record.updatedAt(), facts.record().changeSeq()))
                .findFirst();
        if (past.isPresent()) {
            return new Verdict(Reason.CURRENT, "The device pulled " + facts.table() + " up to "
                    + position(past.get()) + "; record " + facts.recordId() + " " + change
                    + ", so the device has " + (record.deleted() ? "its delete" : "version " + record.version())
                    + (past.get().queryId().isEmpty()
                            ? ""
                            : " (when its query " + past.get().queryId()
                                    + " selects it)")
                    + ".");
        }
        String furthest = facts.replicas()
                .stream()
                .map(RecordExplainer::position)
                .reduce((a, b) -> a + ", " + b)
                .orElse("");
        return new Verdict(Reason.NOT_PULLED, "The device last pulled " + facts.table() + " up to " + furthest
                + "; record " + facts.recordId() + " " + change + ", after that: its next pull brings it.");
    }

    private static Verdict parked(Facts facts, String what) {
        AdminOperation first = facts.parked().get(0);
        return new Verdict(Reason.PARKED, what + " (operation " + first.seq() + ", " + first.kind()
                + (first.error() == null ? "" : ": " + first.error())
                + "): it waits for an administrator to retry or discard it.");
    }

    private static boolean pulledPast(AdminReplica replica, Instant updatedAt, long changeSeq) {
        return (replica.watermark() != null && !replica.watermark().isBefore(updatedAt))
                || (replica.changeSeq() != null && replica.changeSeq() >= changeSeq);
    }

    private static String position(AdminReplica replica) {
        return replica.watermark() != null
                ? replica.watermark().toString()
                : "change " + (replica.changeSeq() == null ? 0 : replica.changeSeq());
    }

    private static String describeUser(String userId) {
        return userId == null ? "no user (anonymous)" : "user " + userId;
    }
}
