package io.edgesync.common;

import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.edgesync.odata.ODataException;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorTableTest {

    @Test
    void everyKindOfFailureHasItsStatus() {
        // The statuses the protocols document (docs/protocol.md, the OpenAPI document)
        Map<DomainException.Kind, Integer> expected = Map.of(DomainException.Kind.INVALID, 400,
                DomainException.Kind.UNAUTHENTICATED, 401, DomainException.Kind.FORBIDDEN, 403,
                DomainException.Kind.NOT_FOUND, 404, DomainException.Kind.CONFLICT, 409,
                DomainException.Kind.EXPIRED, 410, DomainException.Kind.TOO_LARGE, 413,
                DomainException.Kind.TOO_MANY, 429, DomainException.Kind.UNAVAILABLE, 503);

        assertThat(Arrays.stream(DomainException.Kind.values()))
                .allSatisfy(kind -> assertThat(ErrorTable.status(kind)).as(kind.name()).isEqualTo(expected.get(kind)));
    }

    @Test
    void anInvalidODataQueryIsTheCallersMistakeAndAnythingElseIsNot() {
        // Given a failure of the OData library, which knows nothing of the project, and a server-side one
        ODataException invalidQuery = new ODataException("expected a value after 'eq'");
        DomainException query = ErrorTable.callerFailure(invalidQuery).orElseThrow();

        // Then the first is an invalid request with its message, the second not a caller's failure
        assertThat(query.kind()).isEqualTo(DomainException.Kind.INVALID);
        assertThat(query.getMessage()).isEqualTo(invalidQuery.getMessage());
        assertThat(ErrorTable.callerFailure(new IllegalStateException("a bug"))).isEmpty();
        DomainException conflict = DomainException.conflict("parked before");
        assertThat(ErrorTable.callerFailure(conflict)).containsSame(conflict);
    }
}
