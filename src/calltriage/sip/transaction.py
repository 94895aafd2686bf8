"""Client transactions (RFC 3261 §17.1) and response building for the small UAS side.

Matching is by the top Via branch plus the CSeq method (§17.1.3), so a CANCEL and the
INVITE it cancels (same branch) stay apart. Over UDP requests are retransmitted with
Timer A/E (T1 = 0.5 s doubling, capped at T2 = 4 s for non-INVITE); over TCP/TLS never.
"""

from __future__ import annotations

import asyncio
import contextlib

from calltriage.sip.errors import FailureKind, SipTransportError
from calltriage.sip.message import Request, Response, parse_name_addr
from calltriage.sip.transport import Address, DatagramFlow, Flow

T1 = 0.5
T2 = 4.0


class ClientTransaction:
    def __init__(self, flow: Flow, request: Request, addr: Address | None = None) -> None:
        self.flow = flow
        self.request = request
        self.addr = addr
        via = request.top_via
        self.branch = via.branch if via else ""
        self.method = request.method
        self.responses: asyncio.Queue[Response] = asyncio.Queue()
        self.provisional: list[Response] = []
        self.final: Response | None = None
        self._data = request.to_bytes()
        self._retransmit: asyncio.Task[None] | None = None
        # For INVITE: the ACK we sent for a 2xx, re-sent when the 2xx is retransmitted (§13.2.2.4).
        self.ack_bytes: bytes | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.branch, self.method)

    def start(self) -> None:
        self.flow.send(self._data, self.addr)
        if isinstance(self.flow, DatagramFlow):
            self._retransmit = asyncio.get_running_loop().create_task(self._retransmit_loop())

    async def _retransmit_loop(self) -> None:
        interval = T1
        while self.final is None and not self.flow.closed:
            await asyncio.sleep(interval)
            if self.final is not None:
                return
            if self.method == "INVITE" and self.provisional:
                return  # §17.1.1.2: a provisional stops INVITE retransmissions
            with contextlib.suppress(SipTransportError):
                self.flow.send(self._data, self.addr)
            interval = min(interval * 2, T2) if self.method != "INVITE" else interval * 2

    def on_response(self, resp: Response) -> None:
        if resp.provisional:
            self.provisional.append(resp)
        elif self.final is None:
            self.final = resp
            if self.method == "INVITE" and resp.status >= 300:
                self._ack_non_2xx(resp)
        elif self.method == "INVITE" and resp.status >= 300:
            self._ack_non_2xx(resp)  # retransmitted final: ACK again (§17.1.1.2)
            return
        elif self.method == "INVITE" and 200 <= resp.status < 300 and self.ack_bytes:
            with contextlib.suppress(SipTransportError):
                self.flow.send(self.ack_bytes, self.addr)
            return
        self.responses.put_nowait(resp)

    def _ack_non_2xx(self, resp: Response) -> None:
        # §17.1.1.3: the ACK for a non-2xx final is part of the INVITE transaction: same
        # branch, R-URI, From, Call-ID, CSeq number and Route; To from the response.
        req = self.request
        headers = [("Via", req.get_all("Via")[0])]
        headers += [("Route", r) for r in req.get_all("Route")]
        headers += [
            ("Max-Forwards", "70"),
            ("From", req.get("From") or ""),
            ("To", resp.get("To") or ""),
            ("Call-ID", req.call_id),
            ("CSeq", f"{req.cseq[0]} ACK"),
        ]
        ack = Request(method="ACK", uri=req.uri, headers=headers)
        with contextlib.suppress(SipTransportError):
            self.flow.send(ack.to_bytes(), self.addr)

    async def next_response(self, deadline: float) -> Response:
        """The next response (provisional or final) before the loop-time ``deadline``."""
        loop = asyncio.get_running_loop()
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError
        if self.flow.closed and self.responses.empty():
            raise SipTransportError(FailureKind.CLOSED, self.flow.close_reason or "connection closed")
        getter = asyncio.ensure_future(self.responses.get())
        waiters: set[asyncio.Future[object]] = {getter}  # type: ignore[arg-type]
        lost: asyncio.Future[None] = loop.create_future()
        refusal = _refusal_waiter(self.flow, lost)
        if refusal is not None:
            waiters.add(refusal)  # type: ignore[arg-type]
        try:
            done, _ = await asyncio.wait(waiters, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        finally:
            _forget_waiter(self.flow, lost)
        if getter in done:
            return getter.result()
        getter.cancel()
        if refusal is not None and refusal in done:
            if isinstance(self.flow, DatagramFlow) and self.flow.icmp_refused:
                host, port = self.flow.remote
                raise SipTransportError(
                    FailureKind.REFUSED, f"UDP {host}:{port}: port unreachable (nothing listens there)"
                )
            raise SipTransportError(FailureKind.CLOSED, self.flow.close_reason or "connection closed")
        raise TimeoutError

    async def wait_final(self, deadline: float) -> Response:
        while True:
            resp = await self.next_response(deadline)
            if not resp.provisional:
                return resp

    def stop(self) -> None:
        if self._retransmit is not None:
            self._retransmit.cancel()


def _refusal_waiter(flow: Flow, fut: asyncio.Future[None]) -> asyncio.Future[None] | None:
    if isinstance(flow, DatagramFlow):
        if flow.icmp_refused:
            fut.set_result(None)
        flow.refused_waiters.append(fut)
        return fut
    lost = getattr(flow, "lost_waiters", None)
    if lost is not None:
        if flow.closed:
            fut.set_result(None)
        lost.append(fut)
        return fut
    return None


def _forget_waiter(flow: Flow, fut: asyncio.Future[None]) -> None:
    for attr in ("refused_waiters", "lost_waiters"):
        lst = getattr(flow, attr, None)
        if lst is not None and fut in lst:
            lst.remove(fut)


def build_response(
    req: Request,
    status: int,
    reason: str,
    *,
    to_tag: str | None = None,
    extra: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> Response:
    """A response to ``req`` (§8.2.6): Via, From, Call-ID, CSeq copied; To tagged."""
    headers = [("Via", v) for v in req.get_all("Via")]
    if status > 100 and req.method == "INVITE":
        # §12.1.1: dialog-creating responses copy Record-Route.
        headers += [("Record-Route", r) for r in req.get_all("Record-Route")]
    to = req.get("To") or ""
    if to_tag and status > 100 and parse_name_addr(to).tag is None:
        to = f"{to};tag={to_tag}"
    headers += [
        ("From", req.get("From") or ""),
        ("To", to),
        ("Call-ID", req.call_id),
        ("CSeq", req.get("CSeq") or ""),
    ]
    headers += extra or []
    return Response(status=status, reason=reason, headers=headers, body=body)
