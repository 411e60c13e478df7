package io.edgesync.admin;

import java.util.List;
import java.util.function.Function;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One page of an admin listing.
 *
 * @param items the entries of this page
 * @param hasMore whether more entries follow
 * @param next the cursor of the next page (pass it back as the listing's {@code after} or {@code before} parameter), or
 *     null on the last page
 */
@Schema(description = "One page of an admin listing")
public record AdminPage<T>(List<T> items, boolean hasMore, String next) {

    /**
     * A page from up to {@code limit + 1} fetched rows: the extra row only says that more follow.
     */
    static <T> AdminPage<T> of(List<T> fetched, int limit, Function<T, String> cursor) {
        if (fetched.size() <= limit) {
            return new AdminPage<>(List.copyOf(fetched), false, null);
        }
        List<T> items = List.copyOf(fetched.subList(0, limit));
        return new AdminPage<>(items, true, cursor.apply(items.get(limit - 1)));
    }
}
