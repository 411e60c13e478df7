package io.edgesync.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import io.edgesync.config.ActiveIn;
import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.edgesync.events.EdgeIdentity;
import io.smallrye.health.SmallRyeHealthReporter;
import io.smallrye.mutiny.Uni;

/** The operator console's overview: the process, its readiness checks, and the activity samples. */
@ApplicationScoped
@ActiveIn(Role.EDGE)
public class OverviewService {

    private final SmallRyeHealthReporter health;
    private final ActivitySampler activity;
    private final EdgeIdentity identity;
    private final EdgeSyncConfig config;

    public OverviewService(SmallRyeHealthReporter health, ActivitySampler activity, EdgeIdentity identity,
            EdgeSyncConfig config) {
        this.health = health;
        this.activity = activity;
        this.identity = identity;
        this.config = config;
    }

    public Uni<AdminOverview> overview() {
        return health.getReadinessAsync().map(readiness -> {
            Instant now = Instant.now();
            return new AdminOverview(config.role().name().toLowerCase(Locale.ROOT), identity.edgeId(),
                    config.security().anonymous(), activity.startedAt(),
                    Duration.between(activity.startedAt(), now).toSeconds(), checks(readiness.getPayload()),
                    (int) ActivitySampler.INTERVAL.toSeconds(), activity.totals(), activity.queues(),
                    activity.samples());
        });
    }

    private static List<AdminOverview.Check> checks(JsonObject payload) {
        List<AdminOverview.Check> checks = new ArrayList<>();
        JsonArray all = payload.getJsonArray("checks");
        if (all != null) {
            for (JsonValue check : all) {
                JsonObject object = check.asJsonObject();
                checks.add(new AdminOverview.Check(object.getString("name", "?"), object.getString("status", "?")));
            }
        }
        return checks;
    }
}
