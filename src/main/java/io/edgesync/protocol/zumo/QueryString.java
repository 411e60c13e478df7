package io.edgesync.protocol.zumo;

import java.io.ByteArrayOutputStream;
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
        return parameters.stream().filter(p -> p.name().equals(name)).map(Parameter::value).findFirst();
    }

    /** The first value of a parameter whose name equals {@code name} ignoring case. */
    public Optional<String> firstIgnoringCase(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return parameters.stream()
                .filter(p -> p.name().toLowerCase(Locale.ROOT).equals(lower))
                .map(Parameter::value)
                .findFirst();
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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        int i = 0;
        while (i < raw.length()) {
            int percent = raw.indexOf('%', i);
            int end = percent < 0 ? raw.length() : percent;
            bytes.writeBytes(raw.substring(i, end).getBytes(StandardCharsets.UTF_8));
            if (percent < 0) {
                break;
            }
            if (percent + 2 >= raw.length()) {
                throw badEncoding(version);
            }
            int high = Character.digit(raw.charAt(percent + 1), 16);
            int low = Character.digit(raw.charAt(percent + 2), 16);
            if (high < 0 || low < 0) {
                throw badEncoding(version);
            }
            bytes.write(high * 16 + low);
            i = percent + 3;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
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
