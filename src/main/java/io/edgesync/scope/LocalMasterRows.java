package io.edgesync.scope;

import java.util.List;

import io.smallrye.mutiny.Uni;

/**
 * Central's rows read in this process, without HTTP: what an edge fills its scopes from in role {@code all} when no
 * {@code edgesync.edge.central.url} is set. The central role provides it.
 */
public interface LocalMasterRows extends MasterRowsSource {

    /** The names of the tables central holds rows of. */
    Uni<List<String>> tables();
}
