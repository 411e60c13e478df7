package io.edgesync.protocol.zumo;

import java.net.URI;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

import jakarta.ws.rs.core.HttpHeaders;

import io.edgesync.cache.RowScope;
import io.edgesync.device.DeviceIds;
import io.edgesync.security.Caller;
import io.vertx.core.http.HttpServerRequest;

/** One table-protocol request: its protocol version, its raw query and the headers that matter. */
public final class TableRequest {

    /** The header the Azure clients send with a per-install GUID: the device id of ZUMO traffic. */
    static final String INSTALLATION_ID = "X-ZUMO-INSTALLATION-ID";

    private final ProtocolVersion version;
    private final QueryString query;
    private final HttpHeaders headers;
    private final HttpServerRequest http;
    /** The request's absolute URI, parsed when a next link or a Location needs it. */
    private URI requestUri;
    private Caller caller = Caller.ANONYMOUS;
    private RowScope scope = RowScope.EVERYONE;

    private TableRequest(ProtocolVersion version, QueryString query, HttpHeaders headers, HttpServerRequest http) {
        this.version = version;
        this.query = query;
        this.headers = headers;
        this.http = http;
    }

    /** Reads the version (docs/protocol.md 1.2) and the query; a bad version or query is a 400. */
    public static TableRequest of(HttpServerRequest http, HttpHeaders headers, boolean strictVersion) {
        QueryString rawQuery = QueryString.parse(http.query(), null);
        ProtocolVersion version = ProtocolVersion.detect(rawQuery.firstIgnoringCase(ProtocolVersion.HEADER),
                Optional.ofNullable(headers.getHeaderString(ProtocolVersion.HEADER)), strictVersion);
        return new TableRequest(version, rawQuery, headers, http);
    }

    /** The authenticated caller (anonymous until the request's credentials were checked). */
    public Caller caller() {
        return caller;
    }

    void caller(Caller authenticated) {
        this.caller = authenticated;
    }

    /** Whose rows this request sees (on a table with per-user rows: the caller's own). */
    public RowScope scope() {
        return scope;
    }

    void scope(RowScope rows) {
        this.scope = rows;
    }

    public ProtocolVersion version() {
        return version;
    }

    public boolean isV2() {
        return version == ProtocolVersion.V2;
    }

    public QueryString query() {
        return query;
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.getHeaderString(name)).map(String::trim).filter(v -> !v.isEmpty());
    }

    /**
     * The device behind the request: its {@code X-ZUMO-INSTALLATION-ID} (the per-install GUID the Azure clients send),
     * when it sends a valid one.
     */
    public Optional<String> deviceId() {
        return header(INSTALLATION_ID).filter(DeviceIds::isValid);
    }

    public Optional<String> contentType() {
        return header(HttpHeaders.CONTENT_TYPE);
    }

    /** {@code __includeDeleted} / {@code __includedeleted}: name in any case, value {@code true} in any case. */
    public boolean includeDeleted() {
        return query.firstIgnoringCase("__includedeleted").map(v -> v.equalsIgnoreCase("true")).orElse(false);
    }

    /** A non-negative integer query option, absent when not given; a negative or non-numeric one is a 400. */
    public Optional<Long> nonNegative(String option) {
        Optional<String> raw = query.first(option).map(String::trim);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        String text = raw.get();
        if (text.isEmpty() || !allDigits(text)) {
            throw new TableProtocolException(version, 400, "The value of " + option
                    + " must be a non-negative integer");
        }
        // More digits than a long holds: as good as infinite for $top, and caught by the $skip limit.
        return Optional.of(text.length() > 18 ? Long.MAX_VALUE : Long.parseLong(text));
    }

    private static boolean allDigits(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (!Character.isDigit(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** An HTTP-date header, absent when missing or unparseable (then the condition does not apply). */
    public Optional<Instant> dateHeader(String name) {
        return header(name).flatMap(value -> {
            try {
                return Optional.of(ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        });
    }

    /** The absolute URL of this request without its query, as the client addressed it (proxy headers honoured). */
    public String urlWithoutQuery() {
        String text = requestUri().toString();
        int question = text.indexOf('?');
        return question < 0 ? text : text.substring(0, question);
    }

    /** The absolute base of the application ({@code scheme://host:port}). */
    public String origin() {
        URI uri = requestUri();
        return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority();
    }

    private URI requestUri() {
        if (requestUri == null) {
            // As the server saw it: proxy headers, when the gateway honours them, already applied.
            requestUri = URI.create(http.absoluteURI());
        }
        return requestUri;
    }
}
