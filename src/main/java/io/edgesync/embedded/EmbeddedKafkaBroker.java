package io.edgesync.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.jboss.logging.Logger;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one node), built from Kafka's own
 * server classes and listening on loopback. Its log directory survives restarts.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final KafkaRaftServer server;
    private final int port;
    private final Path logDirectory;

    private EmbeddedKafkaBroker(KafkaRaftServer server, int port, Path logDirectory) {
        this.server = server;
        this.port = port;
        this.logDirectory = logDirectory;
    }

    /**
     * Formats {@code logDirectory} on first use and starts the broker on {@code preferredPort} (a free port when it is
     * taken or 0).
     *
     * @param overrides extra broker properties, applied last
     */
    public static EmbeddedKafkaBroker start(Path logDirectory, int preferredPort, Map<String, String> overrides)
            throws IOException {
        Files.createDirectories(logDirectory);
        int port = Ports.preferredOrFree(preferredPort);
        int controllerPort = Ports.freePortOtherThan(port);
        Properties props = brokerProperties(logDirectory, port, controllerPort);
        props.putAll(overrides);
        KafkaConfig config = KafkaConfig.fromProps(props, false);
        if (!Files.exists(logDirectory.resolve("meta.properties"))) {
            format(config, logDirectory);
        }
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        LOG.debugf("Embedded Kafka broker started on 127.0.0.1:%d (controller %d), logs in %s", port, controllerPort,
                logDirectory);
        return new EmbeddedKafkaBroker(server, port, logDirectory);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path logDirectory() {
        return logDirectory;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    static Properties brokerProperties(Path logDirectory, int port, int controllerPort) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + "," + CONTROLLER_LISTENER + "://127.0.0.1:"
                + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("log.dirs", logDirectory.toAbsolutePath().toString());
        // A single node: every internal topic has one replica, or consumer groups and transactions never work.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "10");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("num.partitions", "1");
        props.put("auto.create.topics.enable", "true");
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        props.put("log.cleaner.threads", "1");
        // After an unclean stop the controller waits for the old broker session to expire before the restarted
        // broker may register; keep that short on a single node.
        props.put("broker.heartbeat.interval.ms", "500");
        props.put("broker.session.timeout.ms", "2000");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        return props;
    }

    private static void format(KafkaConfig config, Path logDirectory) throws IOException {
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(quiet)
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .addDirectory(logDirectory.toAbsolutePath().toString())
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("Could not format the Kafka log directory " + logDirectory, e);
        }
    }
}
