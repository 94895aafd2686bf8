-- calltriage lab: the lab's enrichments over the stock schema (schema.sql), applied when the lab
-- runs with LAB_ENRICHMENTS (the default of `calltriage lab up`). None of it is needed by
-- calltriage: its kamailio backend uses these columns and this table when a server has them and
-- says "cannot tell" (or uses the calltriage config) when it has not (docs/backends.md).

-- acc time_mode=1 (sub-second times) and more db_extra columns, on both accounting tables.
-- NULL when unknown (acc writes NULL for an unset variable).
ALTER TABLE acc ADD COLUMN time_epoch INTEGER;
ALTER TABLE acc ADD COLUMN time_us INTEGER;
ALTER TABLE acc ADD COLUMN src_port INTEGER;
ALTER TABLE acc ADD COLUMN proto VARCHAR(8);
ALTER TABLE acc ADD COLUMN auth_user VARCHAR(64);
-- why the proxy refused a request: bad-password, unknown-user, disabled, db-error ('ok'/'none' else)
ALTER TABLE acc ADD COLUMN auth_result VARCHAR(32);
ALTER TABLE acc ADD COLUMN user_agent VARCHAR(255);
ALTER TABLE acc ADD COLUMN contact VARCHAR(255);
ALTER TABLE acc ADD COLUMN expires INTEGER;
CREATE INDEX acc_src_user_idx ON acc (src_user, time_epoch);
CREATE INDEX acc_dst_idx ON acc (dst_ouser, time_epoch);

ALTER TABLE missed_calls ADD COLUMN time_epoch INTEGER;
ALTER TABLE missed_calls ADD COLUMN time_us INTEGER;
ALTER TABLE missed_calls ADD COLUMN src_port INTEGER;
ALTER TABLE missed_calls ADD COLUMN proto VARCHAR(8);
ALTER TABLE missed_calls ADD COLUMN auth_user VARCHAR(64);
ALTER TABLE missed_calls ADD COLUMN auth_result VARCHAR(32);
ALTER TABLE missed_calls ADD COLUMN user_agent VARCHAR(255);
ALTER TABLE missed_calls ADD COLUMN contact VARCHAR(255);
ALTER TABLE missed_calls ADD COLUMN expires INTEGER;

-- The PrivateServer-like accounts DB (what the app was provisioned with). Kamailio reads
-- `disabled` (a disabled account gets 403 on REGISTER and INVITE); the rest is for checks that
-- compare the app's settings with the provisioning record.
CREATE TABLE provisioning (
    username VARCHAR(64) PRIMARY KEY NOT NULL,
    display_name VARCHAR(128) DEFAULT '' NOT NULL,
    number VARCHAR(32) DEFAULT NULL,
    edition VARCHAR(16) DEFAULT 'professional' NOT NULL
        CHECK (edition IN ('professional', 'enterprise')),
    transport VARCHAR(8) DEFAULT 'tls' NOT NULL CHECK (transport IN ('udp', 'tcp', 'tls')),
    port INTEGER NOT NULL,
    obfuscation_key VARCHAR(128) DEFAULT '' NOT NULL,
    disabled INTEGER DEFAULT 0 NOT NULL CHECK (disabled IN (0, 1)),
    created_at INTEGER DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)) NOT NULL,
    updated_at INTEGER DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)) NOT NULL
);
CREATE INDEX provisioning_number_idx ON provisioning (number);
