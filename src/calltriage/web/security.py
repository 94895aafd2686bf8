"""Signed session cookies with expiry, CSRF tokens and one-shot flash messages for the desk.

The cookie carries the operator id, their ``session_epoch`` and a random session id, signed with
the secret key (itsdangerous) and checked against ``max_age``. Disabling an operator or changing
their password bumps the epoch, which ends every session at once; logout ends this session only
(its id is recorded in ``ended_sessions`` until the cookie would have expired).

CSRF: every browser gets a random ``ct_bid`` cookie; a form's token is an HMAC of it
(synchronizer token without server state). A cross-site page can make the browser send the
cookie but can neither read it nor compute the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "ct_session"
BROWSER_COOKIE = "ct_bid"
FLASH_COOKIE = "ct_flash"
CSRF_FIELD = "csrf"


class Security:
    def __init__(self, secret_key: str, *, session_hours: float, secure: bool) -> None:
        self._sessions = URLSafeTimedSerializer(secret_key, salt="calltriage-session")
        self._flash = URLSafeTimedSerializer(secret_key, salt="calltriage-flash")
        self._csrf_key = hashlib.sha256(b"calltriage-csrf:" + secret_key.encode()).digest()
        self.max_age = int(session_hours * 3600)
        self.secure = secure

    # -- sessions ----------------------------------------------------------------------------
    def session(self, request: Request) -> dict[str, Any] | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = self._sessions.loads(raw, max_age=self.max_age)
        except BadSignature:  # also SignatureExpired
            return None
        return data if isinstance(data, dict) else None

    def login(self, response: Response, operator_id: int, epoch: int) -> None:
        # ``sid`` names this one session, so that logout can end it alone (services/sessions.py)
        value = self._sessions.dumps({"op": operator_id, "ep": epoch, "sid": secrets.token_urlsafe(18)})
        self._set(response, SESSION_COOKIE, value, self.max_age)

    def logout(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/")

    # -- CSRF --------------------------------------------------------------------------------
    def browser_id(self, request: Request) -> str:
        """The browser's id; a new one is stored on ``request.state`` for the response to set."""
        bid = request.cookies.get(BROWSER_COOKIE)
        if not bid or len(bid) > 64:
            bid = getattr(request.state, "new_bid", None) or secrets.token_urlsafe(24)
            request.state.new_bid = bid
        return bid

    def csrf_token(self, request: Request) -> str:
        return hmac.new(self._csrf_key, self.browser_id(request).encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, request: Request, token: str | None) -> bool:
        bid = request.cookies.get(BROWSER_COOKIE)
        if not bid or not token:
            return False
        expected = hmac.new(self._csrf_key, bid.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, token)

    def finish(self, request: Request, response: Response) -> None:
        """Set the browser id cookie if this request created one."""
        bid = getattr(request.state, "new_bid", None)
        if bid:
            self._set(response, BROWSER_COOKIE, bid, 365 * 24 * 3600)

    # -- flash -------------------------------------------------------------------------------
    def flash(self, response: Response, message: str, level: str = "info") -> None:
        self._set(response, FLASH_COOKIE, self._flash.dumps({"m": message[:500], "l": level}), 60)

    def read_flash(self, request: Request) -> dict[str, str] | None:
        """The message left by the previous redirect (the page deletes the cookie once shown)."""
        raw = request.cookies.get(FLASH_COOKIE)
        if not raw:
            return None
        try:
            data = self._flash.loads(raw, max_age=60)
        except BadSignature:
            return None
        return {"message": str(data.get("m", "")), "level": str(data.get("l", "info"))}

    def _set(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                            secure=self.secure)
