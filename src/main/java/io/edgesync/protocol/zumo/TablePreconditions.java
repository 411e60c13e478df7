package io.edgesync.protocol.zumo;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import jakarta.ws.rs.core.HttpHeaders;

import io.edgesync.cache.Precondition;
import io.edgesync.cache.StoredRecord;

/**
 * The table protocol's conditional requests (docs/protocol.md 5): what a write requires of the record and the status
 * its failure answers with, the version a change is based on, and the conditions of a read.
 */
final class TablePreconditions {

    private TablePreconditions() {
    }

    /** The precondition of a write and the status its failure answers with. */
    record Conditions(Precondition precondition, int failureStatus) {
    }

    /** The version the client based its change on: If-Match (a single strong value), or the body's version. */
    static Optional<String> baseVersion(TableRequest request, Optional<String> bodyVersion) {
        return request.header(HttpHeaders.IF_MATCH)
                .flatMap(EntityTags::singleStrongValue)
                .or(() -> bodyVersion);
    }

    /** What a write requires: If-Match, v2's version in the body, v3's If-None-Match and If-Unmodified-Since. */
    static Conditions ofWrite(TableRequest request, Optional<String> bodyVersion) {
        Optional<String> ifMatch = request.header(HttpHeaders.IF_MATCH);
        if (request.isV2()) {
            if (ifMatch.isPresent()) {
                return new Conditions(ifMatchCondition(ifMatch.get()), 412);
            }
            if (bodyVersion.isPresent()) {
                // A version in the body without If-Match is a conditional write that answers 409 (Q20).
                return new Conditions(Precondition.versionIs(bodyVersion.get()), 409);
            }
            return new Conditions(Precondition.NONE, 412);
        }
        Optional<String> ifNoneMatch = request.header(HttpHeaders.IF_NONE_MATCH);
        Optional<Instant> unmodifiedSince = request.dateHeader("If-Unmodified-Since");
        if (ifNoneMatch.isEmpty() && unmodifiedSince.isEmpty()) {
            return new Conditions(ifMatch.map(TablePreconditions::ifMatchCondition).orElse(Precondition.NONE), 412);
        }
        Precondition precondition = current -> ifMatch.map(h -> EntityTags.ifMatch(h, current.version()))
                .orElse(true)
                && ifNoneMatch.map(h -> !EntityTags.ifNoneMatch(h, current.version())).orElse(true)
                && unmodifiedSince.map(t -> !current.updatedAt().truncatedTo(ChronoUnit.SECONDS).isAfter(t))
                        .orElse(true);
        return new Conditions(precondition, 412);
    }

    /** A v3 read the client already holds: If-None-Match matches, or no change after If-Modified-Since (304). */
    static boolean notModified(TableRequest request, StoredRecord record) {
        Optional<String> ifNoneMatch = request.header(HttpHeaders.IF_NONE_MATCH);
        return ifNoneMatch.isPresent()
                ? EntityTags.ifNoneMatch(ifNoneMatch.get(), record.version())
                : request.dateHeader(HttpHeaders.IF_MODIFIED_SINCE)
                        .map(since -> !record.updatedAt().truncatedTo(ChronoUnit.SECONDS).isAfter(since))
                        .orElse(false);
    }

    /** A v3 read whose If-Match the record does not match (412 with the record). */
    static boolean ifMatchFails(TableRequest request, StoredRecord record) {
        Optional<String> ifMatch = request.header(HttpHeaders.IF_MATCH);
        return ifMatch.isPresent() && !EntityTags.ifMatch(ifMatch.get(), record.version());
    }

    /** If-Match: a single strong ETag is a plain version check (which a single write makes in its statement). */
    private static Precondition ifMatchCondition(String ifMatch) {
        return EntityTags.singleStrongValue(ifMatch)
                .map(Precondition::versionIs)
                .orElse(current -> EntityTags.ifMatch(ifMatch, current.version()));
    }
}
