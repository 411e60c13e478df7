package io.edgesync.protocol.zumo;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.edgesync.cache.ProtocolDates;
import io.edgesync.cache.TableInfo;
import io.edgesync.odata.OrderBy;

/**
 * Next links of Datasync pulls ({@code $orderby=updatedAt}) as keyset continuations: the next page is "updatedAt after
 * the last row's", which stays exact while rows are updated during the pull because stamps are unique per table (ADR
 * 0003). A {@code $skip} continuation would shift when a row already delivered moves to the end.
 */
final class KeysetNextLink {

    /** The condition this class appends; recognised again so that pages do not nest conditions. */
    private static final Pattern OURS = Pattern.compile(
            "^\\((.*)\\) and \\(updatedAt gt cast\\([0-9T:.\\-]+Z,Edm\\.DateTimeOffset\\)\\)$|"
                    + "^\\(updatedAt gt cast\\([0-9T:.\\-]+Z,Edm\\.DateTimeOffset\\)\\)$");

    private KeysetNextLink() {
    }

    /** Keyset continuation works for an order by {@code updatedAt} ascending alone (id is the implicit tie-breaker). */
    static boolean applies(List<OrderBy> orderBy) {
        return orderBy.size() == 1 && !orderBy.get(0).descending()
                && orderBy.get(0).member().equalsIgnoreCase(TableInfo.UPDATED_AT);
    }

    /** The percent-encoded {@code $filter} of the next page: the client's filter and "after {@code last}". */
    static String filterAfter(Optional<String> clientFilter, Instant last) {
        String after = "(updatedAt gt cast(" + ProtocolDates.format(last) + ",Edm.DateTimeOffset))";
        Optional<String> base = clientFilter.map(String::trim).filter(f -> !f.isEmpty()).flatMap(KeysetNextLink::strip);
        String filter = base.map(f -> "(" + f + ") and " + after).orElse(after);
        return encode(filter);
    }

    /** The client's own filter without a continuation condition we appended; empty when nothing else remains. */
    private static Optional<String> strip(String filter) {
        Matcher matcher = OURS.matcher(filter);
        if (!matcher.matches()) {
            return Optional.of(filter);
        }
        return Optional.ofNullable(matcher.group(1));
    }

    private static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }
}
