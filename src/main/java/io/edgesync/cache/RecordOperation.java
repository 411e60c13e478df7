package io.edgesync.cache;

import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A create/update/delete a device asks for, in protocol-neutral form. */
public sealed interface RecordOperation {

    /** The record id the operation targets. */
    String id();

    /** Who sent it and on what it was based. */
    OperationContext context();

    /** {@code insert}, {@code update}, {@code delete} or {@code undelete}. */
    String kind();

    /** Columns the operation adds to the table (new names, or unknown types now known). */
    default Map<String, ColumnType> newColumns() {
        return Map.of();
    }

    /** Insert a new record; a conflict if the id exists (or exists as a tombstone on a soft-delete table). */
    record Insert(String id, ObjectNode data, Map<String, ColumnType> newColumns, OperationContext context)
            implements
                RecordOperation {
        @Override
        public String kind() {
            return "insert";
        }
    }

    /**
     * Update a live record: merge the given columns into it (v2 PATCH) or replace its columns (v3 PUT, native).
     *
     * @param allowDeleted also update a soft-deleted record, leaving it deleted (v3 {@code __includedeleted=true})
     */
    record Update(String id, ObjectNode data, boolean merge, Precondition precondition, boolean allowDeleted,
            Map<String, ColumnType> newColumns, OperationContext context) implements RecordOperation {
        @Override
        public String kind() {
            return "update";
        }
    }

    /** Delete a live record (a tombstone is kept). */
    record Delete(String id, Precondition precondition, OperationContext context) implements RecordOperation {
        @Override
        public String kind() {
            return "delete";
        }
    }

    /** Bring back a soft-deleted record. */
    record Undelete(String id, Precondition precondition, OperationContext context) implements RecordOperation {
        @Override
        public String kind() {
            return "undelete";
        }
    }
}
