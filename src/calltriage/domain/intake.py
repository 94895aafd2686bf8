"""Intake: the complaint matrix (the knowledge base's entry points) and the Kepner–Tregoe record.

An incident starts with its *definition* (the user's own words) and *description*: for WHAT,
WHERE, WHEN and EXTENT what IS observed and what IS NOT (where it works), plus the exact error
message, device, app version and network type. The complaint chosen from the matrix proposes the
entry playbook; the operator confirms it (or picks another).
"""

from __future__ import annotations

from dataclasses import dataclass

DIMENSIONS = ("what", "where", "when", "extent")
NETWORK_TYPES = ("wifi", "mobile", "wired", "other", "unknown")
EDITIONS = ("professional", "enterprise")


@dataclass(frozen=True, slots=True)
class Complaint:
    id: str
    category: str  # the matrix's column
    label: str
    playbook: str  # the entry playbook
    note: str = ""


COMPLAINTS: tuple[Complaint, ...] = (
    # Call performance
    Complaint("cant-call", "call performance", "User can't call", "user-cant-call-professional",
              "the edition decides: Enterprise users go to user-cant-call-enterprise"),
    Complaint("cant-call-professional", "call performance", "User can't call (Professional)",
              "user-cant-call-professional"),
    Complaint("cant-call-enterprise", "call performance", "User can't call (Enterprise)", "user-cant-call-enterprise"),
    Complaint("cant-receive", "call performance", "User can't receive calls", "user-cant-receive-calls"),
    Complaint("bad-quality", "call performance", "Bad call quality", "call-quality"),
    Complaint("call-interrupts", "call performance", "Calls interrupt", "call-quality"),
    # Connection
    Complaint("cant-connect", "connection", "Can't connect to the server", "connection-issues"),
    Complaint("cant-register", "connection", "Can't register to the server", "connection-issues"),
    # Application local issues: the knowledge base has a procedure for "missing" only; its reinstall,
    # reproduction and ad-hoc build steps are the closest for the others (inferred).
    Complaint("app-missing", "application", "Application disappeared / missing", "application-missing"),
    Complaint("app-crashes", "application", "Application doesn't start, crashes, hangs or loops",
              "application-missing", "inferred: the 'Application missing' steps (reinstall, reproduce, ad-hoc build)"),
    # Server problems
    Complaint("server-unreachable", "server", "Server unreachable", "server-incident"),
    Complaint("server-slow", "server", "Server too slow to answer", "server-incident"),
    Complaint("server-login", "server", "Can't log in to the server", "server-incident"),
    Complaint("user-not-found", "server", "Can't find the user / callee on the server", "server-incident"),
)
BY_ID = {c.id: c for c in COMPLAINTS}


def route(complaint: str, edition: str | None = None) -> Complaint:
    """The matrix's entry for ``complaint``; "can't call" follows the edition when it is known."""
    found = BY_ID[complaint]
    if complaint == "cant-call" and edition == "enterprise":
        return BY_ID["cant-call-enterprise"]
    if complaint == "cant-call" and edition == "professional":
        return BY_ID["cant-call-professional"]
    return found
