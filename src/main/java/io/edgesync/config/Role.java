package io.edgesync.config;

/** What one EdgeSync process does; both roles ship in the same application. */
public enum Role {
    /** Edge gateway and central table service in one process (the local default). */
    ALL,
    /** Edge gateway: device protocol, cache, device queues, outbox relay, change-stream consumer. */
    EDGE,
    /** Central table service: consumes CUD events, arbitrates, publishes the change stream. */
    CENTRAL;

    /** Whether a process with this role runs the parts of {@code part}. */
    public boolean includes(Role part) {
        return this == ALL || this == part || part == ALL;
    }
}
