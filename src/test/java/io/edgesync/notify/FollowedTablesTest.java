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
        FollowedTables followed = FollowedTables.parse(List.of());

        assertThat(followed.allTables()).isTrue();
        assertThat(followed.tables()).isEmpty();
        assertThat(followed.includes("anything")).isTrue();
        assertThat(FollowedTables.parse(null).allTables()).isTrue();
    }

    @Test
    void namedTablesMatchCaseInsensitively() {
        FollowedTables followed = FollowedTables.parse(List.of("TodoItem,orders"));

        assertThat(followed.allTables()).isFalse();
        assertThat(followed.tables()).containsExactly("orders", "todoitem");
        assertThat(followed.includes("todoitem")).isTrue();
        assertThat(followed.includes("TODOITEM")).isTrue();
        assertThat(followed.includes("Orders")).isTrue();
        assertThat(followed.includes("other")).isFalse();
    }

    @Test
    void repeatedParametersAndSpacesAroundNamesAreAccepted() {
        FollowedTables followed = FollowedTables.parse(List.of(" a , b", "c", "A"));

        assertThat(followed.tables()).containsExactly("a", "b", "c");
    }

    @ParameterizedTest(name = "tables=\"{0}\"")
    @ValueSource(strings = {"", " ", ",", "a,,b", "a,", "1abc", "no way", "a;b", "ta/ble", "x%41"})
    void missingOrInvalidNamesAreABadRequest(String parameter) {
        DomainException failure = catchThrowableOfType(DomainException.class,
                () -> FollowedTables.parse(List.of(parameter)));

        assertThat(failure.kind()).isEqualTo(DomainException.Kind.INVALID);
    }

    @Test
    void overlongNameIsABadRequest() {
        DomainException failure = catchThrowableOfType(DomainException.class,
                () -> FollowedTables.parse(List.of("t" + "x".repeat(128))));

        assertThat(failure.kind()).isEqualTo(DomainException.Kind.INVALID);
    }

    @Test
    void tooManyTablesAreABadRequest() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i <= FollowedTables.MAX_TABLES; i++) {
            names.add("t" + i);
        }

        DomainException failure = catchThrowableOfType(DomainException.class,
                () -> FollowedTables.parse(List.of(String.join(",", names))));

        assertThat(failure.kind()).isEqualTo(DomainException.Kind.INVALID);
        assertThat(FollowedTables.parse(names.subList(0, FollowedTables.MAX_TABLES)).tables())
                .hasSize(FollowedTables.MAX_TABLES);
    }
}
