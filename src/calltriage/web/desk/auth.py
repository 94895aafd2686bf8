"""Login and logout. Sessions are signed cookies that expire (see web/security.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from calltriage.errors import Unauthorized
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
    try:
        operator = ct.operators.authenticate(name, password)
    except Unauthorized as exc:
        return page(request, "login.html", {"next": local_path(next), "error": exc.message, "name": name},
                    status=401)
    response = redirect(request, local_path(next))
    ct.security.login(response, operator.id, operator.session_epoch)
    return response


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(request: Request) -> Response:
    response = redirect(request, "/login", "You are logged out.")
    state(request).security.logout(response)
    return response
