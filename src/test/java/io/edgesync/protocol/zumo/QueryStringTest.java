package io.edgesync.protocol.zumo;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueryStringTest {

    @Test
    void decodesPercentEncodingAsUtf8AndKeepsPlusSigns() {
        QueryString query = QueryString.parse(
                "$filter=(updatedAt%20ge%20datetimeoffset'2017-11-07T01%3A59%3A38.1790000%2B00%3A00')&x=a+b&e=%C3%A9",
                null);

        assertThat(query.first("$filter")).contains("(updatedAt ge datetimeoffset'2017-11-07T01:59:38.1790000+00:00')");
        assertThat(query.first("x")).contains("a+b");
        assertThat(query.first("e")).contains("é");
    }

    @Test
    void findsNamesIgnoringCaseOnlyWhenAsked() {
        QueryString query = QueryString.parse("__includeDeleted=true&ZUMO-API-VERSION=2.0.0", null);

        assertThat(query.first("__includedeleted")).isEmpty();
        assertThat(query.firstIgnoringCase("__includedeleted")).contains("true");
        assertThat(query.firstIgnoringCase("zumo-api-version")).contains("2.0.0");
    }

    @Test
    void rebuildsWithReplacedParametersAndTheRestAsSent() {
        QueryString query = QueryString.parse("$filter=a%20eq%201&$top=100&__includeDeleted=true", null);
        Map<String, String> paging = new LinkedHashMap<>();
        paging.put("$skip", "50");
        paging.put("$top", "50");

        assertThat(query.with(paging)).isEqualTo("$filter=a%20eq%201&$top=50&__includeDeleted=true&$skip=50");
    }

    @ParameterizedTest
    @ValueSource(strings = {"$filter=%zz", "$filter=%2", "$filter=%", "$filter=%C3%28", "$filter=%FF"})
    void malformedEncodingOrInvalidUtf8IsA400(String raw) {
        assertThatThrownBy(() -> QueryString.parse(raw, ProtocolVersion.V2))
                .isInstanceOfSatisfying(TableProtocolException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
}
