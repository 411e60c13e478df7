package io.edgesync.protocol.appservice;

/**
 * The few pages a sign-in in a browser ends on. The popup's page hands the result to the page that opened it with a
 * script of this origin (no inline script: the gateway's Content-Security-Policy allows none).
 */
final class LoginPages {

    static final String DONE = page("Signed in",
            "<p>Sign-in complete. You can close this window and return to the app.</p>", "");

    static final String LOGGED_OUT = page("Signed out", "<p>You have signed out.</p>", "");

    /**
     * Posts the result to the opener, at the allowed origin only, as the Azure browser SDK expects it: a JSON string of
     * {@code {"type":"LoginCompleted","oauth":{...}}} or {@code {..., "error": ...}}.
     */
    static final String POPUP_SCRIPT = """
            (function () {
              var script = document.currentScript;
              var origin = script.getAttribute('data-origin');
              var message = document.getElementById('login-result').textContent;
              if (window.opener && origin) {
                window.opener.postMessage(message, origin);
              }
            })();
            """;

    private LoginPages() {
    }

    /** The popup's page: the result as JSON data, and the script that posts it to {@code origin}. */
    static String popup(String envelopeJson, String origin) {
        String data = envelopeJson.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
        String head = "<script type=\"application/json\" id=\"login-result\">" + data + "</script>"
                + "<script src=\"/.auth/login/complete.js\" data-origin=\"" + escapeAttribute(origin)
                + "\"></script>";
        return page("Signing in", "<p>Signing in. This window closes by itself.</p>", head);
    }

    private static String page(String title, String body, String head) {
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title + "</title>" + head
                + "</head><body>" + body + "</body></html>";
    }

    private static String escapeAttribute(String value) {
        return value.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
