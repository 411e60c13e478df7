package io.edgesync.testsupport;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The test profile (like the local default: development tokens on) with only anonymous access turned off. Test classes
 * that need a gateway asking for tokens share it, so that the application starts once for all of them.
 */
public class AnonymousOff implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("%test.edgesync.security.anonymous", "false");
    }
}
