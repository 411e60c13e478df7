package io.edgesync.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A non-blocking HTTP/1.1 client of one server (Vert.x core, keep-alive, one connection per concurrent request). Every
 * call completes on one of the load generator's event loops.
 */
final class Http implements AutoCloseable {

    /** A complete response. */
    record Response(int status, MultiMap headers, Buffer body) {

        String header(String name) {
            return headers.get(name);
        }

        String text() {
            return body == null ? "" : body.toString(StandardCharsets.UTF_8);
        }

        JsonObject json() {
            return body.toJsonObject();
        }

        JsonArray jsonArray() {
            return body.toJsonArray();
        }
    }

    /** An operation ended badly; its stats already counted it. */
    static final class StepFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StepFailed(String message) {
            super(message, null, false, false);
        }
    }

    private final URI base;
    private final HttpClient client;
    /**
     * Where requests are made: one event-loop context per loop of the load generator. A request made, and its answer's
     * body asked for, from another thread races with the event loop delivering the body (Vert.x 4 hands a future's
     * callbacks to whichever thread completes or joins it): the body's first chunk could be gone before the handler
     * was set, leaving an answer with its Content-Length and no body. On its own context, every step of a request runs
     * on one thread in order.
     */
    private final Context[] contexts;
    private final AtomicInteger nextContext = new AtomicInteger();

    Http(Vertx vertx, URI base, int connections, int eventLoops) {
        this.base = base;
        this.contexts = new Context[Math.max(1, eventLoops)];
        for (int i = 0; i < contexts.length; i++) {
            // Called from a thread that is not an event loop, each call makes a context on the next loop.
            contexts[i] = vertx.getOrCreateContext();
        }
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setDefaultHost(base.getHost())
                .setDefaultPort(base.getPort())
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setIdleTimeout(120)
                .setConnectTimeout(10_000),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    }

    URI base() {
        return base;
    }

    /**
     * How an answer was framed, for an answer that could not be read: status, body length, and the headers that say
     * where the body ends.
     */
    static String framing(Response response) {
        if (response == null) {
            return "no response";
        }
        return String.format(java.util.Locale.ROOT, "HTTP %d, %d body bytes, Content-Length %s, Transfer-Encoding %s,"
                + " Content-Type %s", response.status(), response.body() == null ? 0 : response.body().length(),
                response.header("Content-Length"), response.header("Transfer-Encoding"),
                response.header("Content-Type"));
    }

    CompletableFuture<Response> get(String uri, Map<String, String> headers) {
        return send(HttpMethod.GET, uri, headers, null);
    }

    CompletableFuture<Response> send(HttpMethod method, String uri, Map<String, String> headers, Buffer body) {
        RequestOptions options = new RequestOptions()
                .setMethod(method)
                .setURI(uri)
                .setTimeout(60_000);
        headers.forEach(options::putHeader);
        return onContext(() -> client.request(options)
                .compose(request -> body == null ? request.send() : request.send(body))
                .compose(response -> response.body()
                        .map(buffer -> new Response(response.statusCode(), response.headers(), buffer))));
    }

    /** Runs {@code call} on the next of this client's contexts; the result completes on its event loop. */
    private <T> CompletableFuture<T> onContext(Supplier<Future<T>> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        contexts[Math.floorMod(nextContext.getAndIncrement(), contexts.length)].runOnContext(ignored -> {
            try {
                call.get().onComplete(done -> {
                    if (done.succeeded()) {
                        result.complete(done.result());
                    } else {
                        result.completeExceptionally(done.cause());
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /**
     * Opens a long-lived streaming GET (server-sent events): {@code onChunk} gets the body as it arrives; the future
     * completes with the response once the headers are in.
     */
    CompletableFuture<HttpClientResponse> stream(String uri, Map<String, String> headers, Consumer<Buffer> onChunk,
            Runnable onEnd) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setURI(uri)
                .setIdleTimeout(0);
        headers.forEach(options::putHeader);
        return onContext(() -> client.request(options)
                .compose(request -> request.send())
                .map(response -> {
                    response.handler(onChunk::accept);
                    response.endHandler(ignored -> onEnd.run());
                    response.exceptionHandler(ignored -> onEnd.run());
                    return response;
                }));
    }

    /**
     * Runs {@code call}, timing it into {@code stats} (work units are the caller's to add): a response with another
     * status than {@code expected} or a transport error counts as an error and fails the returned future with
     * {@link StepFailed}.
     */
    static CompletableFuture<Response> timed(Stats stats, int expected,
            Supplier<CompletableFuture<Response>> call) {
        long start = System.nanoTime();
        CompletableFuture<Response> result = new CompletableFuture<>();
        var unused = call.get().whenComplete((response, failure) -> {
            long took = System.nanoTime() - start;
            if (failure != null) {
                stats.failure(describe(failure));
                result.completeExceptionally(new StepFailed(describe(failure)));
            } else if (response.status() != expected) {
                String kind = "HTTP " + response.status() + ": " + abbreviate(response.text(), 120);
                stats.failure(kind);
                result.completeExceptionally(new StepFailed(kind));
            } else {
                stats.success(took, 0);
                result.complete(response);
            }
        });
        return result;
    }

    static String describe(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + ": " + abbreviate(String.valueOf(cause.getMessage()), 120);
    }

    static String abbreviate(String text, int max) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max) + "...";
    }

    @Override
    public void close() {
        client.close();
    }
}
