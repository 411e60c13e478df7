package io.edgesync.notify;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Documentation only: one server-sent event of a device's change stream as the native change-stream endpoint sends it,
 * for the OpenAPI document (the stream is written by the SSE support of the REST layer, whose types say nothing about
 * the events).
 *
 * @param event the event's name
 * @param data the event's JSON data
 * @param retry the reconnect delay
 */
@Schema(name = "ChangeStreamEvent", description = "One server-sent event (event:, retry:, data: lines). The stream opens"
        + " with a ready event, then sends a change event whenever a followed table changes; comment lines"
        + " (:keep-alive) come every heartbeatSeconds in between. A change is only an announcement: pull the table to"
        + " get it.")
public record ChangeStreamEvent(
        @Schema(description = "The event's name", enumeration = {
                StreamEvent.READY, StreamEvent.CHANGE}, required = true) String event,
        @Schema(description = "The event's data, one line of JSON: StreamReady for ready, TableChange for change", oneOf = {
                StreamEvent.Ready.class, TableChange.class}, required = true) Object data,
        @Schema(description = "Milliseconds a client waits before it reconnects (ready only)", examples = "3000") Long retry){
}
