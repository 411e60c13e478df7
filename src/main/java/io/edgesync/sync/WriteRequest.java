package io.edgesync.sync;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.Precondition;

/**
 * One create/update/delete as a client sent it, in protocol-neutral form and before validation: the
 * {@link WriteService} validates the item, checks access, applies it and records it.
 *
 * @param table the table as the client named it
 * @param kind {@code insert}, {@code update}, {@code delete} or {@code undelete} as the client spelled it (anything
 *     else is refused)
 * @param id the id the request names apart from the item (a URL, a native operation), if any
 * @param item the item as sent (insert and update)
 * @param precondition what the record must satisfy for the change to apply without a conflict (If-Match, a base
 *     version, ...)
 * @param baseVersion the version the client based its change on, if it said (three-way merges, the CUD event)
 * @param clientUpdatedAt when the client made the change, if it said (last-writer-wins)
 * @param operationId the client's id of the operation (native); a new one is made when absent
 * @param merge an update merges the item's columns into the record (v2 PATCH) instead of replacing them
 * @param allowDeleted an update may change a soft-deleted record, which stays deleted (v3 with
 *     {@code __includedeleted})
 * @param deletedIsConflict an update of a record the server deleted is a conflict for the table's policy (native)
 *     rather than "deleted"
 */
public record WriteRequest(String table, String kind, Optional<String> id, Optional<ObjectNode> item,
        Precondition precondition, Optional<String> baseVersion, Optional<Instant> clientUpdatedAt,
        Optional<String> operationId, boolean merge, boolean allowDeleted, boolean deletedIsConflict) {

    public static final String INSERT = "insert";
    public static final String UPDATE = "update";
    public static final String DELETE = "delete";
    public static final String UNDELETE = "undelete";
    /** Every kind, lower case. */
    public static final Set<String> KINDS = Set.of(INSERT, UPDATE, DELETE, UNDELETE);
}
