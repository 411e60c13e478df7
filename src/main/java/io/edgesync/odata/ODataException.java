package io.edgesync.odata;

/**
 * A {@code $filter}, {@code $orderby} or {@code $select} value the gateway does not accept. The message is written for
 * the HTTP client that sent the query: it never names Java types, and positions in it are 1-based character offsets
 * into the (percent-decoded) query option value. Callers answer it with 400.
 */
public final class ODataException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ODataException(String message) {
        super(message);
    }
}
