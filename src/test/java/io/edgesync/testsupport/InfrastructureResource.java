package io.edgesync.testsupport;

import java.util.HashMap;
import java.util.Map;

import io.edgesync.security.DevKeys;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives a {@code @QuarkusTest} application the run's real PostgreSQL (through a {@link TcpProxy}, so a test can cut the
 * database off) and the real Kafka broker.
 */
public class InfrastructureResource implements QuarkusTestResourceLifecycleManager {

    public static final String DATABASE = "edgesync_test";

    private static TcpProxy databaseProxy;

    @Override
    public Map<String, String> start() {
        TestInfrastructure.ensureStarted();
        TestInfrastructure.createDatabase(DATABASE);
        synchronized (InfrastructureResource.class) {
            if (databaseProxy == null) {
                databaseProxy = TcpProxy.start("127.0.0.1", TestInfrastructure.postgresPort());
            }
        }
        String hostPort = "127.0.0.1:" + databaseProxy.port() + "/" + DATABASE;
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.reactive.url", "postgresql://" + hostPort);
        config.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://" + hostPort);
        config.put("quarkus.datasource.username", "postgres");
        config.put("kafka.bootstrap.servers", TestInfrastructure.kafkaBootstrapServers());
        // Tokens of the tests are signed and verified with a key pair of the test run (TestTokens mints them).
        config.putAll(DevKeys.ensureKeys(TestInfrastructure.keyDirectory()));
        return config;
    }

    @Override
    public void stop() {
        // The servers live for the whole test run; the JVM's shutdown hook stops them.
    }

    /** The proxy between the application and PostgreSQL. */
    public static TcpProxy databaseProxy() {
        return databaseProxy;
    }
}
