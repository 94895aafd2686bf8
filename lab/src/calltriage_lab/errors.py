"""Errors of the lab: one line each, naming the problem and the fix."""

from __future__ import annotations

from calltriage.errors import CalltriageError


class LabError(CalltriageError):
    """The lab could not do what was asked (missing component, instance not running...)."""

    http_status = 503
    code = "lab-unavailable"


class LabComponentMissing(LabError):
    """A system package or Python package the lab needs is not installed."""

    code = "lab-component-missing"


class LabStartError(LabError):
    """Kamailio did not come up (bad config, port taken, DB unreadable)."""

    code = "lab-start-failed"


class AgentError(LabError):
    """A simulated user agent failed or did not answer in time."""

    code = "lab-agent-failed"
