package io.edgesync.protocol.zumo;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Documentation only: the Azure Mobile Apps (v2) answer to a query with {@code $inlinecount=allpages}, as
 * {@link TableResource} writes it. Without that option a v2 query answers the bare array of records.
 *
 * @param results the page's records
 * @param count how many records match the filter
 */
@Schema(name = "TablePageV2", description = "A v2 query answer with $inlinecount=allpages (without it, v2 answers the"
        + " bare array of records). The next page, when the page size cut the result, is in the Link header:"
        + " <absolute URL>; rel=next.")
public record TablePageV2(
        @Schema(description = "The page's records", required = true) List<TableRecord> results,
        @Schema(description = "How many records match the filter and the deleted-records option, whatever $skip and"
                + " $top say", required = true) long count) {
}
