package io.edgesync.protocol.zumo;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Documentation only: the error body of the Azure Mobile Apps (v2) protocol, as
 * {@link TableResource#mapTableProtocolException} writes it. Datasync (v3) errors are problem documents.
 *
 * @param error what went wrong, safe to show to the user
 */
@Schema(name = "TableError", description = "A v2 error (application/json), also when the request's protocol"
        + " version is invalid; v3 errors, and refusals before the request reaches the table protocol, are problem"
        + " documents that carry the same error member")
public record TableError(@Schema(description = "What went wrong", required = true) String error) {
}
