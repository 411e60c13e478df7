package io.edgesync.central;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.UUID;

/** Versions the central service creates (merges): random, in the edges' format (base64 of 16 random bytes). */
final class Versions {

    private Versions() {
    }

    static String random() {
        UUID uuid = UUID.randomUUID();
        ByteBuffer bytes = ByteBuffer.allocate(16);
        bytes.putLong(uuid.getMostSignificantBits());
        bytes.putLong(uuid.getLeastSignificantBits());
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
