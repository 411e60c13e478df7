package io.edgesync.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.edgesync.deployment.ConfigKeys.ConfigKey;

/**
 * Generates the table of {@code edgesync.*} settings in docs/configuration.md: the keys, defaults and types come from
 * reflection over {@code EdgeSyncConfig} ({@link ConfigKeys}), the descriptions from the Javadoc in its source file.
 */
final class ConfigurationReference {

    static final Path DOCUMENT = Manifests.REPOSITORY.resolve("docs/configuration.md");
    static final Path SOURCE = Manifests.REPOSITORY.resolve("src/main/java/io/edgesync/config/EdgeSyncConfig.java");
    static final String BEGIN = "<!-- BEGIN GENERATED edgesync-settings: from EdgeSyncConfig by ConfigurationReferenceTest;"
            + " do not edit by hand -->";
    static final String END = "<!-- END GENERATED edgesync-settings -->";

    private static final Pattern TYPE_DECLARATION = Pattern.compile("\\b(?:interface|enum|class|record)\\s+(\\w+)");
    private static final Pattern METHOD_DECLARATION = Pattern.compile("(\\w+)\\s*\\(\\s*\\)\\s*$");

    private ConfigurationReference() {
    }

    /** The generated block, markers included. */
    static String generate(List<ConfigKey> keys, Map<String, String> javadoc) {
        StringBuilder table = new StringBuilder();
        table.append(BEGIN).append('\n');
        table.append("| key | environment variable | type | default | description |\n");
        table.append("|---|---|---|---|---|\n");
        for (ConfigKey key : keys) {
            String description = javadoc.get(javadocKey(key));
            if (description == null || description.isBlank()) {
                throw new IllegalStateException("No Javadoc for " + key.name() + " (" + javadocKey(key)
                        + "): every setting needs one");
            }
            table.append("| `")
                    .append(key.name())
                    .append("` | `")
                    .append(environmentVariable(key.name()))
                    .append("` | ")
                    .append(escape(key.type()))
                    .append(" | ")
                    .append(key.defaultValue().map(v -> v.isEmpty() ? "(empty)" : "`" + escape(v) + "`").orElse("-"))
                    .append(" | ")
                    .append(description)
                    .append(" |\n");
        }
        table.append(END);
        return table.toString();
    }

    /** The generated block as the document has it now, markers included. */
    static String current(String document) {
        int begin = document.indexOf(BEGIN);
        int end = document.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException(DOCUMENT + " has no generated block between " + BEGIN + " and " + END);
        }
        return document.substring(begin, end + END.length());
    }

    static String replace(String document, String block) {
        return document.replace(current(document), block);
    }

    /**
     * The Javadoc of every method of the configuration interface and its nested interfaces, by
     * {@code Outer.Inner#method}, read from the source file with a small scanner (comments, strings and braces).
     */
    static Map<String, String> javadoc(Path source) {
        String text;
        try {
            text = Files.readString(source, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> docs = new HashMap<>();
        Deque<String> types = new ArrayDeque<>();
        StringBuilder statement = new StringBuilder();
        String lastDoc = null;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (text.startsWith("/**", i) && !text.startsWith("/**/", i)) {
                int end = text.indexOf("*/", i + 3);
                lastDoc = clean(text.substring(i + 3, end));
                i = end + 2;
            } else if (text.startsWith("/*", i)) {
                i = text.indexOf("*/", i + 2) + 2;
            } else if (text.startsWith("//", i)) {
                int end = text.indexOf('\n', i);
                i = end < 0 ? text.length() : end;
            } else if (c == '"' || c == '\'') {
                int end = i + 1;
                while (text.charAt(end) != c) {
                    end += text.charAt(end) == '\\' ? 2 : 1;
                }
                statement.append(text, i, end + 1);
                i = end + 1;
            } else if (c == '{') {
                Matcher type = TYPE_DECLARATION.matcher(statement);
                types.push(type.find() ? type.group(1) : "");
                statement.setLength(0);
                lastDoc = null;
                i++;
            } else if (c == '}') {
                if (!types.isEmpty()) {
                    types.pop();
                }
                statement.setLength(0);
                i++;
            } else if (c == ';') {
                Matcher method = METHOD_DECLARATION.matcher(statement.toString().trim());
                if (method.find() && lastDoc != null) {
                    docs.put(typePath(types) + "#" + method.group(1), lastDoc);
                }
                statement.setLength(0);
                lastDoc = null;
                i++;
            } else {
                statement.append(c);
                i++;
            }
        }
        return docs;
    }

    static String javadocKey(ConfigKey key) {
        Class<?> declaring = key.method().getDeclaringClass();
        String name = declaring.getCanonicalName().substring(declaring.getPackageName().length() + 1);
        return name + "#" + key.method().getName();
    }

    /**
     * {@code edgesync.tables.declared.<name>.soft-delete} becomes {@code EDGESYNC_TABLES_DECLARED_<NAME>_SOFT_DELETE}.
     */
    static String environmentVariable(String key) {
        return List.of(key.split(Pattern.quote(ConfigKeys.MAP_KEY), -1))
                .stream()
                .map(ConfigKeys::toEnvironmentVariable)
                .collect(Collectors.joining("<NAME>"));
    }

    private static String typePath(Deque<String> types) {
        List<String> names = types.stream().filter(t -> !t.isEmpty()).collect(Collectors.toList());
        java.util.Collections.reverse(names);
        return String.join(".", names);
    }

    /** Javadoc text as one Markdown table cell: inline tags become code spans, no line breaks, pipes escaped. */
    static String clean(String javadoc) {
        String text = javadoc.lines()
                .map(String::trim)
                .map(line -> line.startsWith("*") ? line.substring(1).trim() : line)
                .filter(line -> !line.startsWith("@"))
                .collect(Collectors.joining(" "));
        text = text.replaceAll("\\{@(?:code|link|literal)\\s+([^{}]*(?:\\{[^{}]*}[^{}]*)*)}", "`$1`");
        text = text.replaceAll("</?p>", " ").replaceAll("\\s+", " ").trim();
        return escape(text);
    }

    private static String escape(String text) {
        return text.replace("|", "\\|");
    }
}
