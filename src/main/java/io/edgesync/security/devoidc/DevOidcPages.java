package io.edgesync.security.devoidc;

import java.util.Map;
import java.util.Optional;

/**
 * The development provider's pages: the sign-in form, and the page of a request it refuses. Plain HTML without script
 * or inline style (the gateway's Content-Security-Policy allows neither); every value from the request is escaped.
 */
final class DevOidcPages {

    private DevOidcPages() {
    }

    /**
     * The sign-in form: a user name and optional roles, with the authorization request carried in hidden fields.
     *
     * @param request the authorization request's parameters, by name
     * @param problem why the previous attempt was refused, if it was
     */
    static String signIn(Map<String, String> request, Optional<String> problem) {
        StringBuilder hidden = new StringBuilder();
        request.forEach((name, value) -> hidden.append("<input type=\"hidden\" name=\"")
                .append(escape(name))
                .append("\" value=\"")
                .append(escape(value))
                .append("\">"));
        String refused = problem.map(text -> "<p><strong>" + escape(text) + "</strong></p>").orElse("");
        return page("Sign in (development)", "<h1>EdgeSync development sign-in</h1>"
                + "<p>This is the gateway's local development provider. It checks no password: whoever uses this"
                + " page signs in as the user named here. It exists only while the gateway runs in anonymous mode"
                + " with development tokens on.</p>"
                + "<p>Application: <code>" + escape(request.getOrDefault("client_id", "")) + "</code></p>" + refused
                + "<form method=\"post\" action=\"/dev/oidc/authorize\">" + hidden
                + "<p><label>User name <input name=\"username\" required maxlength=\"64\""
                + " autocomplete=\"username\" autofocus></label></p>"
                + "<p><label>Roles, comma-separated (optional) <input name=\"roles\" maxlength=\"512\"></label></p>"
                + "<p><button type=\"submit\" name=\"action\" value=\"sign-in\">Sign in</button> "
                + "<button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>Cancel</button></p>"
                + "</form>");
    }

    /** The page of an authorization request that cannot be answered with a redirect. */
    static String refused(String reason) {
        return page("Sign-in refused (development)", "<h1>EdgeSync development sign-in</h1><p>"
                + escape(reason) + "</p>");
    }

    private static String page(String title, String body) {
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title></head><body>" + body + "</body></html>";
    }

    /** Escapes text for HTML content and quoted attribute values. */
    static String escape(String value) {
        return value.replace("&", "&amp;")
                .replace("\"", "&quot;")
                .replace("'", "&#39;")
                .replace("<", "&lt;")
                .replace(">", "&gt;");
    }
}
