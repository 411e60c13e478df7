package io.edgesync.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where scenario 5's time goes: samples, twice a second, the gateways' own gauges of each stage of the way from edge 1
 * to edge 2 (edge 1's outbox, the central service's CUD consumer, the central outbox, edge 2's change stream consumer)
 * and reports each stage's mean and maximum backlog; and reads edge 2's histogram of the time from a change's write at
 * edge 1 to its application at edge 2, before and after, which tells the pipeline's part of the latency from the part
 * of visibility, announcement and pull.
 */
final class StageBacklog implements AutoCloseable {

    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-z_]+)\\{([^}]*)\\} ([0-9.Ee+-]+)$");

    /** A stage: which gateway, which gauge, and which label it must carry. */
    private record Stage(String name, URI gateway, String gauge, String label) {
    }

    private static final String PROPAGATION = "edgesync_changes_propagation_seconds_bucket";
    private static final Pattern BUCKET = Pattern.compile("(?m)^" + PROPAGATION
            + "\\{([^}]*)\\} ([0-9.Ee+-]+)$");
    private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

    private final HttpClient client = HttpClient.newHttpClient();
    private final URI edge2;
    private final Map<Double, Double> appliedBefore;
    private final Map<Stage, double[]> sums = new LinkedHashMap<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "bench-stage-backlog");
        thread.setDaemon(true);
        return thread;
    });

    StageBacklog(URI edge1, URI edge2) {
        this.edge2 = edge2;
        this.appliedBefore = applied();
        for (Stage stage : new Stage[]{
                new Stage("edge 1 outbox", edge1, "edgesync_outbox_lag", "outbox=\"edge\""),
                new Stage("central CUD consumer", edge1, "edgesync_consumer_lag", "consumer=\"cud\""),
                new Stage("central outbox", edge1, "edgesync_outbox_lag", "outbox=\"central\""),
                new Stage("edge 2 change consumer", edge2, "edgesync_consumer_lag", "consumer=\"changes\"")}) {
            sums.put(stage, new double[3]);
        }
        var unused = sampler.scheduleWithFixedDelay(this::sample, 0, 500, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        Map<URI, String> scraped = new LinkedHashMap<>();
        for (Stage stage : sums.keySet()) {
            String body = scraped.computeIfAbsent(stage.gateway(), this::scrape);
            if (body == null) {
                continue;
            }
            double total = 0;
            Matcher m = SAMPLE.matcher(body);
            while (m.find()) {
                if (m.group(1).equals(stage.gauge()) && m.group(2).contains(stage.label())) {
                    total += Double.parseDouble(m.group(3));
                }
            }
            synchronized (sums) {
                double[] values = sums.get(stage);
                values[0] += total;
                values[1] = Math.max(values[1], total);
                values[2]++;
            }
        }
    }

    private String scrape(URI gateway) {
        try {
            return client.send(HttpRequest.newBuilder(gateway.resolve("/q/metrics"))
                    .timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return null;
        }
    }

    /** Each stage's mean and maximum backlog (records) over the samples so far. */
    String summary() {
        StringBuilder text = new StringBuilder();
        synchronized (sums) {
            sums.forEach((stage, values) -> text.append(text.isEmpty() ? "" : "; ")
                    .append(String.format(Locale.ROOT, "%s mean %,.0f max %,.0f", stage.name(),
                            values[2] > 0 ? values[0] / values[2] : Double.NaN, values[1])));
        }
        return text + " (records waiting, sampled every 0.5 s)";
    }

    /**
     * Edge 2's applications of changes since this sampler started, from its histogram: {bucket upper bound in seconds:
     * cumulative count}.
     */
    private Map<Double, Double> applied() {
        Map<Double, Double> buckets = new java.util.TreeMap<>();
        String body = scrape(edge2);
        if (body == null) {
            return buckets;
        }
        Matcher m = BUCKET.matcher(body);
        while (m.find()) {
            Matcher le = LE.matcher(m.group(1));
            if (m.group(1).contains("outcome=\"applied\"") && le.find()) {
                double bound = le.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le.group(1));
                buckets.merge(bound, Double.parseDouble(m.group(2)), Double::sum);
            }
        }
        return buckets;
    }

    /**
     * The quantiles of the time from the write at edge 1 to the application at edge 2, from edge 2's histogram over
     * this sampler's life: bucket upper bounds, so at most one bucket (about 10%) too high.
     */
    String appliedAtEdge2() {
        Map<Double, Double> after = applied();
        double total = after.getOrDefault(Double.POSITIVE_INFINITY, 0.0)
                - appliedBefore.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (total <= 0) {
            return "no change applied at edge 2 in the histogram";
        }
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%,.0f changes", total));
        for (double q : new double[]{0.5, 0.99}) {
            for (Map.Entry<Double, Double> bucket : after.entrySet()) {
                double count = bucket.getValue() - appliedBefore.getOrDefault(bucket.getKey(), 0.0);
                if (count >= q * total) {
                    text.append(String.format(Locale.ROOT, ", p%.0f <= %s ms", q * 100,
                            bucket.getKey().isInfinite() ? "inf" : String.format(Locale.ROOT, "%,.0f",
                                    bucket.getKey() * 1000)));
                    break;
                }
            }
        }
        return text.toString();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
