package io.edgesync.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every table of the database has one owner, the class whose SQL writes it (ADR 0004): a statement that inserts into,
 * updates or deletes from a table anywhere else fails the build, naming file and line.
 */
class TableOwnersTest {

    private static final Path SOURCES = Path.of("src/main/java/io/edgesync");
    private static final Path MIGRATIONS = Path.of("src/main/resources/db/migration");

    /** Each table and the source file that owns it, as ADR 0004 lists them. */
    private static final Map<String, String> OWNERS = new TreeMap<>(Map.ofEntries(
            Map.entry("sync_table", "cache/TableCatalog.java"),
            Map.entry("sync_record", "cache/RecordStore.java"),
            Map.entry("record_version", "cache/RecordVersions.java"),
            Map.entry("device", "device/DeviceQueue.java"),
            Map.entry("device_operation", "device/DeviceQueue.java"),
            Map.entry("device_replica", "device/DeviceQueue.java"),
            Map.entry("outbox_event", "events/EdgeOutbox.java"),
            Map.entry("sync_conflict", "conflict/ConflictLog.java"),
            Map.entry("central_record", "central/CentralStore.java"),
            Map.entry("central_event", "central/CentralStore.java"),
            Map.entry("central_table", "central/CentralStore.java"),
            Map.entry("central_outbox", "central/CentralStore.java"),
            Map.entry("auth_signing_key", "security/signin/SessionKeys.java"),
            Map.entry("auth_session", "security/signin/SignInSessions.java"),
            Map.entry("edge_scope", "scope/ScopeStore.java"),
            Map.entry("edge_user", "scope/EdgeUsers.java")));

    private static final Pattern WRITE = Pattern.compile("\\b(?:INSERT\\s+INTO|DELETE\\s+FROM|UPDATE)\\s+([a-z_]+)\\b");
    private static final Pattern CREATE_TABLE = Pattern
            .compile("(?i)\\bCREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?([a-z_]+)");

    @Test
    void everyTableIsWrittenOnlyByItsOwner() {
        // Given every statement of the application that writes a table
        List<String> strangers = new ArrayList<>();
        for (Path file : javaSources()) {
            List<String> lines = read(file);
            String name = SOURCES.relativize(file).toString();
            for (int i = 0; i < lines.size(); i++) {
                Matcher write = WRITE.matcher(lines.get(i));
                while (write.find()) {
                    String table = write.group(1);
                    // (DO UPDATE SET, FOR UPDATE OF / SKIP LOCKED name no table)
                    if (OWNERS.containsKey(table) && !OWNERS.get(table).equals(name)) {
                        strangers.add(name + ":" + (i + 1) + " writes " + table + ", owned by " + OWNERS.get(table));
                    }
                }
            }
        }

        // Then each is in the class that owns the table
        assertThat(strangers).isEmpty();
    }

    @Test
    void everyTableTheMigrationsCreateHasAnOwner() throws IOException {
        // Given the tables the migrations create (flyway's own history aside)
        TreeSet<String> created = new TreeSet<>();
        try (Stream<Path> files = Files.list(MIGRATIONS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".sql")).toList()) {
                Matcher create = CREATE_TABLE.matcher(Files.readString(file));
                while (create.find()) {
                    created.add(create.group(1).toLowerCase(java.util.Locale.ROOT));
                }
            }
        }

        // Then the rule above knows an owner for each, so a new table cannot slip past it
        assertThat(OWNERS.keySet()).containsAll(created);
    }

    private static List<Path> javaSources() {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            return files.filter(file -> file.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
