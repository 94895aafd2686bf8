-- calltriage lab: the SQLite schema of a stock Kamailio 5.x (one file, lab.sqlite).
--
-- Kamailio's own tables with the column names and `version` rows of Debian's
-- /usr/share/kamailio/db_sqlite/*-create.sql (Kamailio 5.6.3 checks those rows at start-up), plus
-- the six extra columns the stock kamailio.cfg's WITH_ACCDB db_extra names (its comments tell the
-- administrator to add them to acc and missed_calls). Nothing here is lab-only: the lab's
-- enrichments are in schema-lab.sql. calltriage's kamailio backend relies on this schema only
-- (docs/backends.md). One relaxation: from_tag/to_tag accept NULL (acc writes NULL for a request
-- without a tag, which only the lab's enrichments account: see schema-lab.sql).

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

-- alias_db-create.sql: virtual numbers. No UNIQUE on the alias (Kamailio has none): a number
-- assigned twice is one of the faults the lab reproduces (Kamailio then routes to the first row).
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

-- acc-create.sql + the stock config's db_extra columns: answered INVITEs (and BYEs)
CREATE TABLE acc (
    id INTEGER PRIMARY KEY NOT NULL,
    method VARCHAR(16) DEFAULT '' NOT NULL,
    from_tag VARCHAR(128) DEFAULT '',
    to_tag VARCHAR(128) DEFAULT '',
    callid VARCHAR(255) DEFAULT '' NOT NULL,
    sip_code VARCHAR(3) DEFAULT '' NOT NULL,
    sip_reason VARCHAR(128) DEFAULT '' NOT NULL,
    time TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    src_user VARCHAR(64) DEFAULT '' NOT NULL,
    src_domain VARCHAR(128) DEFAULT '' NOT NULL,
    src_ip VARCHAR(64) DEFAULT '' NOT NULL,
    dst_ouser VARCHAR(64) DEFAULT '' NOT NULL,
    dst_user VARCHAR(64) DEFAULT '' NOT NULL,
    dst_domain VARCHAR(128) DEFAULT '' NOT NULL
);
CREATE INDEX acc_callid_idx ON acc (callid);
INSERT INTO version (table_name, table_version) VALUES ('acc', '5');

-- missed_calls (acc-create.sql) + the same db_extra columns: failed routed INVITEs
CREATE TABLE missed_calls (
    id INTEGER PRIMARY KEY NOT NULL,
    method VARCHAR(16) DEFAULT '' NOT NULL,
    from_tag VARCHAR(128) DEFAULT '',
    to_tag VARCHAR(128) DEFAULT '',
    callid VARCHAR(255) DEFAULT '' NOT NULL,
    sip_code VARCHAR(3) DEFAULT '' NOT NULL,
    sip_reason VARCHAR(128) DEFAULT '' NOT NULL,
    time TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    src_user VARCHAR(64) DEFAULT '' NOT NULL,
    src_domain VARCHAR(128) DEFAULT '' NOT NULL,
    src_ip VARCHAR(64) DEFAULT '' NOT NULL,
    dst_ouser VARCHAR(64) DEFAULT '' NOT NULL,
    dst_user VARCHAR(64) DEFAULT '' NOT NULL,
    dst_domain VARCHAR(128) DEFAULT '' NOT NULL
);
CREATE INDEX missed_calls_callid_idx ON missed_calls (callid);
INSERT INTO version (table_name, table_version) VALUES ('missed_calls', '4');
