package io.edgesync.protocol.nativeapi;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's custom conflict policy is the test bean {@link LongestTextWins}, word for word: the example compiles,
 * and NativeSyncTest shows it deciding conflicts of a table configured with it.
 */
class ReadmePolicyExampleTest {

    @Test
    void theReadmeExampleIsTheCompiledTestPolicy() throws Exception {
        // Given the first java block of the README
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("```java\n");
        assertThat(start).as("a java block in the README").isNotNegative();
        String example = readme.substring(start + "```java\n".length(), readme.indexOf("```", start + 7));

        // Then the source of the test policy LongestTextWins ends with that block, word for word
        String source = Files.readString(Path.of("src/test/java/io/edgesync/protocol/nativeapi/LongestTextWins.java"),
                StandardCharsets.UTF_8);
        assertThat(source).endsWith(example);
    }
}
