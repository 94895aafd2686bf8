"""The answering side of the agent (UAS): OPTIONS, INVITE (auto-answer with 180 + 200),
ACK, BYE and CANCEL - enough for a service account to be the callee of a test call."""

from __future__ import annotations

import asyncio
import contextlib

from calltriage.sip.errors import SipTransportError
from calltriage.sip.message import Request, Response, new_tag, parse_name_addr
from calltriage.sip.results import IncomingCall, sdp_offer
from calltriage.sip.transaction import build_response
from calltriage.sip.transport import Address, Flow

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS"
MAX_INCOMING = 256  # incoming calls remembered (for retransmissions, ACK and BYE matching)


class Answering:
    """Mixed into ``UserAgent``."""

    auto_answer: bool
    user_agent: str
    incoming: dict[str, IncomingCall]
    call_events: asyncio.Queue[IncomingCall] | None

    def _contact(self, flow: Flow) -> str:
        raise NotImplementedError

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
            call = self._end_dialog(req, flow, addr)
            if call is not None:
                call.ended = True
                self._notify(call)
        elif req.method == "CANCEL":
            call = self._end_dialog(req, flow, addr)
            if call is not None and not call.answered:
                call.cancelled = True
                self._notify(call)
        else:
            self._reply(flow, addr, build_response(req, 501, "Not Implemented", to_tag=new_tag(), extra=ua))

    def _end_dialog(self, req: Request, flow: Flow, addr: Address) -> IncomingCall | None:
        """Answer a BYE or CANCEL: 200 for a call we know, 481 otherwise (RFC 3261 15.1.2, 9.2)."""
        call = self.incoming.get(req.call_id)
        known = call is not None
        reason = "OK" if known else "Call/Transaction Does Not Exist"
        self._reply(flow, addr, build_response(req, 200 if known else 481, reason, to_tag=new_tag()))
        return call

    def _on_invite(self, req: Request, flow: Flow, addr: Address) -> None:
        call = self.incoming.get(req.call_id)
        if call is not None and call.last_response:
            with contextlib.suppress(SipTransportError):
                flow.send(call.last_response, addr)  # retransmitted INVITE: repeat our answer
            return
        call = IncomingCall(call_id=req.call_id, caller=parse_name_addr(req.get("From") or "<>").uri)
        self.incoming[req.call_id] = call
        if len(self.incoming) > MAX_INCOMING:
            # A long-lived service agent answers a test call per check: forget the oldest.
            for old_id in list(self.incoming)[: len(self.incoming) - MAX_INCOMING]:
                del self.incoming[old_id]
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
