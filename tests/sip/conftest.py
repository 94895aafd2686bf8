"""SIP client tests run against the real lab (tests/lab_fixtures.py)."""

from tests.lab_fixtures import kamailio_lab, lab_factory, user_agent_factory

__all__ = ["kamailio_lab", "lab_factory", "user_agent_factory"]
