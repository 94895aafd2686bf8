-- calltriage PrivateServer lab: the appliance's read-only views, the only objects calltriage's
-- read-only user may SELECT. Documented columns first (as the appliance documents them), then
-- the lab's extra columns (docs/backends.md: column mapping).

CREATE VIEW V_SIP_SESSION AS
SELECT id, date_created, event_type, username, useragent, remoteaddr, tlscipher, details
  FROM ps_sip_session;

CREATE VIEW V_AUTH_EVENT AS
SELECT id, date_created, event_type, ip_address, principal, details
  FROM ps_auth_event;

CREATE VIEW V_AUDIT_EVENT AS
SELECT id, date_created, event_type, actor, class_name, object_id, details
  FROM ps_audit_event;

-- one row per call attempt that reached routing: answered calls from acc (duration from their
-- BYE), failed ones from missed_calls. src = the caller's (first) virtual number.
CREATE VIEW V_CDR AS
SELECT i.id * 2 AS id,
       CAST(i.time AS DATETIME(6)) + INTERVAL COALESCE(i.time_us, 0) MICROSECOND AS calldate,
       COALESCE((SELECT d.alias_username FROM dbaliases d WHERE d.username = i.src_user
                  ORDER BY d.id LIMIT 1), i.src_user) AS src,
       i.user_agent AS src_user_agent,
       i.dst_ouser AS dst,
       CONCAT('SIP/', i.src_user) AS channel,
       CONCAT('SIP/', i.dst_user) AS dstchannel,
       'ANSWERED' AS disposition,
       COALESCE(TIMESTAMPDIFF(SECOND, i.time,
                (SELECT MIN(b.time) FROM acc b WHERE b.callid = i.callid AND b.method = 'BYE')), 0) AS duration,
       COALESCE(TIMESTAMPDIFF(SECOND, i.time,
                (SELECT MIN(b.time) FROM acc b WHERE b.callid = i.callid AND b.method = 'BYE')), 0) AS billsec,
       CAST(i.sip_code AS UNSIGNED) AS hangupcause,
       i.sip_reason AS hangupreason,
       i.callid AS uniqueid
  FROM acc i
 WHERE i.method = 'INVITE'
UNION ALL
SELECT m.id * 2 + 1 AS id,
       CAST(m.time AS DATETIME(6)) + INTERVAL COALESCE(m.time_us, 0) MICROSECOND AS calldate,
       COALESCE((SELECT d.alias_username FROM dbaliases d WHERE d.username = m.src_user
                  ORDER BY d.id LIMIT 1), m.src_user) AS src,
       m.user_agent AS src_user_agent,
       m.dst_ouser AS dst,
       CONCAT('SIP/', m.src_user) AS channel,
       CASE WHEN m.dst_user IS NULL THEN NULL ELSE CONCAT('SIP/', m.dst_user) END AS dstchannel,
       CASE WHEN m.sip_code IN ('486', '600', '603') THEN 'BUSY'
            WHEN m.sip_code IN ('408', '487') THEN 'NO_ANSWER'
            ELSE 'FAILED' END AS disposition,
       0 AS duration,
       0 AS billsec,
       CAST(m.sip_code AS UNSIGNED) AS hangupcause,
       m.sip_reason AS hangupreason,
       m.callid AS uniqueid
  FROM missed_calls m
 WHERE m.method = 'INVITE';

-- the accounts and their numbers (one row per account and number, in routing order); the
-- privateserver backend reads it through its configurable accounts query
CREATE VIEW V_SIP_ACCOUNT AS
SELECT a.id, a.username, a.owner, d.alias_username AS number, d.id AS route_order,
       a.edition, a.transport, a.port, a.disabled
  FROM ps_account a
  LEFT JOIN dbaliases d ON d.username = a.username;
