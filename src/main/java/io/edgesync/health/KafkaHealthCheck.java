package io.edgesync.health;

import java.time.Duration;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/** Readiness: the Kafka cluster answers a metadata request within a few seconds. */
@Readiness
@ApplicationScoped
public class KafkaHealthCheck implements AsyncHealthCheck {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final String bootstrapServers;
    private volatile Admin admin;

    public KafkaHealthCheck(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        DescribeClusterOptions options = new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis());
        return Uni.createFrom()
                .completionStage(() -> admin().describeCluster(options).nodes().toCompletionStage())
                .ifNoItem()
                .after(TIMEOUT.plusSeconds(1))
                .fail()
                .map(nodes -> HealthCheckResponse.named("Kafka")
                        .up()
                        .withData("bootstrap.servers", bootstrapServers)
                        .withData("brokers", nodes.size())
                        .build())
                .onFailure()
                .recoverWithItem(failure -> HealthCheckResponse.named("Kafka")
                        .down()
                        .withData("bootstrap.servers", bootstrapServers)
                        .withData("error", "Kafka unreachable: " + failure.getClass().getSimpleName())
                        .build());
    }

    private Admin admin() {
        Admin current = admin;
        if (current == null) {
            synchronized (this) {
                current = admin;
                if (current == null) {
                    current = Admin.create(Map.of(
                            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis(),
                            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis(),
                            AdminClientConfig.CLIENT_ID_CONFIG, "edgesync-health"));
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
