"""A small SIP user agent: OPTIONS, REGISTER check, test call (UAC) and auto-answer (UAS).

The agent always sends to one server (outbound proxy); the R-URI says where the request
goes beyond it. Every operation takes a timeout in seconds and never waits longer: a server
that accepts TLS but never answers would otherwise hold a client for Timer B/F (32 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import ssl
import time
from dataclasses import dataclass, field

from calltriage.sip.digest import Challenge, authorization, parse_challenge
from calltriage.sip.errors import FailureKind, SipParseError, SipTransportError
from calltriage.sip.message import (
    Request,
    Response,
    new_branch,
    new_call_id,
    new_tag,
    parse_name_addr,
)
from calltriage.sip.transaction import ClientTransaction, build_response
from calltriage.sip.transport import Address, Endpoint, Flow, open_flow

USER_AGENT = "calltriage-probe/0.1"
ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS"


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    # Held as plain text only for the digest computation; never shown in reprs.
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class OptionsResult:
    code: int
    reason: str
    rtt: float
    server: str | None = None  # Server or User-Agent header of whoever answered


@dataclass(frozen=True, slots=True)
class RegisterResult:
    code: int
    reason: str
    elapsed: float
    challenged: bool = False
    expires: int | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300


@dataclass(slots=True)
class CallResult:
    code: int | None = None  # final response to the INVITE (None: none arrived)
    reason: str = ""
    provisional: list[int] = field(default_factory=list)
    answered: bool = False
    cancelled: bool = False
    timed_out: bool = False
    challenged: bool = False
    setup_time: float | None = None  # INVITE sent -> final response
    bye_code: int | None = None
    elapsed: float = 0.0
    remote_agent: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "reason": self.reason,
            "provisional": self.provisional,
            "answered": self.answered,
            "cancelled": self.cancelled,
            "timed_out": self.timed_out,
            "challenged": self.challenged,
            "setup_time": None if self.setup_time is None else round(self.setup_time, 4),
            "bye_code": self.bye_code,
            "elapsed": round(self.elapsed, 4),
            "remote_agent": self.remote_agent,
        }


@dataclass(slots=True)
class IncomingCall:
    call_id: str
    caller: str
    answered: bool = False
    acked: bool = False
    ended: bool = False
    cancelled: bool = False
    last_response: bytes = b""
    last_addr: Address | None = None
    to_tag: str = field(default_factory=new_tag)


def sdp_offer(ip: str) -> bytes:
    """A minimal SDP: one inactive audio stream on the discard port. The probe needs the
    signalling outcome, not media, and an inactive stream makes no peer send RTP to us."""
    sess = str(secrets.randbelow(10**9))
    return (
        f"v=0\r\no=calltriage {sess} {sess} IN IP4 {ip}\r\ns=calltriage\r\nc=IN IP4 {ip}\r\n"
        "t=0 0\r\nm=audio 9 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=inactive\r\n"
    ).encode()


class UserAgent:
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

    def _reply(self, flow: Flow, addr: Address, resp: Response) -> bytes:
        data = resp.to_bytes()
        with contextlib.suppress(SipTransportError):
            flow.send(data, addr)
        return data

    def _on_request(self, req: Request, flow: Flow, addr: Address) -> None:
        ua = [("Server", self.user_agent)]
        if req.method == "OPTIONS":
            self._reply(flow, addr, build_response(req, 200, "OK", to_tag=new_tag(), extra=[("Allow", ALLOW), *ua]))
        elif req.method == "INVITE":
            self._on_invite(req, flow, addr)
        elif req.method == "ACK":
            call = self.incoming.get(req.call_id)
            if call is not None:
                call.acked = True
                self._notify(call)
        elif req.method == "BYE":
            call = self.incoming.get(req.call_id)
            self._reply(
                flow,
                addr,
                build_response(
                    req,
                    200 if call else 481,
                    "OK" if call else "Call/Transaction Does Not Exist",
                    to_tag=new_tag(),
                ),
            )
            if call is not None:
                call.ended = True
                self._notify(call)
        elif req.method == "CANCEL":
            call = self.incoming.get(req.call_id)
            self._reply(
                flow,
                addr,
                build_response(
                    req,
                    200 if call else 481,
                    "OK" if call else "Call/Transaction Does Not Exist",
                    to_tag=new_tag(),
                ),
            )
            if call is not None and not call.answered:
                call.cancelled = True
                self._notify(call)
        else:
            self._reply(flow, addr, build_response(req, 501, "Not Implemented", to_tag=new_tag(), extra=ua))

    def _on_invite(self, req: Request, flow: Flow, addr: Address) -> None:
        call = self.incoming.get(req.call_id)
        if call is not None and call.last_response:
            with contextlib.suppress(SipTransportError):
                flow.send(call.last_response, addr)  # retransmitted INVITE: repeat our answer
            return
        call = IncomingCall(call_id=req.call_id, caller=parse_name_addr(req.get("From") or "<>").uri)
        self.incoming[req.call_id] = call
        ua = [("Server", self.user_agent)]
        if not self.auto_answer:
            call.last_response = self._reply(
                flow, addr, build_response(req, 486, "Busy Here", to_tag=call.to_tag, extra=ua)
            )
            self._notify(call)
            return
        self._reply(
            flow,
            addr,
            build_response(req, 180, "Ringing", to_tag=call.to_tag, extra=[("Contact", self._contact(flow)), *ua]),
        )
        ok = build_response(
            req,
            200,
            "OK",
            to_tag=call.to_tag,
            extra=[
                ("Contact", self._contact(flow)),
                ("Allow", ALLOW),
                ("Content-Type", "application/sdp"),
                *ua,
            ],
            body=sdp_offer(flow.local[0]),
        )
        call.answered = True
        call.last_response = self._reply(flow, addr, ok)
        call.last_addr = addr
        self._notify(call)
        if flow.transport == "udp":
            # §13.3.1.4 Timer G: repeat the 2xx until the ACK arrives.
            asyncio.get_running_loop().create_task(self._retransmit_2xx(call, flow, addr))

    async def _retransmit_2xx(self, call: IncomingCall, flow: Flow, addr: Address) -> None:
        interval = 0.5
        for _ in range(6):
            await asyncio.sleep(interval)
            if call.acked or call.ended or flow.closed:
                return
            with contextlib.suppress(SipTransportError):
                flow.send(call.last_response, addr)
            interval = min(interval * 2, 4.0)

    def _notify(self, call: IncomingCall) -> None:
        if self.call_events is not None:
            self.call_events.put_nowait(call)

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

    async def call(
        self,
        target: str,
        *,
        timeout: float,
        answer_timeout: float | None = None,
        hold: float = 0.0,
    ) -> CallResult:
        """Place a test call to ``target`` (user, number or SIP URI) and hang up.

        ``answer_timeout`` bounds the wait for a final answer (default: 70 % of ``timeout``);
        then the call is CANCELled. The remaining time is for ACK/CANCEL/BYE clean-up.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        end = started + timeout
        flow = await self.connect(timeout)
        ring_end = started + (answer_timeout if answer_timeout is not None else timeout * 0.7)
        ring_end = min(ring_end, end)
        uri = target if target.startswith(("sip:", "sips:")) else f"sip:{target}@{self.domain}"
        result = CallResult()
        call_id, from_tag, cseq = new_call_id(), new_tag(), secrets.randbelow(10_000) + 1
        extra = [("Contact", self._contact(flow)), ("Allow", ALLOW), ("Content-Type", "application/sdp")]
        req = self._request(
            flow,
            "INVITE",
            uri,
            to=f"<{uri}>",
            from_tag=from_tag,
            call_id=call_id,
            cseq=cseq,
            extra=extra,
            body=sdp_offer(flow.local[0]),
        )
        tx = self._send(flow, req)
        t0 = loop.time()
        try:
            final = await self._await_invite(tx, result, ring_end)
            if final is not None and final.status in (401, 407) and not result.challenged:
                result.challenged = True
                retry = self._authorize(req, final)
                if retry is not None:
                    self._end(tx)
                    req = retry
                    tx = self._send(flow, req)
                    final = await self._await_invite(tx, result, ring_end)
            if final is None:
                final = await self._cancel(flow, tx, result, end)
            if final is not None:
                result.code, result.reason = final.status, final.reason
                result.setup_time = loop.time() - t0
                result.remote_agent = final.get("Server") or final.get("User-Agent")
                if 200 <= final.status < 300:
                    result.answered = True
                    await self._confirm_and_hang_up(flow, tx, req, final, result, hold, end)
        except SipTransportError:
            raise
        finally:
            self._end(tx)
            result.elapsed = loop.time() - started
        return result

    async def _await_invite(self, tx: ClientTransaction, result: CallResult, until: float) -> Response | None:
        while True:
            try:
                resp = await tx.next_response(until)
            except TimeoutError:
                return None
            if resp.provisional:
                result.provisional.append(resp.status)
                continue
            return resp

    async def _cancel(self, flow: Flow, tx: ClientTransaction, result: CallResult, end: float) -> Response | None:
        result.timed_out = True
        if not tx.provisional:
            # §9.1: a CANCEL before any provisional may cross the INVITE; with nothing heard
            # the server is silent anyway, so give up.
            return None
        inv = tx.request
        headers = [("Via", inv.get_all("Via")[0])]
        headers += [("Route", r) for r in inv.get_all("Route")]
        headers += [
            ("Max-Forwards", "70"),
            ("From", inv.get("From") or ""),
            ("To", inv.get("To") or ""),
            ("Call-ID", inv.call_id),
            ("CSeq", f"{inv.cseq[0]} CANCEL"),
            ("User-Agent", self.user_agent),
        ]
        cancel = Request(method="CANCEL", uri=inv.uri, headers=headers)
        ctx = self._send(flow, cancel)
        result.cancelled = True
        try:
            with contextlib.suppress(TimeoutError):
                await ctx.wait_final(end)
            # The INVITE now ends with 487 (ACKed by the transaction) - or a 200 that crossed.
            with contextlib.suppress(TimeoutError):
                return await tx.wait_final(end)
            return None
        finally:
            self._end(ctx)

    async def _confirm_and_hang_up(
        self,
        flow: Flow,
        tx: ClientTransaction,
        inv: Request,
        ok: Response,
        result: CallResult,
        hold: float,
        end: float,
    ) -> None:
        # §13.2.2.4 / §12.2.1.1: ACK and BYE are new transactions inside the dialog: R-URI =
        # the callee's Contact, Route = Record-Route reversed, To with the callee's tag.
        contact = ok.get("Contact")
        remote_target = parse_name_addr(contact).uri if contact else inv.uri
        routes = list(reversed(ok.get_all("Record-Route")))
        to = ok.get("To") or ""
        num = inv.cseq[0]
        base = [("Route", r) for r in routes]
        ack = Request(
            method="ACK",
            uri=remote_target,
            headers=[
                ("Via", self._via(flow)),
                *base,
                ("Max-Forwards", "70"),
                ("From", inv.get("From") or ""),
                ("To", to),
                ("Call-ID", inv.call_id),
                ("CSeq", f"{num} ACK"),
                ("User-Agent", self.user_agent),
            ],
        )
        tx.ack_bytes = ack.to_bytes()
        flow.send(tx.ack_bytes, None if flow.transport != "udp" else flow.remote)
        loop = asyncio.get_running_loop()
        if hold > 0:
            await asyncio.sleep(max(0.0, min(hold, end - loop.time() - 0.2)))
        bye = Request(
            method="BYE",
            uri=remote_target,
            headers=[
                ("Via", self._via(flow)),
                *base,
                ("Max-Forwards", "70"),
                ("From", inv.get("From") or ""),
                ("To", to),
                ("Call-ID", inv.call_id),
                ("CSeq", f"{num + 1} BYE"),
                ("User-Agent", self.user_agent),
            ],
        )
        btx = self._send(flow, bye)
        try:
            resp = await btx.wait_final(max(end, loop.time() + 0.5))
            result.bye_code = resp.status
        except TimeoutError:
            result.bye_code = None
        finally:
            self._end(btx)
