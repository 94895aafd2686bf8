"""The reports the desk and the API show, from ``calltriage.reports`` (one query layer for every front end)."""

from __future__ import annotations

from typing import Any

from calltriage.store import Store


def report(store: Store, *, since: str | None = None, until: str | None = None,
           playbook: str | None = None, targets: dict[int, float] | None = None) -> dict[str, Any]:
    from calltriage.reports.summary import summary

    return summary(store, since=since, until=until, playbook=playbook, targets=targets)
