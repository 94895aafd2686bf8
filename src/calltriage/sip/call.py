"""The calling side of the agent (UAC INVITE dialog): digest on 407, provisional and final
responses, CANCEL at the deadline, ACK for 2xx (new transaction) and non-2xx (in the INVITE
transaction), BYE."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import TYPE_CHECKING

from calltriage.sip.errors import SipTransportError
from calltriage.sip.message import Request, Response, new_call_id, new_tag, parse_name_addr
from calltriage.sip.results import CallResult, sdp_offer
from calltriage.sip.transaction import ClientTransaction
from calltriage.sip.transport import Flow
from calltriage.sip.uas import ALLOW


class Calling:
    """Mixed into ``UserAgent``."""

    domain: str
    user_agent: str

    if TYPE_CHECKING:

        async def connect(self, timeout: float) -> Flow: ...
        def _contact(self, flow: Flow) -> str: ...
        def _via(self, flow: Flow, branch: str | None = None) -> str: ...
        def _send(self, flow: Flow, req: Request) -> ClientTransaction: ...
        def _end(self, tx: ClientTransaction) -> None: ...
        def _authorize(self, req: Request, resp: Response) -> Request | None: ...
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
        ) -> Request: ...

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
        def in_dialog(method: str, cseq: int) -> Request:
            return Request(
                method=method,
                uri=remote_target,
                headers=[
                    ("Via", self._via(flow)),
                    *base,
                    ("Max-Forwards", "70"),
                    ("From", inv.get("From") or ""),
                    ("To", to),
                    ("Call-ID", inv.call_id),
                    ("CSeq", f"{cseq} {method}"),
                    ("User-Agent", self.user_agent),
                ],
            )

        ack = in_dialog("ACK", num)
        tx.ack_bytes = ack.to_bytes()
        flow.send(tx.ack_bytes, None if flow.transport != "udp" else flow.remote)
        loop = asyncio.get_running_loop()
        if hold > 0:
            await asyncio.sleep(max(0.0, min(hold, end - loop.time() - 0.2)))
        bye = in_dialog("BYE", num + 1)
        btx = self._send(flow, bye)
        try:
            resp = await btx.wait_final(max(end, loop.time() + 0.5))
            result.bye_code = resp.status
        except TimeoutError:
            result.bye_code = None
        finally:
            self._end(btx)
