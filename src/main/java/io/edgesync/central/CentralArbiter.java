package io.edgesync.central;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.conflict.Conflict;
import io.edgesync.conflict.ConflictDecision;
import io.edgesync.conflict.ConflictPolicies;
import io.edgesync.events.CudEvent;

/**
 * Arbitration between edges, the one place where a cross-edge conflict can be seen. Pure logic: the caller reads the
 * master row (locked), and stores what this decides.
 *
 * <ul> <li>A record central does not know: the event applies, whatever its operation (an insert of a new id, or a
 * change made before central knew the record).</li> <li>The master already holds the event's new version: a copy of an
 * event applied before; nothing changes.</li> <li>The event's base version is the master's version: it applies (the
 * edge changed the current row).</li> <li>Anything else is a conflict: an insert of an id the master has
 * ({@code already-exists}), a change of a record the master deleted ({@code deleted-on-server}), or a change based on
 * an older version ({@code stale-version}). The table's conflict policy decides, with the event as the client side and
 * the master row as the server side.</li> <li>Before all of that, an event of another owner than the master's (a user
 * who inserted, on another edge, an id that already belongs to someone else, and everything that user did to it since)
 * never applies, whatever the policy: {@code other-owner}, the master row stays. The owner of an id is decided once,
 * here, by the first event of it central applies.</li> </ul>
 */
public final class CentralArbiter {

    /** The "policy" that decides {@code other-owner} conflicts: no table's policy may. */
    public static final String OWNER_RULE = "owner";

    private CentralArbiter() {
    }

    /**
     * Whether arbitration needs the record as it was at the event's base version (the policy merges and the event
     * conflicts), which the caller then looks up.
     */
    public static boolean needsBase(CudEvent event, Optional<MasterRecord> master,
            ConflictPolicies.NamedPolicy policy) {
        return master.isPresent() && master.get().owner().equals(event.data().owner())
                && conflictKind(event, master.get()).isPresent()
                && policy.policy().needsBase() && event.data().baseVersion().isPresent();
    }

    /**
     * Decides what becomes of {@code event}.
     *
     * @param master the master row, if central has one
     * @param policy the table's conflict policy
     * @param base the record's user columns at the event's base version, when {@link #needsBase} and still known
     * @param newVersion creates the version of a merged row
     */
    public static Arbitration arbitrate(CudEvent event, Optional<MasterRecord> master,
            ConflictPolicies.NamedPolicy policy, Optional<ObjectNode> base, Supplier<String> newVersion) {
        MasterRecord.RowState incoming = new MasterRecord.RowState(event.userColumns(),
                master.map(m -> m.state().createdAt()).orElse(event.createdAt()), event.updatedAt(),
                event.data().newVersion(), event.deleted(), event.data().clientUpdatedAt());
        if (master.isEmpty()) {
            return new Arbitration.Applied(incoming);
        }
        MasterRecord current = master.get();
        if (current.state().version().equals(event.data().newVersion())) {
            return new Arbitration.AlreadyApplied();
        }
        if (!current.owner().equals(event.data().owner())) {
            return new Arbitration.Conflicted(Conflict.Kind.OTHER_OWNER, OWNER_RULE, ConflictDecision.KEEP_SERVER,
                    current.state(), "event");
        }
        Optional<Conflict.Kind> kind = conflictKind(event, current);
        if (kind.isEmpty()) {
            return new Arbitration.Applied(incoming);
        }
        boolean deletes = "delete".equals(event.operation());
        Conflict conflict = new Conflict(event.data().table(), kind.get(),
                deletes ? Optional.empty() : Optional.of(event.userColumns()), deletes, false,
                Optional.of(event.changeMadeAt()), current.asStoredRecord(), base);
        ConflictDecision decision = policy.policy().resolve(conflict);
        if (decision instanceof ConflictDecision.KeepServer) {
            return new Arbitration.Conflicted(kind.get(), policy.name(), decision, current.state(), "event");
        }
        if (decision instanceof ConflictDecision.ApplyMerged merged) {
            MasterRecord.RowState next = new MasterRecord.RowState(merged.data(), current.state().createdAt(),
                    later(event, current), newVersion.get(), false);
            return new Arbitration.Conflicted(kind.get(), policy.name(), decision, next, "none");
        }
        return new Arbitration.Conflicted(kind.get(), policy.name(), decision, incoming, "master");
    }

    /** What clashes between the event and the master row; empty when the event applies cleanly. */
    static Optional<Conflict.Kind> conflictKind(CudEvent event, MasterRecord master) {
        Optional<String> base = event.data().baseVersion();
        if (base.isPresent() && base.get().equals(master.state().version())) {
            return Optional.empty();
        }
        if (base.isEmpty() && "insert".equals(event.operation())) {
            return Optional.of(Conflict.Kind.ALREADY_EXISTS);
        }
        if (master.state().deleted() && !event.deleted()) {
            return Optional.of(Conflict.Kind.DELETED_ON_SERVER);
        }
        return Optional.of(Conflict.Kind.STALE_VERSION);
    }

    private static Instant later(CudEvent event, MasterRecord master) {
        return event.updatedAt().isAfter(master.state().updatedAt()) ? event.updatedAt() : master.state().updatedAt();
    }
}
