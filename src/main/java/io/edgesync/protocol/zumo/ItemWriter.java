package io.edgesync.protocol.zumo;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.cache.ProtocolDates;
import io.edgesync.cache.StoredRecord;
import io.edgesync.cache.TableInfo;
import io.edgesync.odata.ResolvedColumn;

/**
 * Items as clients expect them: every column of the table (nulls included, since clients infer their local schema from
 * rows) plus the five system properties, {@code deleted} included on every table (docs/protocol.md 2.1).
 */
@ApplicationScoped
public class ItemWriter {

    private final ObjectMapper json;

    public ItemWriter(ObjectMapper json) {
        this.json = json;
    }

    /** The full item. */
    public ObjectNode writeItem(TableInfo table, StoredRecord record) {
        ObjectNode item = json.createObjectNode();
        item.put(TableInfo.ID, record.id());
        for (String column : table.columns().keySet()) {
            JsonNode value = record.data().get(column);
            item.set(column, value == null ? NullNode.getInstance() : value);
        }
        // Columns another gateway instance added that this one's metadata does not list yet.
        record.data().properties().forEach(field -> {
            if (!item.has(field.getKey())) {
                item.set(field.getKey(), field.getValue());
            }
        });
        item.put(TableInfo.CREATED_AT, ProtocolDates.format(record.createdAt()));
        item.put(TableInfo.UPDATED_AT, ProtocolDates.format(record.updatedAt()));
        item.put(TableInfo.VERSION, record.version());
        item.put(TableInfo.DELETED, record.deleted());
        return item;
    }

    /** The item, reduced to the selected members when {@code $select} was given. */
    public ObjectNode writeItem(TableInfo table, StoredRecord record, Optional<List<ResolvedColumn>> select) {
        ObjectNode full = writeItem(table, record);
        if (select.isEmpty()) {
            return full;
        }
        ObjectNode selected = json.createObjectNode();
        for (ResolvedColumn column : select.get()) {
            JsonNode value = full.get(column.name());
            selected.set(column.name(), value == null ? NullNode.getInstance() : value);
        }
        return selected;
    }
}
