package io.edgesync.events;

import java.nio.file.Path;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/** The published JSON Schemas of {@code docs/events}, loaded from the repository as a consumer would use them. */
public final class EventSchemas {

    private static final String BASE = "https://edgesync.io/schemas/events/";
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(BASE,
                    Path.of("docs", "events").toAbsolutePath().toUri().toString())));

    public static final JsonSchema CUD_EVENT = FACTORY.getSchema(SchemaLocation.of(BASE + "cud-event.schema.json"));
    public static final JsonSchema CHANGE_EVENT = FACTORY
            .getSchema(SchemaLocation.of(BASE + "change-event.schema.json"));
    public static final JsonSchema CONFLICT_EVENT = FACTORY
            .getSchema(SchemaLocation.of(BASE + "conflict-event.schema.json"));
    public static final JsonSchema HEARTBEAT = FACTORY.getSchema(SchemaLocation.of(BASE + "heartbeat.schema.json"));

    private EventSchemas() {
    }

    /** The schema violations of {@code value}; empty when it is valid. */
    public static Set<ValidationMessage> violations(JsonSchema schema, JsonNode value) {
        return schema.validate(value);
    }
}
