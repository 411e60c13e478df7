package io.edgesync.deployment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.edgesync.deployment.ConfigKeys.ConfigKey;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/configuration.md stays in step with {@code EdgeSyncConfig}: its table of {@code edgesync.*} settings is
 * generated from the interface (keys, types, defaults by reflection; descriptions from the Javadoc) and this test fails
 * when the two differ. After changing a setting, regenerate the table with
 *
 * <pre> ./mvnw -B test -Dtest=ConfigurationReferenceTest -Dconfiguration.reference.update=true </pre>
 */
class ConfigurationReferenceTest {

    private static final String UPDATE = "configuration.reference.update";
    private static final Pattern DOCUMENTED_KEY = Pattern.compile("^\\| `(edgesync\\.[^`]+)` \\|", Pattern.MULTILINE);

    @Test
    void everySettingOfEdgeSyncConfigIsInTheReferenceWithItsDefaultAndJavadoc() throws IOException {
        // Given the settings of EdgeSyncConfig and the Javadoc of its source
        List<ConfigKey> keys = ConfigKeys.edgeSync();
        Map<String, String> javadoc = ConfigurationReference.javadoc(ConfigurationReference.SOURCE);
        String expected = ConfigurationReference.generate(keys, javadoc);
        String document = Files.readString(ConfigurationReference.DOCUMENT, StandardCharsets.UTF_8);

        if (Boolean.getBoolean(UPDATE)) {
            Files.writeString(ConfigurationReference.DOCUMENT, ConfigurationReference.replace(document, expected),
                    StandardCharsets.UTF_8);
            document = Files.readString(ConfigurationReference.DOCUMENT, StandardCharsets.UTF_8);
        }

        // Then every key is documented and the document names no key that does not exist
        List<String> documented = documentedKeys(ConfigurationReference.current(document));
        List<String> actual = keys.stream().map(ConfigKey::name).toList();
        String hint = "; regenerate with ./mvnw -B test -Dtest=ConfigurationReferenceTest -D" + UPDATE + "=true";
        assertThat(documented).as("settings missing from docs/configuration.md" + hint).containsAll(actual);
        assertThat(actual).as("docs/configuration.md documents settings EdgeSyncConfig does not have" + hint)
                .containsAll(documented);
        // And the whole generated table (types, defaults, environment variables, Javadoc) is current
        assertThat(ConfigurationReference.current(document)).as("docs/configuration.md is out of date" + hint)
                .isEqualTo(expected);
    }

    @Test
    void keysFollowSmallRyeNaming() {
        // Given the reflected keys
        List<ConfigKey> keys = ConfigKeys.edgeSync();

        // Then nested groups, maps and @WithName are named as SmallRye Config names them
        assertThat(keys).extracting(ConfigKey::name)
                .contains("edgesync.role", "edgesync.embedded.postgres.port", "edgesync.tables.auto-create",
                        "edgesync.tables.declared.<name>.soft-delete",
                        "edgesync.tables.declared.<name>.columns.<name>", "edgesync.protocol.v3.next-link")
                .allSatisfy(name -> assertThat(name).matches("edgesync(\\.([a-z0-9-]+|<name>))+"));
        assertThat(ConfigKeys.kebab("relayIdleMillis")).isEqualTo("relay-idle-millis");
        // And environment variables match the keys, map keys included
        ConfigKey softDelete = keys.stream()
                .filter(k -> k.name().equals("edgesync.tables.declared.<name>.soft-delete"))
                .findFirst()
                .orElseThrow();
        assertThat(softDelete.matchesEnvironmentVariable("EDGESYNC_TABLES_DECLARED_TODOITEM_SOFT_DELETE")).isTrue();
        assertThat(softDelete.matchesEnvironmentVariable("EDGESYNC_TABLES_DECLARED_SOFT_DELETE")).isFalse();
    }

    @Test
    void otherSettingsTheDeploymentsUseAreDocumentedToo() throws IOException {
        // Given the Quarkus/Kafka settings and image variables the manifests may set
        String document = Files.readString(ConfigurationReference.DOCUMENT, StandardCharsets.UTF_8);

        // Then each has a row in the hand-written part of the reference
        ApplicationFacts.OTHER_KEYS.forEach((variable, key) -> assertThat(document)
                .as("docs/configuration.md documents " + key)
                .contains("`" + key + "`", "`" + variable + "`"));
        assertThat(document).contains("`JAVA_MAX_MEM_RATIO`");
    }

    private static List<String> documentedKeys(String table) {
        Matcher matcher = DOCUMENTED_KEY.matcher(table);
        List<String> keys = new java.util.ArrayList<>();
        while (matcher.find()) {
            keys.add(matcher.group(1));
        }
        return keys;
    }
}
