"""Login and logout. Sessions are signed cookies that expire (see web/security.py).

Logins are throttled per operator name and per client address (services/login_throttle.py);
logout ends this session on the server (services/sessions.py), so a copied cookie stops working
too, while the operator's other browsers stay logged in; a password change ends them all.

A form sent after the session ended is not lost: the login page carries what was typed
(``resume``), and after login the operator sees it again with one button to send it. The form
still names the step and revision it was written for, so it cannot act on another step.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from calltriage.errors import TooManyRequests, Unauthorized
from calltriage.web.desk.guard import csrf_protect, local_path
from calltriage.web.desk.render import page, redirect
from calltriage.web.state import state

router = APIRouter(include_in_schema=False)
TEXT_FIELDS = ("note", "text", "reason", "summary")


def _resume(raw: str) -> dict[str, Any] | None:
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
        return None
    action = local_path(str(data.get("action") or ""), "")
    if not action.startswith("/incidents"):
        return None
    fields = {str(k): str(v) for k, v in data["fields"].items() if k != "csrf"}
    return {"action": action, "fields": fields,
            "texts": {k: v for k, v in fields.items() if k in TEXT_FIELDS},
            "hidden": {k: v for k, v in fields.items() if k not in TEXT_FIELDS}}


def login_to_resume(request: Request, action: str, form: dict[str, str]) -> Response:
    resume = json.dumps({"action": action, "fields": form}, ensure_ascii=False)
    back = action.rsplit("/", 1)[0] if action.count("/") > 2 else "/"
    return page(request, "login.html", {"next": local_path(back), "error": "Your session ended before this was "
                                        "sent. Log in again: what you typed is kept.",
                                        "resume": resume, "resumed": _resume(resume)}, status=401)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return page(request, "login.html", {"next": local_path(next), "error": None})


@router.post("/login", dependencies=[Depends(csrf_protect)])
def login(request: Request, name: Annotated[str, Form(max_length=120)], password: Annotated[str, Form(max_length=1000)],
          next: Annotated[str, Form(max_length=2000)] = "/", resume: Annotated[str, Form()] = "") -> Response:
    ct = state(request)
    resumed = _resume(resume)
    address = request.client.host if request.client else "unknown"
    try:
        ct.throttle.check(name, address)  # before any argon2 work
        operator = ct.operators.authenticate(name, password)
    except TooManyRequests as exc:
        shown = page(request, "login.html", {"next": local_path(next), "error": exc.message, "name": name,
                                             "resume": resume if resumed else "", "resumed": resumed}, status=429)
        shown.headers["Retry-After"] = str(exc.retry_after)
        return shown
    except Unauthorized as exc:
        ct.throttle.failed(name, address)
        return page(request, "login.html", {"next": local_path(next), "error": exc.message, "name": name,
                                            "resume": resume if resumed else "", "resumed": resumed}, status=401)
    ct.throttle.succeeded(name)
    if resumed is not None:
        request.state.operator = operator
        response = page(request, "resume.html", {"r": resumed, "back": local_path(next)})
    else:
        response = redirect(request, local_path(next))
    ct.security.login(response, operator.id, operator.session_epoch)
    return response


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(request: Request) -> Response:
    ct = state(request)
    session = ct.security.session(request)
    if session and isinstance(session.get("op"), int):
        sid = session.get("sid")
        if isinstance(sid, str):  # this cookie stops working everywhere; the operator's other browsers stay
            ct.sessions.end(sid, session["op"], ct.security.max_age)
        else:  # a cookie from before session ids: only the epoch can end it
            ct.operators.end_sessions(session["op"])
    response = redirect(request, "/login", "You are logged out.")
    ct.security.logout(response)
    return response
