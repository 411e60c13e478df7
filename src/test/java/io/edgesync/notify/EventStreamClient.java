package io.edgesync.notify;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A server-sent-events client for tests: reads the stream asynchronously with {@link HttpClient}, line by line, and
 * queues the events it parses with the time they arrived.
 */
public final class EventStreamClient implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** An event as received: name, data, and {@link System#nanoTime()} at arrival. */
    public record Event(String name, String data, long receivedNanos) {
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicInteger comments = new AtomicInteger();
    private final CompletableFuture<Integer> status = new CompletableFuture<>();
    private final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    private EventStreamClient() {
    }

    /** Opens a stream; the request is sent in the background. */
    public static EventStreamClient open(URI uri) {
        return open(uri, null);
    }

    /** Opens a stream with a bearer token (null: none). */
    public static EventStreamClient open(URI uri, String bearerToken) {
        EventStreamClient client = new EventStreamClient();
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream")
                .GET();
        if (bearerToken != null) {
            builder.header("Authorization", "Bearer " + bearerToken);
        }
        HttpRequest request = builder.build();
        // (the stream's outcome reaches the client through its status and ended futures)
        var unused = HTTP.sendAsync(request, info -> {
            client.status.complete(info.statusCode());
            return HttpResponse.BodySubscribers.fromLineSubscriber(client.new LineSubscriber());
        }).whenComplete((response, failure) -> client.ended.complete(null));
        return client;
    }

    public int status(Duration timeout) throws Exception {
        return status.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next event that matches, skipping others; empty if none arrives in time. */
    public Optional<Event> awaitEvent(Predicate<Event> matching, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            Event event = events.poll(left, TimeUnit.NANOSECONDS);
            if (event == null) {
                return Optional.empty();
            }
            if (matching.test(event)) {
                return Optional.of(event);
            }
        }
    }

    /** Events that arrive until none has arrived for {@code quiet}. */
    List<Event> collectUntilQuiet(Duration quiet) throws InterruptedException {
        List<Event> collected = new ArrayList<>();
        Event event;
        while ((event = events.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
            collected.add(event);
        }
        return collected;
    }

    /** Forgets every event received so far. */
    void drain() {
        events.clear();
    }

    int commentCount() {
        return comments.get();
    }

    boolean ended() {
        return ended.isDone();
    }

    /** Closes the connection, as a device that goes away. */
    @Override
    public void close() {
        var unused = subscription.thenAccept(Flow.Subscription::cancel);
    }

    /** Parses the SSE wire format: fields until a blank line, comments starting with a colon. */
    private final class LineSubscriber implements Flow.Subscriber<String> {

        private String name;
        private StringBuilder data;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription.complete(s);
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (line.isEmpty()) {
                if (name != null || data != null) {
                    events.add(new Event(name == null ? "message" : name, data == null ? "" : data.toString(),
                            System.nanoTime()));
                }
                name = null;
                data = null;
                return;
            }
            if (line.startsWith(":")) {
                comments.incrementAndGet();
                return;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if (field.equals("event")) {
                name = value;
            } else if (field.equals("data")) {
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            ended.complete(null);
        }

        @Override
        public void onComplete() {
            ended.complete(null);
        }
    }
}
