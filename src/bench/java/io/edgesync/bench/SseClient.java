package io.edgesync.bench;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/** A minimal server-sent-events reader over a streaming GET: complete events (name, data) as they arrive. */
final class SseClient {

    /** One event; comments (keep-alives) are skipped. */
    record Event(String name, String data, long receivedNanos) {
    }

    private final StringBuilder pending = new StringBuilder();
    private final Consumer<Event> onEvent;
    private volatile boolean ended;
    private HttpClientResponse response;

    private SseClient(Consumer<Event> onEvent) {
        this.onEvent = onEvent;
    }

    /** Opens the stream; the future completes when the response headers are in (status in the response). */
    static CompletableFuture<SseClient> open(Http http, String uri, Consumer<Event> onEvent) {
        SseClient client = new SseClient(onEvent);
        return http.stream(uri, Map.of("Accept", "text/event-stream"), client::accept, () -> client.ended = true)
                .thenApply(response -> {
                    client.response = response;
                    return client;
                });
    }

    int status() {
        return response == null ? -1 : response.statusCode();
    }

    boolean ended() {
        return ended;
    }

    void close() {
        if (response != null) {
            response.request().connection().close();
        }
    }

    private void accept(Buffer chunk) {
        long now = System.nanoTime();
        pending.append(chunk.toString(StandardCharsets.UTF_8).replace("\r\n", "\n"));
        int end;
        while ((end = pending.indexOf("\n\n")) >= 0) {
            String block = pending.substring(0, end);
            pending.delete(0, end + 2);
            String name = "message";
            StringBuilder data = new StringBuilder();
            boolean any = false;
            for (String line : block.split("\n")) {
                if (line.startsWith(":")) {
                    continue;
                }
                any = true;
                if (line.startsWith("event:")) {
                    name = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    if (data.length() > 0) {
                        data.append('\n');
                    }
                    data.append(line.substring(5).trim());
                }
            }
            if (any) {
                onEvent.accept(new Event(name, data.toString(), now));
            }
        }
    }
}
