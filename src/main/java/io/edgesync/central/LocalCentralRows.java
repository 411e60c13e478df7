package io.edgesync.central;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.odata.ODataLimits;
import io.edgesync.odata.ODataParser;
import io.edgesync.scope.LocalMasterRows;
import io.smallrye.mutiny.Uni;

/** Central's master rows for the edge of the same process (role {@code all}): what its API for edges answers. */
@ApplicationScoped
public class LocalCentralRows implements LocalMasterRows {

    private final MasterRows rows;
    private final ObjectMapper json;
    private final ODataLimits limits;

    public LocalCentralRows(MasterRows rows, ObjectMapper json, EdgeSyncConfig config) {
        this.rows = rows;
        this.json = json;
        this.limits = config.limits().odata();
    }

    @Override
    public Uni<List<String>> tables() {
        return rows.tables();
    }

    @Override
    public Uni<Page> page(String table, long after, int limit, Query query) {
        return rows.page(table, after, limit, query.filter().map(text -> ODataParser.parseFilter(text, limits)),
                query.owner().map(List::of))
                .map(page -> new Page(page.rows()
                        .stream()
                        .map(row -> new MasterRow(row.id(), (ObjectNode) json.valueToTree(row.data()), row.version(),
                                row.deleted(), row.createdAt(), row.updatedAt(), Optional.ofNullable(row.owner()),
                                row.position()))
                        .toList(), page.next()));
    }
}
