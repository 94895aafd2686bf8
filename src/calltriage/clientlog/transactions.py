"""Rebuild SIP transactions from the messages of a log, and the facts they establish.

A transaction is a request and the responses that share its Call-ID, CSeq number and method
(RFC 3261 §17.1.3 matches on the Via branch; Call-ID + CSeq is equivalent for one client's log
and is what every log format shows). ACKs belong to their INVITE and are not transactions;
a re-sent request with the same key is a retransmission.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from calltriage.clientlog.model import SipMessage

CHALLENGES = (401, 407)


@dataclass(slots=True)
class Transaction:
    method: str
    cseq: int
    call_id: str
    direction: str  # of the request: "TX" the app asked, "RX" the server asked the app
    request_offset: int  # -1 when the request is not in the log (cut off at the start)
    responses: list[tuple[int, int]] = field(default_factory=list)  # (code, offset)
    final: int = 0  # 0: no final response in the log
    final_offset: int = -1
    retransmissions: int = 0
    registered: bool = False  # the app had a working registration when it sent this request
    auth_rejected: bool = False  # challenged again right after sending credentials

    @property
    def offset(self) -> int:
        return self.request_offset if self.request_offset >= 0 else self.final_offset


@dataclass(slots=True)
class Facts:
    """Named lists of evidence offsets; the signature catalogue's rules test their lengths."""

    offsets: dict[str, list[int]] = field(default_factory=dict)

    def add(self, name: str, offset: int) -> None:
        self.offsets.setdefault(name, []).append(offset)

    def count(self, name: str) -> int:
        return len(self.offsets.get(name, ()))


# Fact names this module establishes, with what they mean (documented in docs/clientlog.md).
TRANSACTION_FACTS = {
    "register_ok": "REGISTER answered 200",
    "register_challenged": "REGISTER answered 401/407 (includes the normal first challenge)",
    "auth_rejected": "401/407 again right after the app sent credentials (the retry's CSeq follows the challenged one)",
    "register_forbidden": "REGISTER answered 403",
    "register_timeout": "REGISTER answered 408",
    "register_server_error": "REGISTER answered 5xx by the server",
    "invite_ok": "INVITE answered 200",
    "invite_forbidden": "INVITE answered 403",
    "invite_not_found": "INVITE answered 404/484/604 (no such user or number)",
    "invite_unavailable": "INVITE answered 480 (callee known but not reachable/registered)",
    "invite_timeout_registered": "INVITE answered 408 (or never answered) while the app was registered",
    "invite_busy": "INVITE answered 486/600/603 (busy or declined)",
    "invite_server_error": "INVITE answered 5xx by the server",
    "request_unanswered": "a request the app sent got no final response in the log",
    "options_failed": "OPTIONS answered >= 300 or not at all",
}


def rebuild(messages: Iterable[SipMessage]) -> list[Transaction]:
    """Group messages into transactions, in the order their first message appears."""
    out: list[Transaction] = []
    open_: dict[tuple[str, int, str], Transaction] = {}
    challenged: set[tuple[str, int, str]] = set()
    registered = False
    get = open_.get
    for offset, direction, method, code, cseq, call_id in messages:
        key = (call_id, cseq, method)
        t = get(key)
        if code == 0:
            if method == "ACK" or method == "CANCEL":
                continue
            if t is not None and t.direction == direction and t.request_offset >= 0:
                t.retransmissions += 1
                continue
            t = Transaction(method, cseq, call_id, direction, offset, [], registered=registered)
            open_[key] = t
            out.append(t)
            continue
        if t is None:  # the log starts after the request was sent
            t = Transaction(method, cseq, call_id, "", -1, [], registered=registered)
            open_[key] = t
            out.append(t)
        t.responses.append((code, offset))
        if code >= 200 and t.final == 0:
            t.final, t.final_offset = code, offset
            if code == 401 or code == 407:
                if (call_id, cseq - 1, method) in challenged:
                    t.auth_rejected = True
                challenged.add(key)
            if method == "REGISTER" and t.direction != "RX":
                # 200 to a REGISTER means registered; any other final means not (or no longer).
                if code == 200:
                    registered = True
                elif code not in CHALLENGES or t.auth_rejected:
                    registered = False
    return out


def facts_of(transactions: Iterable[Transaction], facts: Facts) -> None:
    """Add the transaction facts (see TRANSACTION_FACTS) to ``facts``."""
    add = facts.add
    for t in transactions:
        code, method, at = t.final, t.method, t.final_offset
        if code == 200 and method == "REGISTER":
            add("register_ok", at)
            continue
        if code == 200 and method == "INVITE":
            add("invite_ok", at)
            continue
        if code == 0:
            if t.direction == "TX":
                add("request_unanswered", t.request_offset)
                if method == "INVITE" and t.registered:
                    add("invite_timeout_registered", t.request_offset)
                elif method == "OPTIONS":
                    add("options_failed", t.request_offset)
            continue
        if t.auth_rejected:
            add("auth_rejected", at)
        if method == "REGISTER":
            if code in CHALLENGES:
                add("register_challenged", at)
            elif code == 403:
                add("register_forbidden", at)
            elif code == 408:
                add("register_timeout", at)
            elif code >= 500:
                add("register_server_error", at)
        elif method == "INVITE":
            if code == 403:
                add("invite_forbidden", at)
            elif code in (404, 484, 604):
                add("invite_not_found", at)
            elif code == 480:
                add("invite_unavailable", at)
            elif code == 408 and t.registered:
                add("invite_timeout_registered", at)
            elif code in (486, 600, 603):
                add("invite_busy", at)
            elif code >= 500:
                add("invite_server_error", at)
        elif method == "OPTIONS" and code >= 300:
            add("options_failed", at)
