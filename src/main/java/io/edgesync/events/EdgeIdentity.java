package io.edgesync.events;

import java.net.InetAddress;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.edgesync.config.EdgeSyncConfig;

/**
 * This edge site's id ({@code edgesync.edge.id}, default the host name): the source of its CUD events and the suffix of
 * its change-stream consumer group, so several edges (each with its own database) can share one Kafka.
 */
@ApplicationScoped
public class EdgeIdentity {

    private final String edgeId;
    private final String changesGroup;

    public EdgeIdentity(EdgeSyncConfig config) {
        this.edgeId = config.edge()
                .id()
                .map(String::trim)
                .filter(id -> !id.isEmpty())
                .orElseGet(EdgeIdentity::hostName);
        this.changesGroup = config.events().edgeGroupPrefix() + edgeId;
    }

    public String edgeId() {
        return edgeId;
    }

    /** The CloudEvents {@code source} of this edge's events: {@code edgesync://edge/<edge id>}. */
    public String eventSource() {
        return sourceOf(edgeId);
    }

    /** The consumer group in which this edge reads the change stream. */
    public String changesGroup() {
        return changesGroup;
    }

    /** The CloudEvents {@code source} of an edge's events. */
    public static String sourceOf(String edgeId) {
        return "edgesync://edge/" + URLEncoder.encode(edgeId, StandardCharsets.UTF_8);
    }

    /** This process's host name (the pod name in Kubernetes): how central instances name themselves. */
    public static String hostName() {
        Optional<String> fromEnvironment = Optional.ofNullable(System.getenv("HOSTNAME"))
                .map(String::trim)
                .filter(name -> !name.isEmpty());
        if (fromEnvironment.isPresent()) {
            return fromEnvironment.get();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "edge";
        }
    }
}
