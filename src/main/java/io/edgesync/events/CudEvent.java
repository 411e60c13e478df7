package io.edgesync.events;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A CUD event: one create, update, delete or undelete accepted by an edge, as a CloudEvents 1.0 event in structured
 * JSON mode on the {@code edgesync.cud} topic (schema: {@code docs/events/cud-event.schema.json}). Kafka key
 * {@code table/id}; consumers dedupe on {@link #id()}.
 *
 * @param specVersion the CloudEvents spec version (attribute {@code "specversion"}), always {@code 1.0}
 * @param id CloudEvents {@code id}: the outbox row's event id, the same on every redelivery
 * @param source CloudEvents {@code source}: {@code edgesync://edge/<edge id>}
 * @param type CloudEvents {@code type}: {@code edgesync.cud.insert|update|delete|undelete}
 * @param time CloudEvents {@code time}: when the edge stamped the change (the item's {@code updatedAt})
 * @param subject CloudEvents {@code subject}: {@code table/id}
 * @param dataContentType the media type of the data (CloudEvents attribute {@code "datacontenttype"}), always
 *     {@code application/json}
 * @param data the change
 */
public record CudEvent(String specVersion, UUID id, String source, String type, Instant time, String subject,
        String dataContentType, Data data) {

    public static final String SPEC_VERSION = "1.0";
    public static final String TYPE_PREFIX = "edgesync.cud.";
    public static final String CONTENT_TYPE = "application/json";
    public static final Set<String> OPERATIONS = Set.of("insert", "update", "delete", "undelete");

    /**
     * The change an event carries.
     *
     * @param table the sync table (lower-case name)
     * @param id the record id
     * @param item the record after the change: user columns plus {@code id}, {@code createdAt}, {@code updatedAt},
     *     {@code version} and {@code deleted}
     * @param baseVersion the version this change replaced in the edge's cache; empty for the insert of a new id
     * @param newVersion the version the change created (equals {@code item.version})
     * @param deviceId the device that made the change, when known
     * @param operationId the device's operation id, when known
     * @param owner the user the record belongs to, on per-user tables
     * @param clientUpdatedAt when the device made the change, if it said so (native pushes): what last-writer-wins
     *     compares across edges; when empty, the change counts as made when its edge stamped it ({@code updatedAt})
     */
    public record Data(String table, String id, ObjectNode item, Optional<String> baseVersion, String newVersion,
            Optional<String> deviceId, Optional<String> operationId, Optional<String> owner,
            Optional<Instant> clientUpdatedAt) {

        /** A change that does not say when its device made it. */
        public Data(String table, String id, ObjectNode item, Optional<String> baseVersion, String newVersion,
                Optional<String> deviceId, Optional<String> operationId, Optional<String> owner) {
            this(table, id, item, baseVersion, newVersion, deviceId, operationId, owner, Optional.empty());
        }

        /** A change of a record that belongs to nobody in particular. */
        public Data(String table, String id, ObjectNode item, Optional<String> baseVersion, String newVersion,
                Optional<String> deviceId, Optional<String> operationId) {
            this(table, id, item, baseVersion, newVersion, deviceId, operationId, Optional.empty());
        }

        public Data {
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(item, "item");
            Objects.requireNonNull(newVersion, "newVersion");
            baseVersion = Objects.requireNonNullElse(baseVersion, Optional.empty());
            deviceId = Objects.requireNonNullElse(deviceId, Optional.empty());
            operationId = Objects.requireNonNullElse(operationId, Optional.empty());
            owner = Objects.requireNonNullElse(owner, Optional.empty());
            clientUpdatedAt = Objects.requireNonNullElse(clientUpdatedAt, Optional.empty());
        }
    }

    public CudEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(data, "data");
    }

    /** A new event of {@code operation} from {@code source}. */
    public static CudEvent of(UUID id, String source, String operation, Instant time, Data data) {
        if (!OPERATIONS.contains(operation)) {
            throw new IllegalArgumentException("Unknown operation " + operation);
        }
        return new CudEvent(SPEC_VERSION, id, source, TYPE_PREFIX + operation, time, key(data.table(), data.id()),
                CONTENT_TYPE, data);
    }

    /** {@code insert}, {@code update}, {@code delete} or {@code undelete}. */
    public String operation() {
        return type.substring(TYPE_PREFIX.length());
    }

    /** The Kafka key: {@code table/id}. */
    public String key() {
        return key(data.table(), data.id());
    }

    /** Whether the record is deleted after the change. */
    public boolean deleted() {
        return data.item().path(Items.DELETED).asBoolean(false);
    }

    /** The record's user columns after the change (the item without its system properties). */
    public ObjectNode userColumns() {
        return Items.userColumns(data.item());
    }

    /** When the edge stamped the change. */
    public Instant updatedAt() {
        return Items.instant(data.item(), Items.UPDATED_AT).orElse(time);
    }

    /** When the change was made: as its device said, or else when its edge stamped it. */
    public Instant changeMadeAt() {
        return data.clientUpdatedAt().orElseGet(this::updatedAt);
    }

    /** When the record was created, as its item says. */
    public Instant createdAt() {
        return Items.instant(data.item(), Items.CREATED_AT).orElse(time);
    }

    /** The Kafka key of a record: {@code table/id}. */
    public static String key(String table, String id) {
        return table + "/" + id;
    }
}
