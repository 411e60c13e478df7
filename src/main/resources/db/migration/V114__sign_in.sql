-- Sign-in (/.auth/login/{provider}): the keys that sign the gateway's session tokens, shared by the replicas of an edge
-- and rotated without logging anyone out, and the sessions a sign-in opens (what /.auth/me shows, what /.auth/refresh
-- renews, what /.auth/logout ends). The provider's own tokens are kept only where a refresh needs them.
CREATE TABLE auth_signing_key (
    kid         text        PRIMARY KEY,
    private_key text        NOT NULL,
    public_key  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth_session (
    session_id          text        PRIMARY KEY,
    provider            text        NOT NULL,
    user_id             text        NOT NULL,
    roles               text[]      NOT NULL,
    claims              jsonb       NOT NULL,
    refresh_token       text,
    provider_expires_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    refreshed_at        timestamptz NOT NULL DEFAULT now(),
    ended_at            timestamptz
);

CREATE INDEX auth_session_ended ON auth_session (ended_at) WHERE ended_at IS NOT NULL;
