"""Request dependencies: who is calling (API token or desk session) and what they may do."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from calltriage.errors import Forbidden, Unauthorized
from calltriage.services.operators import OperatorInfo
from calltriage.web.state import WebState, state

_bearer = HTTPBearer(auto_error=False, description="A per-operator token from `calltriage user token NAME`.")


class LoginRequired(Exception):
    """A desk page was asked for without a valid session: the handler redirects to the login page.

    For a form sent after the session ended, ``form`` holds what the operator typed (text fields
    only, no CSRF token): the login page carries it, and after login the action can be sent again."""

    def __init__(self, form: dict[str, str] | None = None) -> None:
        super().__init__("login required")
        self.form = form


# The dependencies are async: a sync one costs a hop through the threadpool on every request.
# They answer from the operators' short-lived caches on the event loop and go to a thread only
# when the database must be asked.
async def _state(request: Request) -> WebState:
    return state(request)


async def api_operator(request: Request,
                       credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> OperatorInfo:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("no API token: send 'Authorization: Bearer <token>' (create one with "
                           "`calltriage user token NAME`)")
    operators = state(request).operators
    found = operators.cached_token(credentials.credentials)
    if found is not None:
        return found
    return await run_in_threadpool(operators.verify_token, credentials.credentials)


async def api_admin(operator: Annotated[OperatorInfo, Depends(api_operator)]) -> OperatorInfo:
    if not operator.is_admin:
        raise Forbidden(f"{operator.name} is {operator.role}, this needs an admin: ask an admin")
    return operator


async def desk_operator(request: Request) -> OperatorInfo:
    ct = state(request)
    data = ct.security.session(request)
    if data is None:
        raise LoginRequired(await _typed(request))
    operator_id = int(data.get("op", 0))
    hit, operator = ct.operators.cached(operator_id)
    if not hit:
        operator = await run_in_threadpool(ct.operators.by_id, operator_id)
    if operator is None or operator.disabled or operator.session_epoch != data.get("ep"):
        raise LoginRequired(await _typed(request))
    sid = data.get("sid")
    if isinstance(sid, str):  # cookies from before session ids: the epoch alone ends them
        known, ended = ct.sessions.cached(sid)
        if not known:
            ended = await run_in_threadpool(ct.sessions.ended, sid)
        if ended:
            raise LoginRequired(await _typed(request))
    request.state.operator = operator
    return operator


async def _typed(request: Request) -> dict[str, str] | None:
    if request.method != "POST":
        return None
    form = await request.form()  # already parsed for the route's fields: cached, no second read
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}


async def desk_admin(operator: Annotated[OperatorInfo, Depends(desk_operator)]) -> OperatorInfo:
    if not operator.is_admin:
        raise Forbidden(f"{operator.name} is {operator.role}; this page is for admins")
    return operator


Ct = Annotated[WebState, Depends(_state)]
ApiOperator = Annotated[OperatorInfo, Depends(api_operator)]
ApiAdmin = Annotated[OperatorInfo, Depends(api_admin)]
DeskOperator = Annotated[OperatorInfo, Depends(desk_operator)]
DeskAdmin = Annotated[OperatorInfo, Depends(desk_admin)]
