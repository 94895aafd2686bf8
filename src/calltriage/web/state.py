"""What every request handler reaches through ``request.app.state.ct``: the shared services."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from calltriage.services.context import App
from calltriage.services.jobs import TriageJobs
from calltriage.services.login_throttle import LoginThrottle
from calltriage.services.operators import OperatorService
from calltriage.services.sessions import EndedSessions
from calltriage.services.webhooks import Dispatcher, WebhookService
from calltriage.web.graph import GraphCache
from calltriage.web.security import Security
from calltriage.web.settings import WebSettings


@dataclass
class WebState:
    services: App
    operators: OperatorService
    webhooks: WebhookService
    dispatcher: Dispatcher
    settings: WebSettings
    security: Security
    graphs: GraphCache
    jobs: TriageJobs
    throttle: LoginThrottle
    sessions: EndedSessions
    reads_on_loop: bool = True  # see web/reads.py


def state(request: Request) -> WebState:
    return request.app.state.ct  # type: ignore[no-any-return]
