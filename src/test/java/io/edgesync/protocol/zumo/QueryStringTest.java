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
        // When a query string with percent-encoded UTF-8 and a plus sign is parsed
        QueryString query = QueryString.parse(
                "$filter=(updatedAt%20ge%20datetimeoffset'2017-11-07T01%3A59%3A38.1790000%2B00%3A00')&x=a+b&e=%C3%A9",
                null);

        // Then the values are decoded, the plus sign kept as it is
        assertThat(query.first("$filter")).contains("(updatedAt ge datetimeoffset'2017-11-07T01:59:38.1790000+00:00')");
        assertThat(query.first("x")).contains("a+b");
        assertThat(query.first("e")).contains("é");
    }

    @Test
    void takesUnescapedCharactersOutsideAsciiAsTheyCame() {
        // When a query string holds characters outside ASCII that no client encoder left unescaped, next to escapes
        QueryString query = QueryString.parse("name=caf\u00e9%20%C3%A9t\u00e9&emoji=%F0%9F%98%80\uD83D\uDE00", null);

        // Then they are kept, and the escapes around them decoded as UTF-8
        assertThat(query.first("name")).contains("caf\u00e9 \u00e9t\u00e9");
        assertThat(query.first("emoji")).contains("\uD83D\uDE00\uD83D\uDE00");
    }

    @Test
    void findsNamesIgnoringCaseOnlyWhenAsked() {
        // When a query string is parsed
        QueryString query = QueryString.parse("__includeDeleted=true&ZUMO-API-VERSION=2.0.0", null);

        // Then a name in another case is not found by default
        assertThat(query.first("__includedeleted")).isEmpty();
        // And it is found when case is ignored
        assertThat(query.firstIgnoringCase("__includedeleted")).contains("true");
        assertThat(query.firstIgnoringCase("zumo-api-version")).contains("2.0.0");
    }

    @Test
    void rebuildsWithReplacedParametersAndTheRestAsSent() {
        // Given a query string with a filter, a top and __includeDeleted
        QueryString query = QueryString.parse("$filter=a%20eq%201&$top=100&__includeDeleted=true", null);
        // And paging parameters $skip and $top
        Map<String, String> paging = new LinkedHashMap<>();
        paging.put("$skip", "50");
        paging.put("$top", "50");

        // When it is rebuilt with them, then $top is replaced in place, the rest kept as sent and $skip added last
        assertThat(query.with(paging)).isEqualTo("$filter=a%20eq%201&$top=50&__includeDeleted=true&$skip=50");
    }

    @ParameterizedTest
    @ValueSource(strings = {"$filter=%zz", "$filter=%2", "$filter=%", "$filter=%C3%28", "$filter=%FF"})
    void malformedEncodingOrInvalidUtf8IsA400(String raw) {
        // When a query string with a malformed percent encoding or invalid UTF-8 is parsed, then it is a 400
        assertThatThrownBy(() -> QueryString.parse(raw, ProtocolVersion.V2))
                .isInstanceOfSatisfying(TableProtocolException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
}
