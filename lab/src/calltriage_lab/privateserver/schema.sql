-- calltriage PrivateServer lab: the appliance's own tables, next to Kamailio's standard ones
-- (version, subscriber, dbaliases, location, acc, missed_calls: created from Debian's
-- /usr/share/kamailio/mysql/*-create.sql, so they always match the installed Kamailio).
-- Kamailio writes ps_sip_session and ps_auth_event (sqlops); the lab's admin actions write
-- ps_account and ps_audit_event. calltriage never reads these tables: only the views
-- (views.sql) are granted to its read-only user.

-- acc / missed_calls: extra columns filled through acc's db_extra (time_mode=1: time_us)
ALTER TABLE acc
    ADD COLUMN time_epoch INT DEFAULT NULL, ADD COLUMN time_us INT DEFAULT NULL,
    ADD COLUMN src_user VARCHAR(64) DEFAULT NULL, ADD COLUMN src_ip VARCHAR(64) DEFAULT NULL,
    ADD COLUMN src_port INT DEFAULT NULL, ADD COLUMN proto VARCHAR(8) DEFAULT NULL,
    ADD COLUMN dst_ouser VARCHAR(64) DEFAULT NULL, ADD COLUMN dst_user VARCHAR(64) DEFAULT NULL,
    ADD COLUMN user_agent VARCHAR(255) DEFAULT NULL;
ALTER TABLE missed_calls
    ADD COLUMN time_epoch INT DEFAULT NULL, ADD COLUMN time_us INT DEFAULT NULL,
    ADD COLUMN src_user VARCHAR(64) DEFAULT NULL, ADD COLUMN src_ip VARCHAR(64) DEFAULT NULL,
    ADD COLUMN src_port INT DEFAULT NULL, ADD COLUMN proto VARCHAR(8) DEFAULT NULL,
    ADD COLUMN dst_ouser VARCHAR(64) DEFAULT NULL, ADD COLUMN dst_user VARCHAR(64) DEFAULT NULL,
    ADD COLUMN user_agent VARCHAR(255) DEFAULT NULL;
CREATE INDEX acc_src_idx ON acc (src_user, time);
CREATE INDEX missed_src_idx ON missed_calls (src_user, time);

-- the appliance's SIP accounts (what its console manages); numbers live in dbaliases
CREATE TABLE ps_account (
    id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
    username VARCHAR(64) NOT NULL,
    owner VARCHAR(128) DEFAULT '' NOT NULL,
    edition VARCHAR(16) DEFAULT 'professional' NOT NULL,
    transport VARCHAR(8) DEFAULT 'tls' NOT NULL,
    port INT DEFAULT 0 NOT NULL,
    disabled TINYINT DEFAULT 0 NOT NULL,
    date_created DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6) NOT NULL,
    last_updated DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6) NOT NULL,
    CONSTRAINT ps_account_username_idx UNIQUE (username)
);

-- SIP Sessions log: CONNECT / REGISTER / UNREGISTER / DISCONNECT
CREATE TABLE ps_sip_session (
    id BIGINT AUTO_INCREMENT PRIMARY KEY NOT NULL,
    date_created DATETIME(6) NOT NULL,
    event_type VARCHAR(10) NOT NULL,
    username VARCHAR(80) DEFAULT NULL,
    useragent VARCHAR(255) DEFAULT NULL,
    remoteaddr VARCHAR(150) DEFAULT NULL,
    tlscipher VARCHAR(255) DEFAULT NULL,
    details VARCHAR(255) DEFAULT NULL,
    INDEX ps_sip_session_user_idx (username, date_created),
    INDEX ps_sip_session_addr_idx (remoteaddr)
);

-- authentication events: SIP digest failures (and console logins on a real appliance)
CREATE TABLE ps_auth_event (
    id BIGINT AUTO_INCREMENT PRIMARY KEY NOT NULL,
    date_created DATETIME(6) NOT NULL,
    event_type VARCHAR(40) NOT NULL,
    ip_address VARCHAR(64) DEFAULT NULL,
    principal VARCHAR(80) DEFAULT NULL,
    details VARCHAR(255) DEFAULT NULL,
    INDEX ps_auth_event_principal_idx (principal, date_created)
);

-- auditing: configuration changes (written by the lab's admin actions and faults)
CREATE TABLE ps_audit_event (
    id BIGINT AUTO_INCREMENT PRIMARY KEY NOT NULL,
    date_created DATETIME(6) NOT NULL,
    event_type VARCHAR(40) NOT NULL,
    actor VARCHAR(80) NOT NULL,
    class_name VARCHAR(80) NOT NULL,
    object_id BIGINT DEFAULT NULL,
    details VARCHAR(255) DEFAULT NULL
);
