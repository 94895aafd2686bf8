"""Incident search takes % and _ literally: they are what the operator typed, not wildcards."""

from __future__ import annotations

from calltriage.services.queues import search
from tests.records.cast import make_app, open_incident


def test_percent_underscore_and_backslash_are_searched_literally(db_url: str) -> None:
    app = make_app(db_url)
    try:
        loss = open_incident(app, summary="50% packet loss on wifi")
        under = open_incident(app, "a_b", summary="user a_b cannot register")
        slash = open_incident(app, summary=r"path C:\temp has the log")
        open_incident(app, "axb", summary="500 calls dropped, user axb")

        def found(query: str) -> list[int]:
            return [row["id"] for row in search(app.store, query=query)[0]]

        assert found("50%") == [loss]
        assert found("a_b") == [under]
        assert found("%") == [loss]
        assert found("_") == [under]
        assert found("\\temp") == [slash]
    finally:
        app.close()
