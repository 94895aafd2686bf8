"""Small helpers for probe tests: act as an app user with the project's SIP client."""

from __future__ import annotations

import asyncio
from typing import Any

from calltriage.sip import CallResult, RegisterResult
from tests.sip.helpers import agent


def register(
    lab: Any,
    user: str,
    transport: str = "tls",
    *,
    password: str | None = None,
    expires: int = 60,
    user_agent: str | None = None,
) -> RegisterResult:
    async def go() -> RegisterResult:
        ua = agent(lab, user, transport, password=password)
        if user_agent:
            ua.user_agent = user_agent
        try:
            return await ua.register(timeout=15, expires=expires)
        finally:
            ua.close()  # the TCP/TLS contact stays in usrloc, like an app that vanished

    return asyncio.run(go())


def call(lab: Any, user: str, target: str, transport: str = "tls", *, password: str | None = None) -> CallResult:
    async def go() -> CallResult:
        async with agent(lab, user, transport, password=password) as ua:
            return await ua.call(target, timeout=15)

    return asyncio.run(go())


def call_answered(lab: Any, user: str, callee: str, target: str, transport: str = "tls") -> CallResult:
    """``callee`` registers with an auto-answering agent that stays up while ``user`` calls ``target``."""

    async def go() -> CallResult:
        async with agent(lab, callee, transport) as answering, agent(lab, user, transport) as caller:
            assert (await answering.register(timeout=15)).ok
            try:
                return await caller.call(target, timeout=15)
            finally:
                await answering.register(timeout=15, expires=0)

    return asyncio.run(go())
