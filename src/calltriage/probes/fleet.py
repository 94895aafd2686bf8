"""Fleet-wide reads (bulk, never one call per account), for backends that offer them:
``dump_registrations`` (every account's live contacts in one registrar dump), ``registered_aors``
(the registered account names only) and ``duplicate_numbers`` (every number assigned more than
once, one ``GROUP BY``). A backend without them raises ``ProbeUnavailable``."""

from __future__ import annotations

from typing import Any

from calltriage.backends.port import CannotTell
from calltriage.errors import ProbeUnavailable
from calltriage.probes.kit import ProbeKit


def _bulk(kit: ProbeKit, method: str) -> Any:
    fn = getattr(kit.backend, method, None)
    if fn is None:
        raise ProbeUnavailable(f"the {kit.backend.name} backend has no fleet-wide {method}")
    return fn


def _value(answer: Any) -> Any:
    if isinstance(answer, CannotTell):
        raise ProbeUnavailable(answer.reason)
    return answer


async def dump_registrations(kit: ProbeKit, *, timeout: float | None = None) -> dict[str, list[dict[str, Any]]]:
    """{account: [live contact evidence, ...]} for every registered account."""
    regs = _value(await _bulk(kit, "all_registrations")(timeout))
    return {aor: [c.evidence() for c in contacts] for aor, contacts in regs.items()}


async def registered_aors(kit: ProbeKit, *, timeout: float | None = None) -> set[str]:
    """The registered account names (a ~30x smaller reply than the full dump on Kamailio)."""
    names: set[str] = _value(await _bulk(kit, "registered_accounts")(timeout))
    return names


async def duplicate_numbers(kit: ProbeKit, *, timeout: float | None = None) -> list[dict[str, Any]]:
    """[{"number", "domain", "n"}] for every virtual number assigned more than once."""
    rows: list[dict[str, Any]] = _value(await _bulk(kit, "duplicate_numbers")(timeout))
    return rows
