package io.edgesync.protocol.zumo;

import java.util.Optional;
import java.util.regex.Pattern;

/** The two table protocols the gateway speaks (docs/protocol.md 1). */
public enum ProtocolVersion {
    /** Azure Mobile Apps, {@code ZUMO-API-VERSION: 2.0.x}. */
    V2,
    /** Datasync, {@code ZUMO-API-VERSION: 3.0.x} (the default when none is given). */
    V3;

    public static final String HEADER = "ZUMO-API-VERSION";

    private static final Pattern V2_VALUE = Pattern.compile("2\\.0(\\.\\d{1,9})?");
    private static final Pattern V3_VALUE = Pattern.compile("3\\.0(\\.\\d{1,9})?");

    /**
     * Reads the version the gateway rule prescribes (docs/protocol.md 1.2): query parameter (name case-insensitive)
     * first, then the header; missing means v3 unless {@code strict}.
     */
    public static ProtocolVersion detect(Optional<String> queryValue, Optional<String> headerValue, boolean strict) {
        Optional<String> value = queryValue.or(() -> headerValue).map(String::trim);
        if (value.isEmpty()) {
            if (strict) {
                throw TableProtocolException.invalidVersion("this request needs to specify a ZUMO-API-VERSION");
            }
            return V3;
        }
        if (V2_VALUE.matcher(value.get()).matches()) {
            return V2;
        }
        if (V3_VALUE.matcher(value.get()).matches()) {
            return V3;
        }
        throw TableProtocolException.invalidVersion("An invalid API version was specified in the request, this"
                + " request needs to specify a ZUMO-API-VERSION of 2.0.0 or 3.0.0.");
    }
}
