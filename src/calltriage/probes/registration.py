"""``registrar.registration``: is the account registered now, from where, with which client?

Not registered but refusing REGISTERs in the last two minutes means the app is trying:
status ``warn`` (the playbook maps it to "connecting")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from calltriage.backends.port import Contact, need
from calltriage.probes.base import ProbeContext
from calltriage.probes.common import FAIL, OK, WARN, BaseProbe, Verdict, account_or_verdict, optional, party_ident
from calltriage.probes.kit import ProbeKit

TRYING_WINDOW = 120.0  # refused REGISTERs this recent mean the app is still trying


def freshest(contacts: Sequence[Contact]) -> Contact:
    """The most recently refreshed contact (then the longest-lived): the app as it is now, not a
    stale connection still listed until it expires."""
    oldest = datetime.min.replace(tzinfo=UTC)
    return max(contacts, key=lambda c: (c.last_modified or oldest, c.expires if c.expires is not None else -1))


class RegistrationProbe(BaseProbe):
    name: ClassVar[str] = "registrar.registration"
    title: ClassVar[str] = "Is the account registered now?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    needs: ClassVar[tuple[str, ...]] = ("registrations",)
    optional: ClassVar[tuple[str, ...]] = ("registration_events",)

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        acct = await account_or_verdict(kit, party_ident(ctx, params, "account", "caller"))
        if isinstance(acct, Verdict):
            return acct
        reg = need(await kit.backend.registrations(acct.username))
        ev: dict[str, Any] = {"account": acct.username, **reg.evidence()}
        if reg.registered:
            c = freshest(reg.contacts)
            more = f" (+{len(reg.contacts) - 1} more contact(s))" if len(reg.contacts) > 1 else ""
            return Verdict(
                OK,
                f"{acct.who} is registered over {str(c.transport).upper()} from {c.source or c.address}, "
                f"client {c.user_agent or 'unknown'}, expires in {c.expires if c.expires is not None else '-'} s"
                f"{more}",
                ev,
            )
        # An app that keeps trying and failing is "connecting", not simply "disconnected".
        recent = datetime.now(UTC) - timedelta(seconds=TRYING_WINDOW)
        events = optional(await kit.backend.registration_events(acct.username, recent))
        refused = [e for e in events.events if e.kind == "refused"] if events else []
        if refused:
            last = refused[-1]
            ev["register_failures"] = [e.evidence() for e in refused]
            why = f" ({last.cause})" if last.cause else ""
            return Verdict(
                WARN,
                f"{acct.who} is not registered: the app is trying, its last REGISTER got "
                f"{last.code} {last.reason}{why}",
                ev,
            )
        if reg.state == "no-contacts":
            return Verdict(FAIL, f"{acct.who} is not registered: the registration expired recently", ev)
        return Verdict(FAIL, f"{acct.who} is not registered (no registration known to the server)", ev)
