package io.edgesync.security.signin;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.edgesync.config.EdgeSyncConfig;
import io.edgesync.config.Role;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The keys that sign session tokens, kept in the database so that every replica of an edge signs and verifies with the
 * same ones. The newest key signs; a new one is started when it is older than the rotation period; an older key keeps
 * verifying until no token it signed can be used or refreshed any more, so a rotation logs nobody out. Also the set of
 * sessions ended by a sign-out, which verification refuses: both are read every {@link #REFRESH_INTERVAL}, so a request
 * costs no database round trip.
 */
@ApplicationScoped
public class SessionKeys {

    static final Duration REFRESH_INTERVAL = Duration.ofSeconds(15);
    /** An unknown key id reloads the keys at most this often (a token of a key another replica just made). */
    private static final Duration UNKNOWN_KID_RELOAD = Duration.ofSeconds(2);

    /** A key that signs or verifies session tokens. */
    public record SigningKey(String kid, PrivateKey privateKey, RSAPublicKey publicKey, Instant createdAt) {
    }

    private final Pool pool;
    private final Vertx vertx;
    private final EdgeSyncConfig.Auth.Session config;
    private final boolean enabled;
    private final SecureRandom random = new SecureRandom();
    private volatile List<SigningKey> keys = List.of();
    private final Set<String> endedSessions = ConcurrentHashMap.newKeySet();
    private final AtomicLong lastUnknownKidReload = new AtomicLong();
    private long timer = -1;

    public SessionKeys(Pool pool, Vertx vertx, EdgeSyncConfig config) {
        this.pool = pool;
        this.vertx = vertx;
        this.config = config.auth().session();
        this.enabled = config.role().includes(Role.EDGE);
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        reload().subscribe().with(ignored -> {
        }, failure -> Log.debugf("Session keys not loaded yet: %s", failure.getMessage()));
        timer = vertx.setPeriodic(REFRESH_INTERVAL.toMillis(), id -> reload().subscribe().with(ignored -> {
        }, failure -> Log.debugf("Session keys not reloaded: %s", failure.getMessage())));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** How long a key keeps verifying after it stopped signing: the longest a token it signed can still be used. */
    Duration verifyingAfterRotation() {
        return config.lifetime().plus(config.refreshWindow());
    }

    /** The key that signs now: the newest, or a new one when the newest is older than the rotation period. */
    public Uni<SigningKey> signingKey() {
        Optional<SigningKey> current = current(keys);
        if (current.isPresent()) {
            return Uni.createFrom().item(current.get());
        }
        return reload().chain(loaded -> current(loaded).map(key -> Uni.createFrom().item(key))
                .orElseGet(() -> createKey().chain(this::reload)
                        .map(reloaded -> current(reloaded).orElseThrow(
                                () -> new IllegalStateException("A new session signing key was not stored")))));
    }

    /** The verification key of {@code kid}, reloading the keys once when it is not known here yet. */
    public Uni<Optional<SigningKey>> verificationKey(String kid) {
        Optional<SigningKey> known = find(kid);
        if (known.isPresent()) {
            return Uni.createFrom().item(known);
        }
        long now = System.nanoTime();
        long last = lastUnknownKidReload.get();
        if (now - last < UNKNOWN_KID_RELOAD.toNanos() || !lastUnknownKidReload.compareAndSet(last, now)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return reload().map(ignored -> find(kid));
    }

    /** The public keys that verify session tokens now, as a JSON Web Key Set. */
    public Map<String, Object> jwks() {
        Map<String, RSAPublicKey> publicKeys = new LinkedHashMap<>();
        keys.forEach(key -> publicKeys.put(key.kid(), key.publicKey()));
        return Jwks.keySet(publicKeys);
    }

    /** Whether a sign-out ended the session {@code sessionId} (known here within a refresh interval). */
    public boolean ended(String sessionId) {
        return endedSessions.contains(sessionId);
    }

    /** Remembers a session this replica ended, before the next reload would. */
    void markEnded(String sessionId) {
        endedSessions.add(sessionId);
    }

    private Optional<SigningKey> find(String kid) {
        return keys.stream().filter(key -> key.kid().equals(kid)).findFirst();
    }

    private Optional<SigningKey> current(List<SigningKey> list) {
        Instant freshAfter = Instant.now().minus(config.keyRotation());
        return list.stream().filter(key -> key.createdAt().isAfter(freshAfter)).findFirst();
    }

    /** Reads the keys (newest first) and recently ended sessions; drops keys no token can use any more. */
    Uni<List<SigningKey>> reload() {
        Instant keyCutoff = Instant.now().minus(config.keyRotation()).minus(verifyingAfterRotation());
        Instant sessionCutoff = Instant.now().minus(verifyingAfterRotation());
        return pool.preparedQuery("DELETE FROM auth_signing_key WHERE created_at < $1")
                .execute(Tuple.of(keyCutoff.atOffset(java.time.ZoneOffset.UTC)))
                .chain(() -> pool.query("SELECT kid, private_key, public_key, created_at FROM auth_signing_key")
                        .execute())
                .map(rows -> {
                    List<SigningKey> loaded = new ArrayList<>();
                    for (Row row : rows) {
                        loaded.add(decode(row));
                    }
                    loaded.sort(Comparator.comparing(SigningKey::createdAt).reversed());
                    keys = List.copyOf(loaded);
                    return keys;
                })
                .call(() -> pool.preparedQuery("SELECT session_id FROM auth_session WHERE ended_at > $1")
                        .execute(Tuple.of(sessionCutoff.atOffset(java.time.ZoneOffset.UTC)))
                        .invoke(rows -> {
                            Set<String> ended = new HashSet<>();
                            rows.forEach(row -> ended.add(row.getString(0)));
                            endedSessions.retainAll(ended);
                            endedSessions.addAll(ended);
                        }));
    }

    private Uni<Void> createKey() {
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, random);
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            return Uni.createFrom().failure(new IllegalStateException("No RSA key generator", e));
        }
        byte[] id = new byte[12];
        random.nextBytes(id);
        String kid = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        Log.infof("Started a new session signing key %s", kid);
        return pool.preparedQuery("INSERT INTO auth_signing_key (kid, private_key, public_key) VALUES ($1, $2, $3)")
                .execute(Tuple.of(kid, Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()),
                        Base64.getEncoder().encodeToString(pair.getPublic().getEncoded())))
                .replaceWithVoid();
    }

    private static SigningKey decode(Row row) {
        try {
            KeyFactory factory = KeyFactory.getInstance("RSA");
            PrivateKey privateKey = factory
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(row.getString(1))));
            PublicKey publicKey = factory
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(row.getString(2))));
            return new SigningKey(row.getString(0), privateKey, (RSAPublicKey) publicKey,
                    row.getOffsetDateTime(3).toInstant());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Session signing key " + row.getString(0) + " cannot be read", e);
        }
    }
}
