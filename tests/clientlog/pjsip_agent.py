"""A pjsua2 user agent that writes a real PJSIP log file, one scenario per process.

Run as ``python -m tests.clientlog.pjsip_agent CONFIG_JSON``. pjsua2 allows one Endpoint per
process (lab.md §5.1), so every simulated app runs in its own subprocess; ``run_agent`` starts
one and waits for it. The log is what a PJSIP-based app writes with ``logConfig.level=5``:
timestamped lines and every SIP message between ``.TX``/``.RX`` markers and ``--end msg--``.

Config keys: log, host, port (SIP port for udp/tcp, TLS port for tls), transport, user, password,
domain, ca_file, verify_server, register, reregister (how many times the app registers again
after a failure), reregister_every (seconds between), reg_wait, call (URI), call_wait, linger (keep
answering calls for this long), vanish (exit without un-REGISTER: a stale contact), date (log the
date too, as many apps do).
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def run_agent(config: dict[str, Any], *, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Run one agent scenario in a subprocess; return the finished process (log in config['log'])."""
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-m", "tests.clientlog.pjsip_agent", json.dumps(config)],
        cwd=root, capture_output=True, text=True, timeout=timeout, check=False,
    )


def start_agent(config: dict[str, Any]) -> subprocess.Popen[str]:
    """Start an agent in the background (e.g. a callee that lingers); the caller waits for it."""
    root = Path(__file__).resolve().parents[2]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.clientlog.pjsip_agent", json.dumps(config)],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _main(cfg: dict[str, Any]) -> int:  # pragma: no cover - runs in the subprocess
    import pjsua2 as pj

    ep = pj.Endpoint()
    ep.libCreate()
    ec = pj.EpConfig()
    ec.uaConfig.threadCnt = 0
    ec.uaConfig.mainThreadOnly = True
    ec.uaConfig.userAgent = cfg.get("user_agent", "SecureCall/4.2 (PJSIP 2.15)")
    ec.logConfig.filename = cfg["log"]
    ec.logConfig.level = 5
    ec.logConfig.consoleLevel = 0
    decor = ec.logConfig.decor
    if cfg.get("date"):
        decor |= pj.PJ_LOG_HAS_YEAR | pj.PJ_LOG_HAS_MONTH | pj.PJ_LOG_HAS_DAY_OF_MON
    ec.logConfig.decor = decor
    ec.medConfig.noVad = True
    ep.libInit(ec)
    ep.audDevManager().setNullDev()
    transport = cfg.get("transport", "udp")
    tc = pj.TransportConfig()
    tc.port = 0
    if transport == "tls":
        if cfg.get("ca_file"):
            tc.tlsConfig.CaListFile = cfg["ca_file"]
        tc.tlsConfig.verifyServer = bool(cfg.get("verify_server", True))
        tc.tlsConfig.method = pj.PJSIP_TLSV1_2_METHOD
        ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, tc)
    else:
        ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tc)
        ep.transportCreate(pj.PJSIP_TRANSPORT_TCP, pj.TransportConfig())
    ep.libStart()

    def pump(seconds: float, until: Any = None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if until is not None and until():
                return
            ep.libHandleEvents(10)

    class Call(pj.Call):  # type: ignore[misc]
        def __init__(self, acc: Any, call_id: int = pj.PJSUA_INVALID_ID) -> None:
            super().__init__(acc, call_id)
            self.done = False

        def onCallState(self, prm: Any) -> None:
            if self.getInfo().state == pj.PJSIP_INV_STATE_DISCONNECTED:
                self.done = True

    class Account(pj.Account):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.reg_code = 0
            self.calls: list[Call] = []

        def onRegState(self, prm: Any) -> None:
            self.reg_code = prm.code

        def onIncomingCall(self, prm: Any) -> None:
            c = Call(self, prm.callId)
            self.calls.append(c)
            for code in (180, 200):
                op = pj.CallOpParam()
                op.statusCode = code
                c.answer(op)

    host, port, domain = cfg.get("host", "127.0.0.1"), cfg["port"], cfg.get("domain", "lab.test")
    params = "" if transport == "udp" else f";transport={transport}"
    ac = pj.AccountConfig()
    ac.idUri = f"sip:{cfg['user']}@{domain}"
    register = cfg.get("register", True)
    if register:
        ac.regConfig.registrarUri = f"sip:{host}:{port}{params}"
        ac.regConfig.timeoutSec = 300
        ac.regConfig.retryIntervalSec = 0
    ac.regConfig.registerOnAdd = register
    ac.sipConfig.proxies.append(f"sip:{host}:{port}{params};lr")
    ac.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", cfg["user"], 0, cfg["password"]))
    ac.natConfig.sipOutboundUse = 0
    ac.natConfig.contactRewriteUse = 0
    ac.natConfig.viaRewriteUse = 0
    acc = Account()
    acc.create(ac)
    if register:
        pump(float(cfg.get("reg_wait", 2.0)), until=lambda: acc.reg_code)
        # Apps re-register on their own after a failure (network change, "reconnect" button,
        # a retry timer): that is what makes a registration loop in a real log.
        for _ in range(int(cfg.get("reregister", 0))):
            acc.reg_code = 0
            pump(float(cfg.get("reregister_every", 0.3)))
            acc.setRegistration(True)
            pump(float(cfg.get("reg_wait", 2.0)), until=lambda: acc.reg_code)
    if cfg.get("call"):
        call = Call(acc)
        acc.calls.append(call)
        call.makeCall(cfg["call"], pj.CallOpParam(True))
        pump(float(cfg.get("call_wait", 8.0)), until=lambda: call.done)
        if not call.done:
            call.hangup(pj.CallOpParam(True))
            pump(1.0, until=lambda: call.done)
        del call
    if cfg.get("linger"):
        pump(float(cfg["linger"]))
    if cfg.get("vanish"):
        # The app is killed: no un-REGISTER, the server keeps a stale contact.
        os._exit(0)
    if register and acc.reg_code == 200:
        acc.setRegistration(False)
        pump(0.5)
    ep.hangupAllCalls()
    pump(0.3)
    # pjsua2 asserts if a Call wrapper outlives its call during libDestroy(): drop them first.
    acc.calls.clear()
    gc.collect()
    ep.libDestroy()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main(json.loads(sys.argv[1])))
