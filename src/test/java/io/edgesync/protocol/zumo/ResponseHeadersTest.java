package io.edgesync.protocol.zumo;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import io.edgesync.testsupport.InfrastructureResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

import static org.assertj.core.api.Assertions.assertThat;

/** Table-protocol answers as they go over the wire: each header once, in answers and errors of both versions. */
@QuarkusTest
@WithTestResource(InfrastructureResource.class)
class ResponseHeadersTest {

    @Test
    void everyHeaderOfATableAnswerComesOnce() throws Exception {
        // Given a list, a missing row, a bad filter and an unknown table, under both protocol versions
        for (String path : List.of("/tables/todoitem", "/tables/todoitem/no-such-id",
                "/tables/todoitem?$filter=bad%20eq",
                "/tables/no.such")) {
            for (String version : List.of("2.0.0", "3.0.0")) {
                // When each is asked for over a raw socket
                List<String> names = headerNames(path, version);
                // Then every header of the answer comes once, cache-control among them
                assertThat(names).as(version + " " + path).doesNotHaveDuplicates().contains("cache-control");
            }
        }
    }

    /** The header names of the raw answer, lower case, as often as they were sent. */
    private static List<String> headerNames(String path, String version) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nZUMO-API-VERSION: "
                            + version + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String head = answer.substring(0, answer.indexOf("\r\n\r\n"));
            List<String> names = new ArrayList<>();
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && !line.startsWith("HTTP/")) {
                    names.add(line.substring(0, colon).toLowerCase(Locale.ROOT));
                }
            }
            return names;
        }
    }
}
