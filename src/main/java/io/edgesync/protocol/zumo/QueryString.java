package io.edgesync.protocol.zumo;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A raw query string, decoded the way table clients encode it: percent-decoding as UTF-8 and {@code +} left as is (the
 * clients send spaces as {@code %20}, and a {@code +} inside a date literal is a time-zone sign). Keeps the raw
 * parameters so that next links repeat the client's own query.
 */
public final class QueryString {

    /** One parameter, raw and decoded. */
    public record Parameter(String rawName, String rawValue, String name, String value) {
    }

    private final List<Parameter> parameters;

    private QueryString(List<Parameter> parameters) {
        this.parameters = parameters;
    }

    /** Parses a raw query (without {@code ?}); null or empty gives no parameters. */
    public static QueryString parse(String rawQuery, ProtocolVersion version) {
        List<Parameter> parameters = new ArrayList<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&", -1)) {
                if (pair.isEmpty()) {
                    continue;
                }
                int equals = pair.indexOf('=');
                String rawName = equals < 0 ? pair : pair.substring(0, equals);
                String rawValue = equals < 0 ? "" : pair.substring(equals + 1);
                parameters.add(new Parameter(rawName, rawValue, decode(rawName, version), decode(rawValue, version)));
            }
        }
        return new QueryString(parameters);
    }

    /** The first value of a parameter whose name is exactly {@code name}. */
    public Optional<String> first(String name) {
        for (Parameter parameter : parameters) {
            if (parameter.name().equals(name)) {
                return Optional.of(parameter.value());
            }
        }
        return Optional.empty();
    }

    /** The first value of a parameter whose name equals {@code name} ignoring case. */
    public Optional<String> firstIgnoringCase(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (Parameter parameter : parameters) {
            if (parameter.name().toLowerCase(Locale.ROOT).equals(lower)) {
                return Optional.of(parameter.value());
            }
        }
        return Optional.empty();
    }

    /**
     * The query with the given parameters replaced (or appended when absent, or removed when the value is null), every
     * other parameter as the client sent it.
     */
    public String with(Map<String, String> replacements) {
        List<String> parts = new ArrayList<>();
        List<String> done = new ArrayList<>();
        for (Parameter parameter : parameters) {
            if (replacements.containsKey(parameter.name())) {
                if (!done.contains(parameter.name())) {
                    done.add(parameter.name());
                    String value = replacements.get(parameter.name());
                    if (value != null) {
                        parts.add(parameter.rawName() + "=" + value);
                    }
                }
            } else {
                parts.add(parameter.rawName() + "=" + parameter.rawValue());
            }
        }
        replacements.entrySet()
                .stream()
                .filter(e -> !done.contains(e.getKey()) && e.getValue() != null)
                .forEach(e -> parts.add(e.getKey() + "=" + e.getValue()));
        return parts.stream().collect(Collectors.joining("&"));
    }

    private static String decode(String raw, ProtocolVersion version) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        // At most three UTF-8 bytes per character of the raw text; an escape is three characters for one byte.
        byte[] bytes = new byte[raw.length() * 3];
        int length = 0;
        boolean ascii = true;
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw badEncoding(version);
                }
                int high = Character.digit(raw.charAt(i + 1), 16);
                int low = Character.digit(raw.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    throw badEncoding(version);
                }
                int decoded = high * 16 + low;
                ascii &= decoded < 0x80;
                bytes[length++] = (byte) decoded;
                i += 3;
            } else if (c < 0x80) {
                bytes[length++] = (byte) c;
                i++;
            } else {
                // Not from a client's encoder, which escapes every byte outside ASCII: its UTF-8 bytes as they came.
                int codePoint = raw.codePointAt(i);
                byte[] encoded = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(encoded, 0, bytes, length, encoded.length);
                length += encoded.length;
                ascii = false;
                i += Character.charCount(codePoint);
            }
        }
        // Escaped ASCII (a filter's spaces and quotes) needs no UTF-8 decoder: every byte is a character.
        return ascii ? new String(bytes, 0, length, StandardCharsets.US_ASCII) : utf8(bytes, length, version);
    }

    private static String utf8(byte[] bytes, int length, ProtocolVersion version) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw badEncoding(version);
        }
    }

    private static TableProtocolException badEncoding(ProtocolVersion version) {
        return new TableProtocolException(version, 400,
                "The query string is not valid: malformed percent-encoding or invalid UTF-8");
    }
}
