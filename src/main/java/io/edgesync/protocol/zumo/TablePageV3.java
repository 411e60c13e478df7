package io.edgesync.protocol.zumo;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Documentation only: the Datasync (v3) answer to a query, as {@link TableResource} writes it.
 *
 * @param items the page's records
 * @param count how many records match, with {@code $count=true}; null otherwise
 * @param nextLink where the next page is; null on the last page
 */
@Schema(name = "TablePageV3", description = "A v3 query answer: one page, its count and the link to the next page")
public record TablePageV3(
        @Schema(description = "The page's records", required = true) List<TableRecord> items,
        @Schema(description = "How many records match the filter and the deleted-records option, with $count=true;"
                + " null without it", required = true, nullable = true) Long count,
        @Schema(description = "The next page: its query string without the leading '?' (to append to the table's URL),"
                + " or its absolute URL with edgesync.protocol.v3.next-link=absolute; null on the last page", required = true, nullable = true) String nextLink) {
}
