"""``client.version``: is the app's version at least the supported minimum?

The version is read only from the app's own product token in the User-Agent of the live
registrations (``[server] app_version_pattern``, by default ``PrivateGSM/N.N[.N]``): any other
number in the header (the SIP stack's, the OS's) is not the app's version, so a User-Agent
without the token is "cannot tell" and the step becomes a question for the operator. With
several devices the oldest app decides. The minimum comes from the port's app requirements."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from calltriage.backends.port import need
from calltriage.probes.base import ProbeContext
from calltriage.probes.common import (
    ERROR,
    FAIL,
    OK,
    BaseProbe,
    Verdict,
    account_or_verdict,
    compare_versions,
    party_ident,
    version_tuple,
)
from calltriage.probes.kit import ProbeKit


class ClientVersionProbe(BaseProbe):
    name: ClassVar[str] = "client.version"
    title: ClassVar[str] = "Is the client version supported?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    needs: ClassVar[tuple[str, ...]] = ("registrations",)

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        app = need(await kit.backend.app_requirements())
        minimum = app.min_version
        if minimum is None:
            return Verdict(ERROR, "no minimum client version is configured (server.min_client_version)")
        acct = await account_or_verdict(kit, party_ident(ctx, params, "account", "caller"))
        if isinstance(acct, Verdict):
            acct.status = ERROR
            return acct
        reg = need(await kit.backend.registrations(acct.username))
        if not reg.registered:
            return Verdict(
                ERROR,
                f"{acct.who} is not registered, so the client version is not visible",
                {"account": acct.username, "state": reg.state},
            )
        agents = [c.user_agent for c in reg.contacts if c.user_agent]
        ev: dict[str, Any] = {"account": acct.username, "user_agents": agents, "minimum": minimum}
        if not agents:
            return Verdict(ERROR, f"{acct.who}'s registration carries no User-Agent header", ev)
        want = version_tuple(minimum)
        assert want is not None  # validated by the config
        token = re.compile(kit.settings.server.app_version_pattern)
        ev["pattern"] = token.pattern
        parsed = [(ua, v) for ua in agents if (v := app_version(token, ua)) is not None]
        if not parsed:
            return Verdict(ERROR, f"cannot tell the app version: no app product token (pattern {token.pattern!r}) "
                           f"in the User-Agent {agents[0]!r}; ask the user which version the app shows", ev)
        unread = [ua for ua in agents if app_version(token, ua) is None]
        if unread:
            ev["unread_user_agents"] = unread  # other devices or clients: their version is not the app's
        # Several devices: the oldest client decides (any one of them may be the one in use).
        ua, version = min(parsed, key=lambda p: p[1])
        ev["version"] = ".".join(map(str, version))
        if compare_versions(version, want) < 0:
            return Verdict(FAIL, f"client {ua!r} is older than the supported minimum {minimum}", ev)
        return Verdict(OK, f"client {ua!r} meets the minimum version {minimum}", ev)


def app_version(token: re.Pattern[str], user_agent: str) -> tuple[int, ...] | None:
    """The version in the app's own product token of ``user_agent``, or None without one."""
    found = token.search(user_agent)
    if found is None or not found.group(1):
        return None
    return version_tuple(found.group(1))
