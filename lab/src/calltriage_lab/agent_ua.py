"""pjsua2 building blocks of a simulated app user (imported only inside the agent process)."""

from __future__ import annotations

import time
from typing import Any

import pjsua2 as pj

# timestamped lines like a PJSIP app writes them: "2026-11-25 18:01:02.123 pjsua_core.c ..."
LOG_DECOR = (
    pj.PJ_LOG_HAS_YEAR | pj.PJ_LOG_HAS_MONTH | pj.PJ_LOG_HAS_DAY_OF_MON | pj.PJ_LOG_HAS_TIME
    | pj.PJ_LOG_HAS_MICRO_SEC | pj.PJ_LOG_HAS_SENDER | pj.PJ_LOG_HAS_NEWLINE | pj.PJ_LOG_HAS_SPACE
    | pj.PJ_LOG_HAS_THREAD_SWC | pj.PJ_LOG_HAS_INDENT
)


def new_endpoint(log_file: str, user_agent: str, ca_file: str | None, verify: bool) -> pj.Endpoint:
    """The process's only Endpoint, with UDP, TCP and TLS transports on random local ports."""
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.userAgent = user_agent
    cfg.logConfig.level = 5
    cfg.logConfig.consoleLevel = 0  # stdout carries the control protocol
    cfg.logConfig.filename = log_file
    cfg.logConfig.decor = LOG_DECOR
    cfg.logConfig.msgLogging = 1
    cfg.medConfig.noVad = True
    ep.libInit(cfg)
    ep.audDevManager().setNullDev()  # no sound card in CI
    for kind in (pj.PJSIP_TRANSPORT_UDP, pj.PJSIP_TRANSPORT_TCP):
        tc = pj.TransportConfig()
        tc.port = 0
        ep.transportCreate(kind, tc)
    tls = pj.TransportConfig()
    tls.port = 0
    if ca_file:
        tls.tlsConfig.CaListFile = ca_file
    tls.tlsConfig.verifyServer = verify
    # TLS 1.2 as the explicit minimum: pjsua2's default protocol set also allows TLS 1.0/1.1
    # (it registered with a TLS 1.1-only server), the wheel's OpenSSL 1.0.2 has no TLS 1.3
    tls.tlsConfig.method = pj.PJSIP_TLSV1_2_METHOD
    tls.tlsConfig.proto = pj.PJ_SSL_SOCK_PROTO_TLS1_2 | pj.PJ_SSL_SOCK_PROTO_TLS1_3
    ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, tls)
    ep.libStart()
    return ep


class AgentCall(pj.Call):
    def __init__(self, acc: AgentAccount, direction: str, call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(acc, call_id)
        self.acc = acc
        self.direction = direction
        self.state: int | None = None
        self.state_text = ""
        self.code: int | None = None
        self.reason = ""
        self.sip_call_id = ""
        self.remote = ""
        self.t0 = time.monotonic()
        self.events: list[tuple[float, str, int, str]] = []

    def onCallState(self, prm: Any) -> None:
        info = self.getInfo()
        self.state = info.state
        self.state_text = info.stateText
        self.code = info.lastStatusCode
        self.reason = info.lastReason
        self.sip_call_id = info.callIdString
        self.remote = info.remoteUri
        self.events.append((round(time.monotonic() - self.t0, 3), info.stateText, self.code, self.reason))
        self.acc.events.append({"event": "call_state", "direction": self.direction,
                                "state": info.stateText, "code": self.code, "reason": self.reason,
                                "call_id": self.sip_call_id, "remote": self.remote})

    def onCallMediaState(self, prm: Any) -> None:
        pass  # null audio device: nothing to connect

    def confirmed(self) -> bool:
        return self.state == pj.PJSIP_INV_STATE_CONFIRMED

    def disconnected(self) -> bool:
        return self.state == pj.PJSIP_INV_STATE_DISCONNECTED

    def finished(self) -> bool:
        return self.confirmed() or self.disconnected()

    def summary(self) -> dict[str, Any]:
        return {"direction": self.direction, "state": self.state_text, "code": self.code,
                "reason": self.reason, "answered": any(e[1] == "CONFIRMED" for e in self.events),
                "call_id": self.sip_call_id, "remote": self.remote, "events": self.events}


class AgentAccount(pj.Account):
    """The app's SIP account: registers through the server as outbound proxy."""

    def __init__(self, *, user: str, password: str, domain: str, host: str, port: int,
                 transport: str, expires: int, retry_interval: int = 0) -> None:
        super().__init__()
        self.domain = domain
        self.reg_code: int | None = None
        self.reg_reason = ""
        self.reg_expires = 0
        self.answer_mode = "auto"  # auto | ring | reject | ignore
        self.reject_code = 486
        self.calls: list[AgentCall] = []
        self.events: list[dict[str, Any]] = []
        params = "" if transport == "udp" else f";transport={transport}"
        cfg = pj.AccountConfig()
        cfg.idUri = f"sip:{user}@{domain}"
        cfg.regConfig.registrarUri = f"sip:{host}:{port}{params}"
        cfg.regConfig.timeoutSec = expires
        # 0: an app that gave up (tests want the first outcome); N: retry every N s on a new connection
        cfg.regConfig.retryIntervalSec = retry_interval
        cfg.regConfig.firstRetryIntervalSec = retry_interval
        cfg.sipConfig.proxies.append(f"sip:{host}:{port}{params};lr")
        cfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, password))
        cfg.natConfig.sipOutboundUse = 0
        cfg.natConfig.contactRewriteUse = 0
        cfg.natConfig.viaRewriteUse = 0
        cfg.mediaConfig.transportConfig.port = 0
        self.create(cfg)

    def onRegState(self, prm: Any) -> None:
        self.reg_code = prm.code
        self.reg_reason = prm.reason
        self.reg_expires = prm.expiration
        self.events.append({"event": "reg_state", "code": prm.code, "reason": prm.reason,
                            "expires": prm.expiration})

    def onIncomingCall(self, prm: Any) -> None:
        call = AgentCall(self, "in", prm.callId)
        self.calls.append(call)
        self.events.append({"event": "incoming", "mode": self.answer_mode})
        if self.answer_mode == "ignore":
            return
        op = pj.CallOpParam()
        op.statusCode = 180 if self.answer_mode != "reject" else self.reject_code
        call.answer(op)
        if self.answer_mode == "auto":
            op = pj.CallOpParam()
            op.statusCode = 200
            call.answer(op)

    def place_call(self, target: str) -> AgentCall:
        uri = target if target.startswith("sip:") else f"sip:{target}@{self.domain}"
        call = AgentCall(self, "out")
        self.calls.append(call)
        call.makeCall(uri, pj.CallOpParam(True))
        return call

    def active_calls(self) -> list[AgentCall]:
        return [c for c in self.calls if c.state is not None and not c.disconnected()]

    def hangup_all(self) -> int:
        active = self.active_calls()
        for call in active:
            try:
                call.hangup(pj.CallOpParam())
            except pj.Error:
                pass
        return len(active)

    def drain_events(self) -> list[dict[str, Any]]:
        events, self.events = self.events, []
        return events
