"""The signature catalogue: data (``signatures.yaml``) that maps evidence to a likely cause and
to the playbook outcome it supports. Loaded and validated on first use, never at import time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from calltriage.clientlog.markers import RULES
from calltriage.clientlog.transactions import TRANSACTION_FACTS
from calltriage.errors import ConfigError

# Outcome hints a signature can support (the playbook's outcomes/resolutions they point to).
SUPPORTS = ("client-misconfiguration", "server-fault", "remote-party", "client-bug", "connection")
EVENT_KINDS = tuple(sorted({r.kind for r in RULES}))
# "status" rules report "status-NNN" (a SIP code in the line) or "error" (none).
EVENT_DETAILS = tuple(sorted({r.detail for r in RULES if r.detail != "status"} | {"error"}))
_STATUS_DETAIL = re.compile(r"status-\d{3}$")
_ID = re.compile(r"[a-z][a-z0-9-]*$")
_SIG_KEYS = {"id", "title", "cause", "supports", "weight", "advice", "when"}
_COND_KEYS = {"fact", "event", "detail", "min", "max"}


@dataclass(frozen=True, slots=True)
class Condition:
    source: str  # "fact" or "event"
    name: str
    details: tuple[str, ...] = ()
    min: int = 1
    max: int | None = None

    def holds(self, count: int) -> bool:
        return count >= self.min and (self.max is None or count <= self.max)


@dataclass(frozen=True, slots=True)
class Signature:
    id: str
    title: str
    cause: str
    supports: str
    weight: float
    advice: str
    all: tuple[Condition, ...]
    any: tuple[Condition, ...]
    none: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Catalogue:
    version: int
    signatures: tuple[Signature, ...]

    def ids(self) -> list[str]:
        return [s.id for s in self.signatures]


def _fail(where: str, line: int | None, problem: str) -> ConfigError:
    at = f"{where}:{line + 1}" if line is not None else where
    return ConfigError(f"{at}: {problem}")


def _line(node: Any, key: Any = None) -> int | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        return int(lc.key(key)[0]) if key is not None else int(lc.line)
    except (KeyError, TypeError, IndexError):
        return int(lc.line)


def _condition(raw: Any, where: str, sig_id: str) -> Condition:
    line = _line(raw)
    if not isinstance(raw, dict):
        raise _fail(where, line, f"signature {sig_id!r}: a condition must be a mapping like {{fact: NAME, min: 1}}")
    unknown = set(raw) - _COND_KEYS
    if unknown:
        raise _fail(where, line, f"signature {sig_id!r}: unknown condition key(s) {sorted(unknown)}; "
                                 f"use {sorted(_COND_KEYS)}")
    if ("fact" in raw) == ("event" in raw):
        raise _fail(where, line, f"signature {sig_id!r}: a condition needs exactly one of 'fact' or 'event'")
    details = tuple(str(d) for d in (raw.get("detail") or ()))
    if "fact" in raw:
        name, source = str(raw["fact"]), "fact"
        if name not in TRANSACTION_FACTS:
            known = ", ".join(TRANSACTION_FACTS)
            raise _fail(where, line, f"signature {sig_id!r}: unknown fact {name!r} (known: {known})")
        if details:
            raise _fail(where, line, f"signature {sig_id!r}: 'detail' only applies to events")
    else:
        name, source = str(raw["event"]), "event"
        if name not in EVENT_KINDS:
            raise _fail(where, line, f"signature {sig_id!r}: unknown event {name!r} (known: {', '.join(EVENT_KINDS)})")
        for d in details:
            if d not in EVENT_DETAILS and not _STATUS_DETAIL.match(d):
                raise _fail(where, line, f"signature {sig_id!r}: unknown event detail {d!r} "
                                         f"(known: {', '.join(EVENT_DETAILS)}, status-NNN)")
    lo, hi = raw.get("min", 1), raw.get("max")
    if not isinstance(lo, int) or lo < 0 or (hi is not None and (not isinstance(hi, int) or hi < lo)):
        raise _fail(where, line, f"signature {sig_id!r}: min/max must be whole numbers with 0 <= min <= max")
    return Condition(source, name, details, lo, hi)


def _signature(raw: Any, where: str, seen: set[str]) -> Signature:
    line = _line(raw)
    if not isinstance(raw, dict):
        raise _fail(where, line, "each signature must be a mapping (id, title, cause, supports, weight, when)")
    sig_id = str(raw.get("id", ""))
    if not _ID.match(sig_id):
        raise _fail(where, line, f"signature id {sig_id!r} must be lower-case words joined by '-'")
    if sig_id in seen:
        raise _fail(where, line, f"duplicate signature id {sig_id!r}: ids must be unique")
    seen.add(sig_id)
    unknown = set(raw) - _SIG_KEYS
    missing = {"title", "cause", "supports", "weight", "when"} - set(raw)
    if unknown or missing:
        raise _fail(where, line,
                    f"signature {sig_id!r}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    if raw["supports"] not in SUPPORTS:
        raise _fail(where, _line(raw, "supports"),
                    f"signature {sig_id!r}: supports {raw['supports']!r} is not one of {', '.join(SUPPORTS)}")
    weight = raw["weight"]
    if not isinstance(weight, int | float) or not 0 < float(weight) <= 1:
        raise _fail(where, _line(raw, "weight"), f"signature {sig_id!r}: weight must be a number in (0, 1]")
    when = raw["when"]
    if not isinstance(when, dict) or not set(when) <= {"all", "any", "none"} or not (
        when.get("all") or when.get("any")
    ):
        raise _fail(where, _line(raw, "when"),
                    f"signature {sig_id!r}: 'when' needs 'all' and/or 'any' lists (and optionally 'none')")
    groups = {k: tuple(_condition(c, where, sig_id) for c in (when.get(k) or ())) for k in ("all", "any", "none")}
    return Signature(sig_id, str(raw["title"]), " ".join(str(raw["cause"]).split()), str(raw["supports"]),
                     float(weight), str(raw.get("advice", "")), groups["all"], groups["any"], groups["none"])


def parse_catalogue(text: str, where: str = "signatures.yaml") -> Catalogue:
    """Validate and build a catalogue from YAML text; ``ConfigError`` names file, line and fix."""
    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML ({str(exc).splitlines()[0]}): fix the syntax") from None
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("signatures"), list):
        raise _fail(where, None, "expected 'version: 1' and a 'signatures:' list at the top")
    seen: set[str] = set()
    return Catalogue(1, tuple(_signature(raw, where, seen) for raw in data["signatures"]))


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The catalogue at ``path``, or the shipped one (cached)."""
    if path is None:
        return _default()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read signature catalogue {path} ({exc.strerror}): check the path") from None
    return parse_catalogue(text, str(path))


@lru_cache(maxsize=1)
def _default() -> Catalogue:
    text = resources.files("calltriage.clientlog").joinpath("signatures.yaml").read_text(encoding="utf-8")
    return parse_catalogue(text, "calltriage/clientlog/signatures.yaml")
