package io.edgesync.conflict;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgesync.testsupport.InfrastructureResource;
import io.edgesync.testsupport.NativePush;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's table of conflict decisions, row by row: device A changes a record first, device B then changes the same
 * record from the same base (or inserts the same id), through the native API and the table protocol; each row says what
 * B is answered and what the record is afterwards. The rows are read from the README, so the table cannot say what the
 * gateway does not do.
 */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ConflictMatrixTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEADING = "| policy | A, then B from the same base | B's native push | B's ZUMO request |"
            + " the record after |";

    /** One README row. */
    record Row(String policy, String pair, String nativeAnswer, String zumoAnswer, String after) {
        @Override
        public String toString() {
            return policy + ": " + pair;
        }
    }

    static Stream<Row> readmeRows() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("README.md"), StandardCharsets.UTF_8);
        int start = lines.indexOf(HEADING);
        assertThat(start).as("the README's conflict table (%s)", HEADING).isNotNegative();
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(start + 2, lines.size())) {
            if (!line.startsWith("|")) {
                break;
            }
            String[] cells = line.substring(1, line.length() - 1).split("\\|");
            rows.add(new Row(strip(cells[0]), strip(cells[1]), strip(cells[2]), strip(cells[3]), strip(cells[4])));
        }
        assertThat(rows).as("every policy x pair").hasSize(16);
        return rows.stream();
    }

    private static String strip(String cell) {
        return cell.strip().replace("`", "");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readmeRows")
    void nativePush(Row row) throws Exception {
        Outcome outcome = run(row, false);
        assertThat(outcome.answer()).as("B's native answer").isEqualTo(row.nativeAnswer());
        assertThat(outcome.after()).as("the record after").isEqualTo(row.after());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readmeRows")
    void zumoRequest(Row row) throws Exception {
        Outcome outcome = run(row, true);
        assertThat(outcome.answer()).as("B's ZUMO answer").isEqualTo(row.zumoAnswer());
        assertThat(outcome.after()).as("the record after").isEqualTo(row.after());
    }

    private record Outcome(String answer, String after) {
    }

    /** A's change (native), then B's from the same base, B through either protocol. */
    private static Outcome run(Row row, boolean zumo) throws Exception {
        String table = "cp_" + switch (row.policy()) {
            case "server-wins" -> "server";
            case "client-wins" -> "client";
            case "last-writer-wins" -> "lww";
            case "merge" -> "merge";
            default -> throw new IllegalArgumentException(row.policy());
        };
        String[] kinds = row.pair().split("/");
        String id = UUID.randomUUID().toString();
        String deviceA = "matrix-a-" + UUID.randomUUID();
        String deviceB = "matrix-b-" + UUID.randomUUID();
        String base = null;
        if (!kinds[0].equals("insert")) {
            base = push(deviceA, op("c", table, "insert", id, "original", null)).at("/results/0/record/version")
                    .asText();
        }
        JsonNode first = push(deviceA, op("a", table, kinds[0], id, "by A", base));
        assertThat(first.at("/results/0/status").asText()).as(first.toString()).isEqualTo("applied");

        String answer;
        if (zumo) {
            answer = Integer.toString(zumo(deviceB, table, kinds[1], id, base).statusCode());
        } else {
            JsonNode result = push(deviceB, op("b", table, kinds[1], id, "by B", base)).at("/results/0");
            answer = result.path("status").asText()
                    + (result.has("conflict") ? " (" + result.path("conflict").asText() + ")" : "");
        }
        Response record = given().header("ZUMO-API-VERSION", "2.0.0")
                .queryParam("__includeDeleted", "true")
                .get("/tables/" + table + "/" + id);
        assertThat(record.statusCode()).as(record.asString()).isEqualTo(200);
        String after = record.jsonPath().getBoolean("deleted") ? "deleted" : record.jsonPath().getString("text");
        return new Outcome(answer, after);
    }

    private static Response zumo(String device, String table, String kind, String id, String base) {
        RequestSpecification request = given().header("ZUMO-API-VERSION", "2.0.0")
                .header("X-ZUMO-INSTALLATION-ID", device)
                .contentType(ContentType.JSON);
        if (base != null) {
            request.header("If-Match", "\"" + base + "\"");
        }
        String body = "{\"id\":\"" + id + "\",\"text\":\"by B\"}";
        return switch (kind) {
            case "insert" -> request.body(body).post("/tables/" + table);
            case "update" -> request.body(body).patch("/tables/" + table + "/" + id);
            case "delete" -> request.delete("/tables/" + table + "/" + id);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static ObjectNode op(String operationId, String table, String kind, String id, String text,
            String baseVersion) {
        return NativePush.operation(operationId, table, kind, id,
                kind.equals("delete") ? null : JSON.createObjectNode().put("text", text), baseVersion)
                // B's change is made after A's (last-writer-wins: B is the later writer)
                .put("clientUpdatedAt", Instant.now().toString());
    }

    private static JsonNode push(String device, ObjectNode operation) throws Exception {
        return NativePush.push(device, JSON.createArrayNode().add(operation));
    }
}
