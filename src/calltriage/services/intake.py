"""Opening an incident with its Kepner–Tregoe definition and description, routed by the complaint matrix.

``propose`` says which entry playbook the complaint leads to (and whether the exact error message
is one the catalogue knows); the operator confirms it or picks another, and ``open`` records the
whole intake with the incident. ``prefill`` asks the server what it already knows about the user
(registered now, the app's User-Agent: version and edition) with one cheap registrar probe.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from calltriage.domain.intake import BY_ID, COMPLAINTS, DIMENSIONS, EDITIONS, NETWORK_TYPES, route
from calltriage.errors import CalltriageError, InvalidAnswer
from calltriage.services.incidents import Actor, IncidentService

if TYPE_CHECKING:
    from calltriage.config import ServerSettings
    from calltriage.probes.runner import ProbeRunner

FIELD_LIMIT = 2_000
_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def _text(value: Any, what: str, limit: int = FIELD_LIMIT) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise InvalidAnswer(f"{what} is {len(text)} characters long: keep it under {limit}")
    if "\x00" in text:
        raise InvalidAnswer(f"{what} contains a NUL byte: send plain text")
    return text


def complaint_of(complaint: str) -> str:
    if complaint not in BY_ID:
        raise InvalidAnswer(f"unknown complaint {complaint!r}: use one of {', '.join(c.id for c in COMPLAINTS)}")
    return complaint


def grid_from_pairs(is_pairs: list[str], is_not_pairs: list[str]) -> dict[str, dict[str, str]]:
    """``["what=no incoming calls", ...]`` (the CLI's --is / --is-not) -> the description grid."""
    grid: dict[str, dict[str, str]] = {}
    for side, pairs in (("is", is_pairs), ("is_not", is_not_pairs)):
        for pair in pairs:
            dimension, sep, text = pair.partition("=")
            dimension = dimension.strip().lower().replace("-", "_")
            if not sep or dimension not in DIMENSIONS:
                flag = "--is" if side == "is" else "--is-not"
                raise InvalidAnswer(f"{flag} {pair!r}: write DIMENSION=TEXT with DIMENSION one of "
                                    f"{', '.join(DIMENSIONS)}, e.g. {flag} what='no incoming calls'")
            cell = grid.setdefault(dimension, {})
            cell[side] = f"{cell[side]}; {text.strip()}" if cell.get(side) else text.strip()
    return grid


def clean_record(*, complaint: str, definition: str = "", description: dict[str, Any] | None = None,
                 error_message: str = "", device: str = "", app_version: str = "", network_type: str = "",
                 edition: str = "") -> dict[str, Any]:
    """The Kepner–Tregoe record as stored, with one-line errors for anything malformed."""
    complaint = complaint_of(complaint)
    grid: dict[str, dict[str, str]] = {}
    for dimension, cell in (description or {}).items():
        if dimension not in DIMENSIONS:
            raise InvalidAnswer(f"unknown description dimension {dimension!r}: use {', '.join(DIMENSIONS)}")
        if not isinstance(cell, dict) or set(cell) - {"is", "is_not"}:
            raise InvalidAnswer(f"description {dimension}: give {{'is': ..., 'is_not': ...}}")
        grid[dimension] = {side: _text(cell.get(side), f"{dimension} {side.replace('_', '-')}")
                           for side in ("is", "is_not") if cell.get(side)}
    network_type = (network_type or "").strip().lower()
    if network_type and network_type not in NETWORK_TYPES:
        raise InvalidAnswer(f"unknown network type {network_type!r}: use one of {', '.join(NETWORK_TYPES)}")
    edition = (edition or "").strip().lower()
    if edition and edition not in EDITIONS:
        raise InvalidAnswer(f"unknown edition {edition!r}: use professional or enterprise")
    return {"complaint": complaint, "definition": _text(definition, "definition", 10_000), "description": grid,
            "error_message": _text(error_message, "error message", 1_000), "device": _text(device, "device", 200),
            "app_version": _text(app_version, "app version", 80), "network_type": network_type or None,
            "edition": edition or None}


class IntakeService:
    def __init__(self, incidents: IncidentService) -> None:
        self.incidents = incidents

    def propose(self, complaint: str, *, edition: str | None = None, error_message: str = "") -> dict[str, Any]:
        """The entry playbook the matrix proposes (the operator confirms it or picks another)."""
        entry = route(complaint_of(complaint), (edition or "").lower() or None)
        spec = self.incidents.catalog.current(entry.playbook)
        proposal: dict[str, Any] = {"complaint": complaint, "label": BY_ID[complaint].label,
                                    "category": entry.category, "playbook": spec.id, "title": spec.title,
                                    "note": BY_ID[complaint].note or entry.note, "message": None}
        if error_message.strip():
            proposal["message"] = self._message(error_message)
        return proposal

    def _message(self, text: str) -> dict[str, Any] | None:
        """What the error-message catalogue says about the app's exact message (None: not known)."""
        from calltriage.services.playbook_tests import companion, load_messages

        try:
            spec = self.incidents.catalog.current("specific-error")
        except CalltriageError:  # no specific-error playbook in this deployment: nothing to say
            return None
        path = companion(spec, "messages")
        if not path.is_file():
            return None
        entry = load_messages(path).lookup(text)
        if entry is None:
            return None
        return {"id": entry.id, "outcome": entry.outcome, "instruction": entry.instruction, "source": entry.source}

    def open(self, *, caller: str, callee: str, record: dict[str, Any], actor: Actor, playbook: str | None = None,
             summary: str = "", reporter: str = "", prefilled: dict[str, Any] | None = None) -> dict[str, Any]:
        """Open the incident with its intake. ``playbook`` None accepts the matrix's proposal."""
        proposal = self.propose(record["complaint"], edition=record.get("edition"),
                                error_message=record.get("error_message") or "")
        chosen = playbook or proposal["playbook"]
        intake = {**record, "routing": {"proposed": proposal["playbook"], "chosen": chosen,
                                        "confirmed_by": actor.name, "message": proposal["message"]}}
        if prefilled:
            intake["server"] = prefilled
            if not intake.get("app_version") and prefilled.get("app_version"):
                intake["app_version"] = prefilled["app_version"]
            if not intake.get("edition") and prefilled.get("edition"):
                intake["edition"] = prefilled["edition"]
        text = summary or record.get("definition") or BY_ID[record["complaint"]].label
        return self.incidents.open(playbook_id=chosen, caller=caller, callee=callee, summary=text, reporter=reporter,
                                   actor=actor, complaint=record["complaint"], intake=intake)


def prefill(runner: ProbeRunner, settings: ServerSettings | None, caller: str) -> dict[str, Any] | None:
    """What the server knows about the caller now: registered, User-Agent, app version, edition.

    None without a server; a probe that cannot run says so in ``note`` (nothing is guessed)."""
    if settings is None:
        return None
    from calltriage.probes.base import Party, ProbeContext

    ctx = ProbeContext(caller=Party("caller", caller), callee=Party("callee", caller), server=settings)
    result = runner.run("registrar.registration", ctx, {"account": "caller"})
    if result.status.value == "error":
        return {"registered": None, "note": result.summary}
    contacts = result.evidence.get("contacts") or []
    agents = [str(c.get("user_agent")) for c in contacts if c.get("user_agent")]
    out: dict[str, Any] = {"registered": result.evidence.get("state") == "registered", "user_agents": agents,
                           "note": result.summary}
    for agent in agents:
        version = _VERSION.search(agent)
        if version and "app_version" not in out:
            out["app_version"] = ".".join(g for g in version.groups() if g is not None)
        lowered = agent.lower()
        edition = next((e for e in EDITIONS if e in lowered), None)
        if edition and "edition" not in out:
            out["edition"] = edition
    return out


def prefill_once(settings: ServerSettings | None, caller: str) -> dict[str, Any]:
    """``prefill`` with a runner of its own (front ends without one); a one-line error without a server."""
    if settings is None:
        raise InvalidAnswer("pre-filling needs the SIP server: configure one (--config or CALLTRIAGE_CONFIG)")
    from calltriage.probes.runner import ProbeRunner

    runner = ProbeRunner()
    try:
        known = prefill(runner, settings, caller)
    finally:
        runner.close()
    assert known is not None
    return known
