package io.edgesync.protocol.zumo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The query id of a ZUMO incremental pull. The clients keep a watermark per query id but never send the id; the gateway
 * identifies a query by its filter with the watermark literal taken out.
 */
final class PullQueries {

    private static final Pattern DATE_LITERAL = Pattern.compile(
            "(?:datetimeoffset|datetime)'[^']*'"
                    + "|cast\\([^,()]*,\\s*Edm\\.DateTimeOffset\\)"
                    + "|\\d{4}-\\d\\d-\\d\\dT[0-9:.]+(?:Z|[+ -]\\d\\d:\\d\\d)");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final int MAX_LENGTH = 200;

    private PullQueries() {
    }

    static String queryId(String filter) {
        String id = WHITESPACE.matcher(DATE_LITERAL.matcher(filter).replaceAll("?")).replaceAll(" ").trim();
        if (id.length() <= MAX_LENGTH) {
            return id;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
