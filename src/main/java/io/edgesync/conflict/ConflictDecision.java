package io.edgesync.conflict;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** What a conflict policy decided. */
public sealed interface ConflictDecision {

    /** The name logged with the conflict. */
    String label();

    /** The server's record stays; the device gets the server's copy. */
    record KeepServer() implements ConflictDecision {
        @Override
        public String label() {
            return "server-wins";
        }
    }

    /** The device's change is applied over the server's record. */
    record ApplyClient() implements ConflictDecision {
        @Override
        public String label() {
            return "client-wins";
        }
    }

    /** These columns (a merge of both sides) become the record. */
    record ApplyMerged(ObjectNode data) implements ConflictDecision {
        @Override
        public String label() {
            return "merged";
        }
    }

    ConflictDecision KEEP_SERVER = new KeepServer();
    ConflictDecision APPLY_CLIENT = new ApplyClient();
}
