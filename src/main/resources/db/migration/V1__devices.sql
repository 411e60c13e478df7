-- Devices known to an edge: one row per app installation (X-ZUMO-INSTALLATION-ID or native device id).
CREATE TABLE device (
    id             VARCHAR(128) PRIMARY KEY,
    first_seen     TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    last_seen      TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    client_version VARCHAR(255)
);
