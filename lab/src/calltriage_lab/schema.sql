-- calltriage lab: SQLite schema of the lab's "PrivateServer" database (one file, lab.sqlite).
--
-- Kamailio's own tables (version, subscriber, dbaliases, acc) keep the column names and the
-- `version` rows of Debian's /usr/share/kamailio/db_sqlite/*-create.sql (Kamailio 5.6.3 checks
-- those rows at start-up). The lab adds extra columns to `acc` (filled through acc's db_extra)
-- and its own `provisioning` table (the accounts DB of the PrivateServer).
-- Documented column by column in docs/lab.md; the SQL probes depend on it: keep it stable.

-- standard-create.sql
CREATE TABLE version (
    id INTEGER PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);
INSERT INTO version (table_name, table_version) VALUES ('version', '1');

-- auth_db-create.sql: SIP digest credentials (plaintext password, auth_db calculate_ha1=yes)
CREATE TABLE subscriber (
    id INTEGER PRIMARY KEY NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL,
    password VARCHAR(64) DEFAULT '' NOT NULL,
    ha1 VARCHAR(128) DEFAULT '' NOT NULL,
    ha1b VARCHAR(128) DEFAULT '' NOT NULL,
    CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
);
CREATE INDEX subscriber_username_idx ON subscriber (username);
INSERT INTO version (table_name, table_version) VALUES ('subscriber', '7');

-- alias_db-create.sql: virtual numbers. No UNIQUE on the alias on purpose: a number assigned
-- twice is one of the faults the lab reproduces (Kamailio then routes to the first row only).
CREATE TABLE dbaliases (
    id INTEGER PRIMARY KEY NOT NULL,
    alias_username VARCHAR(64) DEFAULT '' NOT NULL,
    alias_domain VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL
);
CREATE INDEX dbaliases_alias_user_idx ON dbaliases (alias_username);
CREATE INDEX dbaliases_alias_idx ON dbaliases (alias_username, alias_domain);
CREATE INDEX dbaliases_target_idx ON dbaliases (username, domain);
INSERT INTO version (table_name, table_version) VALUES ('dbaliases', '1');

-- acc-create.sql + lab columns: one row per INVITE attempt (final reply, failures included)
-- and per REGISTER outcome (200, wrong password, disabled account...). Written by Kamailio.
CREATE TABLE acc (
    id INTEGER PRIMARY KEY NOT NULL,
    method VARCHAR(16) DEFAULT '' NOT NULL,
    -- from_tag/to_tag are NULL when absent (acc_extra_nullable=1 also applies to them): to_tag
    -- is NULL when the proxy answered itself (404, 480, 401...)
    from_tag VARCHAR(128),
    to_tag VARCHAR(128),
    callid VARCHAR(255) DEFAULT '' NOT NULL,
    sip_code VARCHAR(3) DEFAULT '' NOT NULL,
    sip_reason VARCHAR(128) DEFAULT '' NOT NULL,
    time TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    -- lab columns: time_mode=1 (time_epoch, time_us) and db_extra (NULL when unknown)
    time_epoch INTEGER,
    time_us INTEGER,
    src_user VARCHAR(64),
    src_domain VARCHAR(128),
    src_ip VARCHAR(64),
    src_port INTEGER,
    proto VARCHAR(8),
    dst_ouser VARCHAR(64),
    dst_user VARCHAR(64),
    dst_domain VARCHAR(128),
    auth_user VARCHAR(64),
    auth_result VARCHAR(32),
    user_agent VARCHAR(255),
    contact VARCHAR(255),
    expires INTEGER
);
CREATE INDEX acc_callid_idx ON acc (callid);
CREATE INDEX acc_src_user_idx ON acc (src_user, time_epoch);
CREATE INDEX acc_dst_idx ON acc (dst_ouser, time_epoch);
INSERT INTO version (table_name, table_version) VALUES ('acc', '5');

-- lab: the PrivateServer's accounts DB (what the app was provisioned with). Kamailio reads
-- `disabled` (a disabled account gets 403 on REGISTER and INVITE); the rest is for probes that
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
