"""Build agents of the project's SIP client against a lab instance."""

from __future__ import annotations

import asyncio
from typing import Any

from calltriage.sip import Credentials, Endpoint, UserAgent, tls_context
from tests.lab_fixtures import LAB_CAST


def endpoint(lab: Any, transport: str = "tls", server_name: str = "localhost") -> Endpoint:
    port = lab.tls_port if transport == "tls" else lab.sip_port
    return Endpoint("127.0.0.1", port, transport, server_name)  # type: ignore[arg-type]


def agent(
    lab: Any,
    user: str | None = None,
    transport: str = "tls",
    *,
    password: str | None = None,
    auto_answer: bool = True,
    ca: str | None = None,
    server_name: str = "localhost",
) -> UserAgent:
    creds = None
    if user is not None:
        creds = Credentials(user, password if password is not None else LAB_CAST[user][0])
    return UserAgent(
        endpoint(lab, transport, server_name),
        domain=lab.domain,
        credentials=creds,
        ssl_context=tls_context(ca or str(lab.ca_file)),
        handshake_lock=asyncio.Lock(),
        auto_answer=auto_answer,
    )
