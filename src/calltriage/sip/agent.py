"""A small SIP user agent: OPTIONS, REGISTER check, test call (UAC) and auto-answer (UAS).

The agent always sends to one server (outbound proxy); the R-URI says where the request
goes beyond it. Every operation takes a timeout in seconds and never waits longer: a server
that accepts TLS but never answers would otherwise hold a client for Timer B/F (32 s).
"""

from __future__ import annotations

import asyncio
import secrets
import ssl
import time

from calltriage.sip.call import Calling
from calltriage.sip.digest import Challenge, authorization, parse_challenge
from calltriage.sip.errors import FailureKind, SipParseError, SipTransportError
from calltriage.sip.message import Request, Response, new_branch, new_call_id, new_tag
from calltriage.sip.results import CallResult, Credentials, IncomingCall, OptionsResult, RegisterResult
from calltriage.sip.transaction import ClientTransaction
from calltriage.sip.transport import Address, Endpoint, Flow, open_flow
from calltriage.sip.uas import ALLOW, Answering

USER_AGENT = "calltriage-probe/0.1"

__all__ = ["USER_AGENT", "CallResult", "Credentials", "OptionsResult", "RegisterResult", "UserAgent"]


class UserAgent(Calling, Answering):
    """One account (or anonymous prober) talking to one SIP server over one flow.

    Keep one agent per server and account: TLS connections are reused between operations
    (each fresh handshake costs ~1.5 ms of server CPU and must be serialized, §1.6).
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        domain: str,
        credentials: Credentials | None = None,
        ssl_context: ssl.SSLContext | None = None,
        handshake_lock: asyncio.Lock | None = None,
        auto_answer: bool = False,
        user_agent: str = USER_AGENT,
        rcvbuf: int | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.domain = domain
        self.credentials = credentials
        self.ssl_context = ssl_context
        self.handshake_lock = handshake_lock
        self.auto_answer = auto_answer
        self.user_agent = user_agent
        self.rcvbuf = rcvbuf
        self.flow: Flow | None = None
        self.incoming: dict[str, IncomingCall] = {}
        self.call_events: asyncio.Queue[IncomingCall] | None = None
        self._txs: dict[tuple[str, str], ClientTransaction] = {}
        self._connecting: asyncio.Lock | None = None
        self._reg_call_id = new_call_id()
        self._reg_cseq = secrets.randbelow(10_000) + 1
        self._reg_tag = new_tag()

    # ----- connection -----

    @property
    def user(self) -> str:
        return self.credentials.username if self.credentials else "calltriage"

    @property
    def aor(self) -> str:
        return f"sip:{self.user}@{self.domain}"

    async def connect(self, timeout: float) -> Flow:
        if self.flow is not None and not self.flow.closed:
            return self.flow
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self.flow is None or self.flow.closed:
                self.flow = await open_flow(
                    self.endpoint,
                    self._on_message,
                    timeout=timeout,
                    ssl_context=self.ssl_context,
                    handshake_lock=self.handshake_lock,
                    rcvbuf=self.rcvbuf,
                )
            return self.flow

    def close(self) -> None:
        for tx in self._txs.values():
            tx.stop()
        self._txs.clear()
        if self.flow is not None:
            self.flow.close()
            self.flow = None

    async def __aenter__(self) -> UserAgent:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def _contact(self, flow: Flow) -> str:
        param = "" if flow.transport == "udp" else f";transport={flow.transport}"
        return f"<sip:{self.user}@{flow.local[0]}:{flow.local[1]}{param}>"

    def _via(self, flow: Flow, branch: str | None = None) -> str:
        host, port = flow.local
        return f"SIP/2.0/{flow.transport.upper()} {host}:{port};branch={branch or new_branch()};rport"

    # ----- inbound -----

    def _on_message(self, msg: Request | Response, flow: Flow, addr: Address) -> None:
        if isinstance(msg, Response):
            via = msg.top_via
            try:
                method = msg.cseq[1]
            except SipParseError:
                return
            tx = self._txs.get((via.branch if via else "", method))
            if tx is not None:
                tx.on_response(msg)
            return
        self._on_request(msg, flow, addr)

    # ----- outbound plumbing -----

    def _request(
        self,
        flow: Flow,
        method: str,
        uri: str,
        *,
        to: str,
        from_tag: str,
        call_id: str,
        cseq: int,
        extra: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        branch: str | None = None,
    ) -> Request:
        headers = [
            ("Via", self._via(flow, branch)),
            ("Max-Forwards", "70"),
            ("From", f"<{self.aor}>;tag={from_tag}"),
            ("To", to),
            ("Call-ID", call_id),
            ("CSeq", f"{cseq} {method}"),
            ("User-Agent", self.user_agent),
        ]
        headers += extra or []
        return Request(method=method, uri=uri, headers=headers, body=body)

    def _send(self, flow: Flow, req: Request) -> ClientTransaction:
        tx = ClientTransaction(flow, req, None if flow.transport != "udp" else flow.remote)
        self._txs[tx.key] = tx
        tx.start()
        return tx

    def _end(self, tx: ClientTransaction) -> None:
        tx.stop()
        self._txs.pop(tx.key, None)

    def _authorize(self, req: Request, resp: Response) -> Request | None:
        """The same request with CSeq+1, a new branch and credentials answering ``resp``."""
        if self.credentials is None:
            return None
        header = "Proxy-Authenticate" if resp.status == 407 else "WWW-Authenticate"
        value = resp.get(header)
        if value is None:
            return None
        try:
            ch: Challenge = parse_challenge(value, proxy=resp.status == 407)
        except SipParseError:
            return None
        num, method = req.cseq
        headers = [(k, v) for k, v in req.headers if k not in ("Via", "CSeq", "Authorization", "Proxy-Authorization")]
        via = req.get_all("Via")[0].split(";branch=")[0] + f";branch={new_branch()};rport"
        headers.insert(0, ("Via", via))
        headers.append(("CSeq", f"{num + 1} {method}"))
        headers.append(
            (
                ch.answer_header,
                authorization(
                    ch,
                    method=method,
                    uri=req.uri,
                    username=self.credentials.username,
                    password=self.credentials.password,
                ),
            )
        )
        return Request(method=method, uri=req.uri, headers=headers, body=req.body)

    async def _transact(self, req: Request, deadline: float) -> tuple[Response, bool]:
        """Send a non-INVITE request, answering at most one digest challenge.

        Returns the final response and whether the server challenged us.
        """
        assert self.flow is not None
        tx = self._send(self.flow, req)
        try:
            resp = await tx.wait_final(deadline)
        finally:
            self._end(tx)
        if resp.status not in (401, 407):
            return resp, False
        retry = self._authorize(req, resp)
        if retry is None:
            return resp, True
        tx = self._send(self.flow, retry)
        try:
            return await tx.wait_final(deadline), True
        finally:
            self._end(tx)

    async def _prepare(self, timeout: float) -> tuple[Flow, float]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        flow = await self.connect(timeout)
        return flow, deadline

    # ----- operations -----

    async def options(self, target: str | None = None, *, timeout: float) -> OptionsResult:
        """OPTIONS to the server itself (``target`` None) or to an AOR/contact through it.

        Raises ``SipTransportError`` (kind TIMEOUT when nothing answered in time).
        """
        flow, deadline = await self._prepare(timeout)
        uri = target or f"sip:{self.endpoint.host}:{self.endpoint.port}" + (
            "" if flow.transport == "udp" else f";transport={flow.transport}"
        )
        req = self._request(
            flow,
            "OPTIONS",
            uri,
            to=f"<{uri}>",
            from_tag=new_tag(),
            call_id=new_call_id(),
            cseq=1,
            extra=[("Accept", "application/sdp"), ("Contact", self._contact(flow))],
        )
        t0 = time.perf_counter()
        try:
            resp, _ = await self._transact(req, deadline)
        except TimeoutError:
            raise SipTransportError(FailureKind.TIMEOUT, f"no answer to OPTIONS {uri} within {timeout:g} s") from None
        return OptionsResult(
            resp.status, resp.reason, time.perf_counter() - t0, resp.get("Server") or resp.get("User-Agent")
        )

    async def register(self, *, timeout: float, expires: int = 60) -> RegisterResult:
        """REGISTER this agent's contact (``expires=0`` removes it). Digest answered once."""
        flow, deadline = await self._prepare(timeout)
        self._reg_cseq += 1
        req = self._request(
            flow,
            "REGISTER",
            f"sip:{self.domain}",
            to=f"<{self.aor}>",
            from_tag=self._reg_tag,
            call_id=self._reg_call_id,
            cseq=self._reg_cseq,
            extra=[("Contact", self._contact(flow)), ("Expires", str(expires)), ("Allow", ALLOW)],
        )
        t0 = time.perf_counter()
        try:
            resp, challenged = await self._transact(req, deadline)
        except TimeoutError:
            raise SipTransportError(FailureKind.TIMEOUT, f"no answer to REGISTER within {timeout:g} s") from None
        if challenged:
            self._reg_cseq += 1
        exp = resp.get("Expires")
        return RegisterResult(
            resp.status,
            resp.reason,
            time.perf_counter() - t0,
            challenged,
            int(exp) if exp and exp.isdigit() else None,
        )
