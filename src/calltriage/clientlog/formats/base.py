"""Pluggable log formats: a registry of classes that can recognise and parse a log.

A format answers two questions: ``detect(sample)`` (how sure am I, 0..1, that this text is
mine?) and ``parse(text)`` (the SIP messages in it, in order). ``detect_format`` asks every
registered format about a sample of the text and keeps the most confident one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from calltriage.clientlog.model import MessageInfo, SipMessage

# A sample big enough to hold a few SIP messages, small enough to be free to look at.
SAMPLE_CHARS = 256 * 1024
MIN_SCORE = 0.2

_TIME = re.compile(r"(?:(\d{4})[-/](\d\d)[-/](\d\d)[ T\t]+)?(\d\d):(\d\d):(\d\d)(?:[.,](\d{1,6}))?")


class LogFormat:
    """Base class of a log format. Subclass, set ``name``/``title`` and register it."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def detect(self, sample: str) -> float:
        raise NotImplementedError

    def parse(self, text: str) -> Iterator[SipMessage]:
        raise NotImplementedError

    def describe(self, text: str, offset: int) -> MessageInfo:
        """Start line, Call-ID, transport and peer of the message recorded at ``offset``."""
        raise NotImplementedError

    def time_at(self, text: str, offset: int) -> float | None:
        """Seconds (since midnight, or since the epoch when the line has a date) of the log line
        at ``offset``; ``None`` when the line carries no time stamp."""
        start = text.rfind("\n", 0, offset) + 1
        m = _TIME.search(text, start, min(len(text), start + 96))
        if m is None:
            return None
        secs = int(m.group(4)) * 3600 + int(m.group(5)) * 60 + int(m.group(6))
        frac = m.group(7)
        value = secs + (int(frac) / 10 ** len(frac) if frac else 0.0)
        if m.group(1):
            from datetime import date

            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3))).toordinal()
            value += day * 86400.0
        return value

    def call_id_at(self, text: str, offset: int) -> str:
        """The Call-ID of the message whose record starts at ``offset`` ("" if none)."""
        end = text.find("\n\n", offset)
        m = _CALL_ID.search(text, offset, end if end > 0 else len(text))
        return m.group(1).strip() if m else ""


_CALL_ID = re.compile(r"^(?:Call-ID|i)[ \t]*:[ \t]*([^\n]*)", re.M | re.I)

_REGISTRY: dict[str, type[LogFormat]] = {}


def register_format(cls: type[LogFormat]) -> type[LogFormat]:
    """Class decorator: make a format known to ``detect_format``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"log format {cls.name!r} is already registered by {_REGISTRY[cls.name].__name__}")
    _REGISTRY[cls.name] = cls
    return cls


def formats() -> dict[str, type[LogFormat]]:
    return dict(_REGISTRY)


def get_format(name: str) -> LogFormat:
    try:
        return _REGISTRY[name]()
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"unknown log format {name!r} (known: {known})") from None


def detect_format(text: str) -> tuple[LogFormat | None, dict[str, float]]:
    """The most likely format of ``text`` and every format's score."""
    sample = text[:SAMPLE_CHARS]
    if len(text) > 2 * SAMPLE_CHARS:
        # Logs often start with a long start-up banner: also look at the middle.
        mid = len(text) // 2
        sample += "\n" + text[mid : mid + SAMPLE_CHARS]
    scores = {name: round(max(0.0, min(1.0, cls().detect(sample))), 3) for name, cls in _REGISTRY.items()}
    best = max(scores, key=lambda n: scores[n], default=None)
    if best is None or scores[best] < MIN_SCORE:
        return None, scores
    return _REGISTRY[best](), scores
