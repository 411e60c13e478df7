package io.edgesync.odata;

import java.util.Objects;

/**
 * One item of {@code $orderby}.
 *
 * @param member the member name as the client wrote it (resolved case-insensitively by the translator)
 * @param descending whether {@code desc} was given
 */
public record OrderBy(String member, boolean descending) {

    public OrderBy {
        Objects.requireNonNull(member, "member");
    }
}
