package io.edgesync.testsupport;

import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a client holds of a row after pulling it: the version, whether it is a tombstone, its {@code updatedAt}.
 *
 * @param updatedAt as the gateway wrote it (empty for a native pull, which clients page by token)
 */
public record PulledRow(String version, boolean deleted, String updatedAt) {

    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

    /** A row of a table-protocol page, checked as the JS client checks it. */
    public static PulledRow of(JsonNode item) {
        JsonNode deleted = item.path("deleted");
        if (!deleted.isBoolean()) {
            // JSC aborts the pull: "'deleted' system property is missing"
            throw new AssertionError("pulled row without boolean deleted: " + item);
        }
        String updatedAt = item.path("updatedAt").asText();
        if (!DATE.matcher(updatedAt).matches()) {
            throw new AssertionError("pulled row with an updatedAt clients cannot parse: " + item);
        }
        return new PulledRow(item.path("version").asText(), deleted.asBoolean(), updatedAt);
    }

    /** Same version and deleted flag. */
    public boolean sameAs(PulledRow other) {
        return version.equals(other.version) && deleted == other.deleted;
    }
}
