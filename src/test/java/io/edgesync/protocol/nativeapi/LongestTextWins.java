package io.edgesync.protocol.nativeapi;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import io.edgesync.conflict.Conflict;
import io.edgesync.conflict.ConflictDecision;
import io.edgesync.conflict.ConflictPolicy;

/** A custom conflict policy for the tests: the side whose {@code text} is longer wins. */
@ApplicationScoped
@Named("longest-text-wins")
public class LongestTextWins implements ConflictPolicy {

    @Override
    public ConflictDecision resolve(Conflict conflict) {
        int client = conflict.clientData().map(data -> data.path("text").asText("").length()).orElse(0);
        int server = conflict.server().data().path("text").asText("").length();
        return client > server ? ConflictDecision.APPLY_CLIENT : ConflictDecision.KEEP_SERVER;
    }
}
