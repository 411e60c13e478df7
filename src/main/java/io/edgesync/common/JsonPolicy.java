package io.edgesync.common;

import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.jackson.ObjectMapperCustomizer;

/**
 * One JSON policy for every surface (table protocol, native API, admin API): a body is one JSON value with nothing
 * after it, an object names each key once, and numbers are finite ({@code NaN}, {@code Infinity} and numbers beyond a
 * double such as {@code 1e999} are refused rather than stored as the text {@code "Infinity"}). Errors describe the
 * body, never the parser's settings.
 */
@Singleton
public class JsonPolicy implements ObjectMapperCustomizer {

    private static final Pattern PARSER_ADVICE = Pattern.compile(":? *(enable|disable|not allowed as per) `[^`]*`.*$",
            Pattern.DOTALL);
    private static final Pattern INTERNALS = Pattern.compile("`?com\\.fasterxml\\.[\\w.$]+`?|\\(bound as [^)]*\\)");

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    /** What is wrong with a body, in the client's terms. */
    public static String describe(JsonProcessingException e) {
        String message = Optional.ofNullable(e.getOriginalMessage()).orElse("");
        if (message.startsWith("Trailing token")) {
            return "unexpected content after the JSON value";
        }
        message = PARSER_ADVICE.matcher(message).replaceAll("");
        message = INTERNALS.matcher(message).replaceAll("").replaceAll(" {2,}", " ").strip();
        return message.isEmpty() ? "malformed JSON" : message;
    }

    /** The first number of {@code node} that is not finite, as a path like {@code /price} or {@code /tags/2}. */
    public static Optional<String> firstNonFiniteNumber(JsonNode node) {
        return firstNonFinite(node, "");
    }

    private static Optional<String> firstNonFinite(JsonNode node, String path) {
        if (node.isFloatingPointNumber()) {
            return Double.isFinite(node.doubleValue()) ? Optional.empty() : Optional.of(path.isEmpty() ? "/" : path);
        }
        if (node.isObject()) {
            var fields = node.properties().iterator();
            while (fields.hasNext()) {
                var field = fields.next();
                Optional<String> found = firstNonFinite(field.getValue(), path + "/" + field.getKey());
                if (found.isPresent()) {
                    return found;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                Optional<String> found = firstNonFinite(node.get(i), path + "/" + i);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /** The message for a number out of range at {@code path}. */
    public static String nonFiniteMessage(String path) {
        return "The number at " + path + " is out of range: numbers must be finite and fit a double";
    }
}
