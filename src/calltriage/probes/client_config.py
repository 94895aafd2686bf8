"""``directory.client_config``: are the app's settings right, as far as the server can see?

Compares what the server's directory says the app must use with what the server saw:

* unknown user name, or a disabled account -> ``fail``;
* the latest REGISTER outcome of at least the last hour refused for the app's credentials ->
  ``fail`` (a later success clears it); refused because of the server's own fault -> ``warn``
  (a server problem, not the app's settings);
* the live registration (or, unregistered, the last REGISTER) on another transport or server
  port than the app must use -> ``fail``;
* the edition, only when the client names it in its User-Agent -> ``fail`` when it differs.
The obfuscation key is not visible server-side (the app never sends it); evidence says so."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from calltriage.backends.port import AppConfig, CannotTell, RegistrationEvent, Registrations, need
from calltriage.probes.base import ProbeContext
from calltriage.probes.common import (
    FAIL,
    OK,
    WARN,
    BaseProbe,
    Verdict,
    account_or_verdict,
    iso,
    optional,
    party_ident,
    since_utc,
)
from calltriage.probes.kit import ProbeKit

RECENT = timedelta(hours=1)  # REGISTER outcomes of at least the last hour count
_CAUSE_WORDS = {
    "bad-password": "wrong password in the app",
    "unknown-user": "the app uses a user name the server does not know",
    "disabled": "the account is disabled",
    "tls-required": "the app does not connect over TLS, which the service requires for this account",
}
_EDITIONS = ("professional", "enterprise")
_REMEDY = {
    "disabled": ("The account is disabled on the server: an administrator must re-enable it (nothing in the app "
                 "can fix this); tell the user once it is done."),
    "bad-password": "Enter the right password in the app with the user (or have an administrator reset it).",
    "unknown-user": "Correct the user name in the app with the user: the server does not know the one it sends.",
    "tls-required": "Set the app's connection to transport TLS with the user (Settings → Account → Transport).",
    "other": "Check the app's account settings with the user against the provisioning.",
}


def _transport_remedy(app: AppConfig) -> str:
    parts = [f"transport {app.transport.upper()}" if app.transport else "", f"port {app.port}" if app.port else ""]
    return f"Set the app's connection settings to {' and '.join(p for p in parts if p)} with the user."


class ClientConfigProbe(BaseProbe):
    name: ClassVar[str] = "directory.client_config"
    title: ClassVar[str] = "Are the app's settings right, as far as the server can see?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    needs: ClassVar[tuple[str, ...]] = ("directory",)
    optional: ClassVar[tuple[str, ...]] = ("registration_events", "registrations")

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        acct = await account_or_verdict(kit, party_ident(ctx, params, "account", "caller"))
        if isinstance(acct, Verdict):
            return acct
        user = acct.username
        entry = need(await kit.backend.directory(user))
        ev: dict[str, Any] = {"account": user, "directory": entry.evidence()}
        if not entry.exists:
            ev["remedy"] = (f"The server has no account {user}: check the user name in the app with the user "
                            "against what was provisioned for them.")
            return Verdict(FAIL, f"{user} is not an account on this server (unknown user name)", ev)
        reasons: list[str] = []
        remedies: list[str] = []
        if entry.disabled:
            reasons.append("the account is disabled on the server")
            remedies.append(_REMEDY["disabled"])
        # At least the last hour: an app with a wrong password may have failed long before the
        # operator's request; the latest outcome decides, so a later success clears it.
        since = min(since_utc(ctx), datetime.now(UTC) - RECENT)
        events = optional(await kit.backend.registration_events(user, since))
        outcomes = [e for e in (events.events if events else ()) if e.kind in ("registered", "refused")]
        ev["register_outcomes_since"] = iso(since)
        ev["register_outcomes"] = [e.evidence() for e in outcomes]
        server_side = False
        latest = outcomes[-1] if outcomes else None
        if latest is not None and latest.kind == "refused":
            if latest.cause == "server-error":
                server_side = True
            elif latest.cause in _CAUSE_WORDS and not (latest.cause == "disabled" and reasons):
                reasons.append(f"{_CAUSE_WORDS[latest.cause]} (REGISTER got {latest.code} {latest.reason})")
                remedies.append(_REMEDY[latest.cause])
            elif latest.cause not in _CAUSE_WORDS:
                reasons.append(f"the last REGISTER got {latest.code} {latest.reason}")
                remedies.append(_REMEDY["other"])
        registrar_down = events.unavailable.get("registrar") if events else None
        if registrar_down:  # it just could not answer: asking again would only wait as long again
            reg = None
            ev["registration_unavailable"] = registrar_down
        else:
            reg = optional(await kit.backend.registrations(user))
            if reg is not None:
                ev["registration"] = reg.evidence()
        if entry.app is not None:
            transport = _transport_mismatch(entry.app, reg, outcomes)
            if transport:
                reasons += transport
                remedies.append(_transport_remedy(entry.app))
            edition = _edition_mismatch(entry.app, reg, outcomes)
            if edition:
                reasons.append(edition)
                remedies.append(f"Use the app edition the account is provisioned for ({entry.app.edition}).")
        ev["obfuscation_key"] = "not visible server-side (the app never sends it to the SIP server)"
        if reasons:
            ev["reasons"] = reasons
            # What to do follows from what was found: an administrator's job is not "fix the app".
            if len(remedies) > 1 and _REMEDY["other"] in remedies:
                remedies.remove(_REMEDY["other"])  # a specific remedy says more
            transport_fix = _transport_remedy(entry.app) if entry.app is not None else None
            if transport_fix in remedies and _REMEDY["tls-required"] in remedies:
                remedies.remove(_REMEDY["tls-required"])  # the transport remedy names the port too
            ev["remedy"] = " ".join(dict.fromkeys(remedies))
            return Verdict(FAIL, f"{user}'s app settings look wrong: " + "; ".join(reasons), ev)
        if server_side:
            return Verdict(
                WARN,
                f"{user}'s last REGISTER failed because of the server ({latest.code if latest else ''} "
                f"{latest.reason if latest else ''}: a server problem, not the app's settings)",
                ev,
            )
        if not outcomes and registrar_down:
            need(CannotTell(f"no REGISTER of {user} recorded since {iso(since)}, and {registrar_down}"))
        if not outcomes and (reg is None or not reg.registered):
            return Verdict(
                OK,
                f"nothing wrong visible for {user}: no REGISTER outcome since {iso(since)} and "
                "no registration (the app may not reach the server at all)",
                ev,
            )
        return Verdict(OK, f"{user}'s settings match what the server expects, as far as the server can see", ev)


def _transport_mismatch(app: AppConfig, reg: Registrations | None, outcomes: Sequence[RegistrationEvent]) -> list[str]:
    want_tr = (app.transport or "").lower()
    out: list[str] = []
    if reg is not None and reg.registered:
        for c in reg.contacts:
            if want_tr and c.transport and c.transport != want_tr:
                out.append(f"registered over {c.transport.upper()} but the app must use {want_tr.upper()}")
            elif app.port and c.server_port and c.server_port != app.port:
                out.append(f"registered on server port {c.server_port} but the app must use port {app.port}")
        return out
    if outcomes and want_tr:
        seen = (outcomes[-1].transport or "").lower()
        if seen and seen != want_tr:
            out.append(f"the app last tried {seen.upper()} but must use {want_tr.upper()}")
    return out


def _edition_mismatch(app: AppConfig, reg: Registrations | None, outcomes: Sequence[RegistrationEvent]) -> str | None:
    """Only when the client names its edition in the User-Agent (otherwise not visible)."""
    want = (app.edition or "").lower()
    agents = [c.user_agent or "" for c in (reg.contacts if reg else ())]
    agents += [e.user_agent or "" for e in outcomes[-1:]]
    for ua in agents:
        named = [e for e in _EDITIONS if e in ua.lower()]
        if want and named and want not in named:
            return f"the app is the {named[0]} edition but the account is provisioned for {want}"
    return None
