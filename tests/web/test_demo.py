"""`calltriage serve --demo`: the cast and incidents at different steps, created once."""

from __future__ import annotations

from calltriage.services.context import build_app
from calltriage.services.operators import OperatorService
from calltriage.web.demo import DEMO_PASSWORD, seed_demo


def test_the_demo_has_the_cast_and_incidents_at_every_level_and_state(db_url: str) -> None:
    services = build_app(db_url)
    try:
        assert seed_demo(services) >= 8
        assert seed_demo(services) == 0  # a second start adds nothing
        operators = OperatorService(services.store)
        assert {o.name: o.role for o in operators.all()} == {"ana": "L1", "ben": "L2", "cy": "L3",
                                                             "admin": "admin"}
        assert operators.authenticate("ben", DEMO_PASSWORD).level == 2
        items, _ = services.incidents.list_incidents(limit=100)
        assert {i["level"] for i in items if i["status"] == "open"} == {1, 2, 3}
        assert {i["status"] for i in items} == {"open", "closed", "handed-off"}
        assert len({i["current"] for i in items if i["current"]}) >= 5
    finally:
        services.close()
