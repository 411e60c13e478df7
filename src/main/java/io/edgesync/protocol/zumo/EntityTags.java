package io.edgesync.protocol.zumo;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Entity tags of the table protocol: the strong tag {@code "<version>"} (docs/protocol.md 5). In {@code If-Match},
 * {@code *} matches any existing record, weak or unparseable tags never match, and a list matches if any tag does.
 */
public final class EntityTags {

    private EntityTags() {
    }

    /** The ETag header value of a version. */
    public static String etagOf(String version) {
        return "\"" + version.replace("\"", "\\\"") + "\"";
    }

    /** Whether an {@code If-Match} header value matches the record's version (strong comparison). */
    public static boolean ifMatch(String header, String version) {
        for (String tag : split(header)) {
            if (tag.equals("*")) {
                return true;
            }
            Optional<String> opaque = strongValue(tag);
            if (opaque.isPresent() && opaque.get().equals(version)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an {@code If-None-Match} header value matches the version (weak comparison, as RFC 9110 says). */
    public static boolean ifNoneMatch(String header, String version) {
        for (String tag : split(header)) {
            if (tag.equals("*")) {
                return true;
            }
            String candidate = tag.startsWith("W/") ? tag.substring(2) : tag;
            Optional<String> opaque = strongValue(candidate);
            if (opaque.isPresent() && opaque.get().equals(version)) {
                return true;
            }
        }
        return false;
    }

    /** The version named by a header holding exactly one strong tag (the base version of a conditional write). */
    public static Optional<String> singleStrongValue(String header) {
        List<String> tags = split(header);
        return tags.size() == 1 ? strongValue(tags.get(0)) : Optional.empty();
    }

    private static Optional<String> strongValue(String tag) {
        if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
            return Optional.of(tag.substring(1, tag.length() - 1).replace("\\\"", "\""));
        }
        return Optional.empty();
    }

    private static List<String> split(String header) {
        List<String> tags = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            if (c == '"' && (i == 0 || header.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                tags.add(current.toString().trim());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        tags.add(current.toString().trim());
        tags.removeIf(String::isEmpty);
        return tags;
    }
}
