package io.edgesync.protocol.zumo;

import org.junit.jupiter.api.Test;

import io.edgesync.odata.ODataException;
import io.edgesync.odata.ODataLimits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParsedFiltersTest {

    private final ParsedFilters filters = new ParsedFilters(ODataLimits.defaults());

    @Test
    void aRepeatedFilterIsParsedOnceWithItsQueryId() {
        // When the same pull filter is parsed twice
        String text = "(updatedAt ge datetimeoffset'2026-12-07T10:00:00.123Z') and (owner eq 'ann')";
        ParsedFilters.Parsed first = filters.parse(text);
        ParsedFilters.Parsed second = filters.parse(text);

        // Then the second answer is the first one, with the query id of the filter without its watermark
        assertThat(second).isSameAs(first);
        assertThat(first.queryId()).isEqualTo(PullQueries.queryId(text)).doesNotContain("2026");
    }

    @Test
    void anInvalidFilterIsNotKeptAndTheCacheStaysBounded() {
        // When an invalid filter is parsed, then it fails as the parser does, and is not kept
        assertThatThrownBy(() -> filters.parse("(updatedAt ge")).isInstanceOf(ODataException.class);
        assertThat(filters.size()).isZero();

        // When more distinct filters are parsed than it keeps, then it never holds more than its bound
        for (int i = 0; i < 2_000; i++) {
            filters.parse("priority eq " + i);
            assertThat(filters.size()).isLessThanOrEqualTo(512);
        }
    }
}
