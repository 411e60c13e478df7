package io.edgesync.scope;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.smallrye.mutiny.Uni;

/**
 * Where this edge reads central's rows: central's API for edges over HTTP ({@code edgesync.edge.central.url}), or, in
 * role {@code all} without that setting, the central role of this very process.
 */
@ApplicationScoped
public class CentralSource implements MasterRowsSource {

    private final CentralRowsClient http;
    private final Instance<LocalMasterRows> local;
    private final boolean inProcess;

    public CentralSource(EdgeSyncConfig config, CentralRowsClient http, Instance<LocalMasterRows> local) {
        this.http = http;
        this.local = local;
        this.inProcess = config.role() == Role.ALL && config.edge().central().url().isEmpty() && local.isResolvable();
    }

    /** Whether central can be reached at all: in this process, or at a configured URL. */
    public boolean configured() {
        return inProcess || http.configured();
    }

    /** The names of the tables central holds rows of. */
    public Uni<List<String>> tables() {
        return inProcess ? local.get().tables() : http.tables();
    }

    @Override
    public Uni<Page> page(String table, long after, int limit, Query query) {
        return inProcess ? local.get().page(table, after, limit, query) : http.page(table, after, limit, query);
    }
}
