package io.edgesync.conflict;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
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
     * The later change wins: the time the device says it made its change against the time the stored change was made,
     * as its device said (or, when it did not say, when it was stored). A change that does not say when it was made
     * (the table protocol has no such field) was made when it arrived, so it wins over anything stored before. On equal
     * times the server's record stays, so that every edge decides a tie the same way.
     */
    static final ConflictPolicy LAST_WRITER_WINS = conflict -> {
        Instant client = conflict.clientUpdatedAt().orElseGet(Instant::now);
        return client.isAfter(conflict.server().changeMadeAt())
                ? ConflictDecision.APPLY_CLIENT
                : ConflictDecision.KEEP_SERVER;
    };

    /**
     * Three-way merge against the record at the device's base version: columns only one side changed keep that side's
     * value; columns both changed (to different values) go to the fallback policy, as do deletes. When the base is no
     * longer known, every column the two sides hold differently goes to the fallback, and a device that wins it changes
     * only the columns it sent. Values are compared by meaning: {@code 1}, {@code 1.0} and {@code 1e0} are one number
     * (a client that writes doubles as {@code 1.0} has not changed a column that holds {@code 1}), and a column that is
     * absent is null. When nothing of the device's change survives, the server's record stays as it is: no new version
     * with the same data.
     */
    static ConflictPolicy merge(ConflictPolicy fallback) {
        return new ConflictPolicy() {
            @Override
            public ConflictDecision resolve(Conflict conflict) {
                if (conflict.kind() != Conflict.Kind.STALE_VERSION || conflict.clientDeletes()
                        || conflict.server().deleted() || conflict.clientData().isEmpty()) {
                    return fallback.resolve(conflict);
                }
                if (conflict.base().isEmpty()) {
                    return withoutBase(conflict);
                }
                ObjectNode base = conflict.base().get();
                ObjectNode server = conflict.server().data();
                ObjectNode client = conflict.clientData().get();
                if (!overlaps(base, server, client)) {
                    return keptOrMerged(server, merge(base, server, client, true));
                }
                ConflictDecision overlap = fallback.resolve(conflict);
                if (overlap instanceof ConflictDecision.ApplyMerged) {
                    return overlap;
                }
                // Non-overlapping changes of the device are kept either way; the fallback decides the overlap.
                return keptOrMerged(server,
                        merge(base, server, client, overlap instanceof ConflictDecision.KeepServer));
            }

            /**
             * Without the base, any column the two sides hold differently may have been changed by either: the fallback
             * decides them all. When the device's side wins, only the columns it sent take its values; a column it did
             * not send (another device may have added it) keeps the server's.
             */
            private ConflictDecision withoutBase(Conflict conflict) {
                ConflictDecision decided = fallback.resolve(conflict);
                if (!(decided instanceof ConflictDecision.ApplyClient)) {
                    return decided;
                }
                ObjectNode server = conflict.server().data();
                ObjectNode merged = server.deepCopy();
                conflict.clientData().get().properties().forEach(field -> {
                    if (!sameValue(field.getValue(), server.get(field.getKey()))) {
                        merged.set(field.getKey(), field.getValue());
                    }
                });
                return keptOrMerged(server, merged);
            }

            @Override
            public boolean needsBase() {
                return true;
            }
        };
    }

    private static ConflictDecision keptOrMerged(ObjectNode server, ObjectNode merged) {
        return sameValue(server, merged) ? ConflictDecision.KEEP_SERVER : new ConflictDecision.ApplyMerged(merged);
    }

    private static boolean overlaps(ObjectNode base, ObjectNode server, ObjectNode client) {
        Iterator<Map.Entry<String, JsonNode>> fields = client.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode baseValue = base.get(field.getKey());
            JsonNode serverValue = server.get(field.getKey());
            if (!sameValue(field.getValue(), baseValue) && !sameValue(serverValue, baseValue)
                    && !sameValue(serverValue, field.getValue())) {
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
            boolean clientChanged = !sameValue(field.getValue(), baseValue);
            boolean serverChanged = !sameValue(serverValue, baseValue);
            if (clientChanged && (!serverChanged || !serverWinsOverlap)) {
                merged.set(field.getKey(), field.getValue());
            }
        });
        return merged;
    }

    /**
     * Whether two column values mean the same: numbers by value whatever their notation, objects and arrays member by
     * member, absent and null alike.
     */
    static boolean sameValue(JsonNode a, JsonNode b) {
        JsonNode left = a == null ? NullNode.getInstance() : a;
        JsonNode right = b == null ? NullNode.getInstance() : b;
        if (left.isObject() && right.isObject()) {
            Set<String> names = new HashSet<>();
            left.fieldNames().forEachRemaining(names::add);
            right.fieldNames().forEachRemaining(names::add);
            return names.stream().allMatch(name -> sameValue(left.get(name), right.get(name)));
        }
        return left.equals(BY_MEANING, right);
    }

    /**
     * Answers what {@link JsonNode#equals(Comparator, JsonNode)} asks of scalar values (arrays and objects compare
     * their elements with it): 0 for equal values, else 1.
     */
    private static final Comparator<JsonNode> BY_MEANING = (x, y) -> {
        if (x.isNumber() && y.isNumber()) {
            return x.decimalValue().compareTo(y.decimalValue()) == 0 ? 0 : 1;
        }
        return x.equals(y) ? 0 : 1;
    };
}
