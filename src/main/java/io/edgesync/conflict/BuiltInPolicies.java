package io.edgesync.conflict;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The built-in conflict policies. */
final class BuiltInPolicies {

    private BuiltInPolicies() {
    }

    /** The server's copy wins: the behaviour of the Azure offline-sync article. */
    static final ConflictPolicy SERVER_WINS = conflict -> ConflictDecision.KEEP_SERVER;

    /** The device's change wins. */
    static final ConflictPolicy CLIENT_WINS = conflict -> ConflictDecision.APPLY_CLIENT;

    /**
     * The later change wins, by the device's modification time against the server's last change. A device that does not
     * say when it made the change (the ZUMO protocol has no such field) made it when it arrived: it wins.
     */
    static final ConflictPolicy LAST_WRITER_WINS = conflict -> {
        Instant client = conflict.clientUpdatedAt().orElseGet(Instant::now);
        return client.isAfter(conflict.server().updatedAt())
                ? ConflictDecision.APPLY_CLIENT
                : ConflictDecision.KEEP_SERVER;
    };

    /**
     * Three-way merge against the record at the device's base version: columns only one side changed keep that side's
     * value; columns both changed (to different values) go to the fallback policy, as do deletes and conflicts whose
     * base is no longer known.
     */
    static ConflictPolicy merge(ConflictPolicy fallback) {
        return new ConflictPolicy() {
            @Override
            public ConflictDecision resolve(Conflict conflict) {
                if (conflict.kind() != Conflict.Kind.STALE_VERSION || conflict.clientDeletes()
                        || conflict.server().deleted() || conflict.clientData().isEmpty()
                        || conflict.base().isEmpty()) {
                    return fallback.resolve(conflict);
                }
                ObjectNode base = conflict.base().get();
                ObjectNode server = conflict.server().data();
                ObjectNode client = conflict.clientData().get();
                if (!overlaps(base, server, client)) {
                    return new ConflictDecision.ApplyMerged(merge(base, server, client, true));
                }
                ConflictDecision overlap = fallback.resolve(conflict);
                if (overlap instanceof ConflictDecision.ApplyMerged) {
                    return overlap;
                }
                // Non-overlapping changes of the device are kept either way; the fallback decides the overlap.
                return new ConflictDecision.ApplyMerged(
                        merge(base, server, client, overlap instanceof ConflictDecision.KeepServer));
            }

            @Override
            public boolean needsBase() {
                return true;
            }
        };
    }

    private static boolean overlaps(ObjectNode base, ObjectNode server, ObjectNode client) {
        Iterator<Map.Entry<String, JsonNode>> fields = client.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode baseValue = base.get(field.getKey());
            JsonNode serverValue = server.get(field.getKey());
            if (!Objects.equals(field.getValue(), baseValue) && !Objects.equals(serverValue, baseValue)
                    && !Objects.equals(serverValue, field.getValue())) {
                return true;
            }
        }
        return false;
    }

    /** Both sides' changes; columns both changed take the server's value when {@code serverWinsOverlap}. */
    private static ObjectNode merge(ObjectNode base, ObjectNode server, ObjectNode client, boolean serverWinsOverlap) {
        ObjectNode merged = server.deepCopy();
        client.properties().forEach(field -> {
            JsonNode baseValue = base.get(field.getKey());
            JsonNode serverValue = server.get(field.getKey());
            boolean clientChanged = !Objects.equals(field.getValue(), baseValue);
            boolean serverChanged = !Objects.equals(serverValue, baseValue);
            if (clientChanged && (!serverChanged || !serverWinsOverlap)) {
                merged.set(field.getKey(), field.getValue());
            }
        });
        return merged;
    }
}
