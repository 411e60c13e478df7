package io.edgesync.health;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.edgesync.events.ChangeStreamFreshness;
import io.edgesync.events.EventPipeline;
import io.edgesync.events.KafkaClients;
import io.edgesync.events.OutboxRelay;
import io.edgesync.events.OutboxSource;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/**
 * Readiness of the event pipeline.
 *
 * <p> A process that serves devices (role {@code edge} or {@code all}) stays ready while Kafka is away: devices are
 * served from the cache and their changes wait in the outbox. The check then reports {@code events: delayed} with the
 * outbox lag, and {@code events: flowing} otherwise. Such a process also reports how current its change stream from the
 * central service is: {@code changes: current}, or {@code stalled} with the reason when nothing (no change, no
 * heartbeat) came from central for a while or central cannot apply events, with the time since the last heartbeat and
 * change and the consumer's lag. A stalled stream leaves the process ready too: devices are served from the cache. A
 * central-only process can do nothing without Kafka and is not ready while the cluster does not answer.
 */
@Readiness
@ApplicationScoped
public class KafkaHealthCheck implements AsyncHealthCheck {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final KafkaClients clients;
    private final EventPipeline pipeline;
    private final ChangeStreamFreshness changes;
    private final Role role;
    private final Duration delayedAfter;
    private volatile Admin admin;

    public KafkaHealthCheck(KafkaClients clients, EventPipeline pipeline, ChangeStreamFreshness changes,
            EdgeSyncConfig config) {
        this.clients = clients;
        this.pipeline = pipeline;
        this.changes = changes;
        this.role = config.role();
        this.delayedAfter = Duration.ofSeconds(Math.max(1, config.events().delayedAfterSeconds()));
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        DescribeClusterOptions options = new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis());
        return Uni.createFrom()
                .completionStage(() -> admin().describeCluster(options).nodes().toCompletionStage())
                .ifNoItem()
                .after(TIMEOUT.plusSeconds(1))
                .fail()
                .map(nodes -> response(Optional.of(nodes), Optional.empty()))
                .onFailure()
                .recoverWithItem(failure -> response(Optional.empty(),
                        Optional.of("Kafka unreachable: " + failure.getClass().getSimpleName())));
    }

    private HealthCheckResponse response(Optional<Collection<Node>> nodes, Optional<String> error) {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Kafka")
                .withData("bootstrap.servers", clients.bootstrapServers());
        nodes.ifPresent(n -> response.withData("brokers", n.size()));
        error.ifPresent(e -> response.withData("error", e));
        Optional<String> delay = error.or(this::eventDelay);
        response.withData("events", delay.isPresent() ? "delayed" : "flowing");
        delay.ifPresent(reason -> response.withData("events.delayed.reason", reason));
        Instant now = Instant.now();
        for (Map.Entry<String, OutboxSource.OutboxStats> outbox : pipeline.outboxStats().entrySet()) {
            response.withData("outbox." + outbox.getKey() + ".lag", outbox.getValue().unsent());
            response.withData("outbox." + outbox.getKey() + ".oldest.age.seconds",
                    (long) outbox.getValue().oldestAgeSeconds(now));
        }
        pipeline.consumers()
                .forEach(consumer -> response.withData("consumer." + consumer.name() + ".lag",
                        consumer.partitionLags().isEmpty()
                                ? "none yet"
                                : consumer.partitionLags()
                                        .entrySet()
                                        .stream()
                                        .map(partition -> partition.getKey() + "=" + partition.getValue())
                                        .collect(Collectors.joining(", "))));
        boolean servesDevices = role.includes(Role.EDGE);
        if (servesDevices) {
            ChangeStreamFreshness.State stream = changes.state(now);
            response.withData("changes", stream.stalled() ? "stalled" : "current");
            stream.reason().ifPresent(reason -> response.withData("changes.stalled.reason", reason));
            age(response, "changes.last.heartbeat.age.seconds", stream.sinceHeartbeat());
            age(response, "changes.last.change.age.seconds", stream.sinceChange());
            response.withData("changes.consumer.lag", stream.consumerLag());
        }
        return response.status(servesDevices || nodes.isPresent()).build();
    }

    private static void age(HealthCheckResponseBuilder response, String name, Optional<Duration> age) {
        if (age.isPresent()) {
            response.withData(name, age.get().toSeconds());
        } else {
            response.withData(name, "none yet");
        }
    }

    /** Why events are late though the cluster answers, if they are. */
    private Optional<String> eventDelay() {
        if (!pipeline.topicsReady()) {
            return Optional.of("topics not created yet" + pipeline.topicFailure().map(f -> ": " + f).orElse(""));
        }
        for (OutboxRelay relay : pipeline.relays()) {
            if (relay.lastFailure().isPresent()) {
                return Optional.of(relay.name() + " relay: " + relay.lastFailure().get());
            }
        }
        Instant now = Instant.now();
        for (Map.Entry<String, OutboxSource.OutboxStats> outbox : pipeline.outboxStats().entrySet()) {
            if (outbox.getValue().oldestAgeSeconds(now) > delayedAfter.toSeconds()) {
                return Optional.of("the oldest unpublished " + outbox.getKey() + " change is older than "
                        + delayedAfter.toSeconds() + " s");
            }
        }
        return Optional.empty();
    }

    private Admin admin() {
        Admin current = admin;
        if (current == null) {
            synchronized (this) {
                current = admin;
                if (current == null) {
                    current = clients.admin("edgesync-health", (int) TIMEOUT.toMillis());
                    admin = current;
                }
            }
        }
        return current;
    }

    @PreDestroy
    void close() {
        Admin current = admin;
        if (current != null) {
            current.close(Duration.ofSeconds(2));
        }
    }
}
