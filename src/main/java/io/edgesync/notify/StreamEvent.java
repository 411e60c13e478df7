package io.edgesync.notify;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One item of a device's change stream: {@code ready} once when the stream is open, {@code change} for each announced
 * change of a followed table (data {@link TableChange}), and keep-alive comments in between.
 *
 * @param name the SSE event name; {@code null} for a keep-alive comment
 * @param data the event's JSON data; {@code null} for a keep-alive comment
 */
public record StreamEvent(String name, Object data) {

    public static final String READY = "ready";
    public static final String CHANGE = "change";
    /** The comment text of keep-alives, and their name in metrics. */
    public static final String KEEP_ALIVE_COMMENT = "keep-alive";

    private static final StreamEvent KEEP_ALIVE = new StreamEvent(null, null);

    /**
     * Data of the {@code ready} event.
     *
     * @param allTables whether the stream follows every table
     * @param tables the followed tables (lower case); empty when it follows all
     * @param heartbeatSeconds seconds between keep-alives: a client that hears nothing for longer may reconnect
     */
    @Schema(name = "StreamReady", description = "Data of the ready event: the stream is open and follows these tables")
    public record Ready(
            @Schema(description = "Whether the stream follows every table", required = true) boolean allTables,
            @Schema(description = "The followed tables, in lower case; empty when it follows all", required = true) List<String> tables,
            @Schema(description = "Seconds between keep-alive comments: a client that hears nothing for longer may"
                    + " reconnect", required = true) int heartbeatSeconds) {
    }

    static StreamEvent ready(FollowedTables followed, int heartbeatSeconds) {
        return new StreamEvent(READY, new Ready(followed.allTables(), followed.tables(), heartbeatSeconds));
    }

    static StreamEvent change(TableChange change) {
        return new StreamEvent(CHANGE, change);
    }

    static StreamEvent keepAlive() {
        return KEEP_ALIVE;
    }

    public boolean isKeepAlive() {
        return name == null;
    }

    /** The event's name in metrics. */
    String metricName() {
        return isKeepAlive() ? KEEP_ALIVE_COMMENT : name;
    }
}
