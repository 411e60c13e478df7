package io.edgesync.notify;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.edgesync.common.DomainException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class FollowedTablesTest {

    @Test
    void absentParameterFollowsEveryTable() {
        // When no tables parameter is given
        FollowedTables followed = FollowedTables.parse(List.of());

        // Then every table is followed, none of them named
        assertThat(followed.allTables()).isTrue();
        assertThat(followed.tables()).isEmpty();
        assertThat(followed.includes("anything")).isTrue();
        // And the same when the parameters are null
        assertThat(FollowedTables.parse(null).allTables()).isTrue();
    }

    @Test
    void namedTablesMatchCaseInsensitively() {
        // When two tables are named in mixed case
        FollowedTables followed = FollowedTables.parse(List.of("TodoItem,orders"));

        // Then only those are followed, named in lower case and sorted, and they match in any case
        assertThat(followed.allTables()).isFalse();
        assertThat(followed.tables()).containsExactly("orders", "todoitem");
        assertThat(followed.includes("todoitem")).isTrue();
        assertThat(followed.includes("TODOITEM")).isTrue();
        assertThat(followed.includes("Orders")).isTrue();
        assertThat(followed.includes("other")).isFalse();
    }

    @Test
    void repeatedParametersAndSpacesAroundNamesAreAccepted() {
        // When names come in several parameters, with spaces around them and one repeated in another case
        FollowedTables followed = FollowedTables.parse(List.of(" a , b", "c", "A"));

        // Then each table is followed once, trimmed and in lower case
        assertThat(followed.tables()).containsExactly("a", "b", "c");
    }

    @ParameterizedTest(name = "tables=\"{0}\"")
    @ValueSource(strings = {"", " ", ",", "a,,b", "a,", "1abc", "no way", "a;b", "ta/ble", "x%41"})
    void missingOrInvalidNamesAreABadRequest(String parameter) {
        // When the parameter is empty, has an empty name or a name that is not valid, then it is a bad request
        DomainException failure = catchThrowableOfType(DomainException.class,
                () -> FollowedTables.parse(List.of(parameter)));

        assertThat(failure.kind()).isEqualTo(DomainException.Kind.INVALID);
    }

    @Test
    void overlongNameIsABadRequest() {
        // When a table name is longer than allowed, then it is a bad request
        DomainException failure = catchThrowableOfType(DomainException.class,
                () -> FollowedTables.parse(List.of("t" + "x".repeat(128))));

        assertThat(failure.kind()).isEqualTo(DomainException.Kind.INVALID);
    }

    @Test
    void tooManyTablesAreABadRequest() {
        // Given one name more than the most tables that may be followed
        List<String> names = new ArrayList<>();
        for (int i = 0; i <= FollowedTables.MAX_TABLES; i++) {
            names.add("t" + i);
        }

        // When they are all named in one parameter
        DomainException failure = catchThrowableOfType(DomainException.class,
                () -> FollowedTables.parse(List.of(String.join(",", names))));

        // Then it is a bad request
        assertThat(failure.kind()).isEqualTo(DomainException.Kind.INVALID);
        // And as many as the most that may be followed are accepted
        assertThat(FollowedTables.parse(names.subList(0, FollowedTables.MAX_TABLES)).tables())
                .hasSize(FollowedTables.MAX_TABLES);
    }
}
