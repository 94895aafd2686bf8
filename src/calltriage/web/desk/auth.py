"""Login and logout. Sessions are signed cookies that expire (see web/security.py).

Logins are throttled per operator name and per client address (services/login_throttle.py);
logout ends the operator's sessions on the server (their session epoch moves on), so a copied
cookie stops working too."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from calltriage.errors import TooManyRequests, Unauthorized
from calltriage.web.desk.guard import csrf_protect, local_path
from calltriage.web.desk.render import page, redirect
from calltriage.web.state import state

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return page(request, "login.html", {"next": local_path(next), "error": None})


@router.post("/login", dependencies=[Depends(csrf_protect)])
def login(request: Request, name: Annotated[str, Form(max_length=120)], password: Annotated[str, Form(max_length=1000)],
          next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    ct = state(request)
    address = request.client.host if request.client else "unknown"
    try:
        ct.throttle.check(name, address)  # before any argon2 work
        operator = ct.operators.authenticate(name, password)
    except TooManyRequests as exc:
        shown = page(request, "login.html", {"next": local_path(next), "error": exc.message, "name": name},
                     status=429)
        shown.headers["Retry-After"] = str(exc.retry_after)
        return shown
    except Unauthorized as exc:
        ct.throttle.failed(name, address)
        return page(request, "login.html", {"next": local_path(next), "error": exc.message, "name": name},
                    status=401)
    ct.throttle.succeeded(name)
    response = redirect(request, local_path(next))
    ct.security.login(response, operator.id, operator.session_epoch)
    return response


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(request: Request) -> Response:
    ct = state(request)
    session = ct.security.session(request)
    if session and isinstance(session.get("op"), int):
        ct.operators.end_sessions(session["op"])  # the cookie stops working everywhere, not only here
    response = redirect(request, "/login", "You are logged out.")
    ct.security.logout(response)
    return response
