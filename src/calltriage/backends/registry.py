"""Backends by name: ``[server] backend = "kamailio"`` picks the adapter of the server port.

A new backend plugs in by adding one line to ``_BACKENDS`` ("module:factory"); the factory is
called as ``factory(settings, env)`` and returns a ``ServerBackend``. Imports are lazy, so a
backend's drivers load only when that backend is used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Protocol

from calltriage.errors import ConfigError, ProbeUnavailable

if TYPE_CHECKING:
    from calltriage.backends.port import BackendEnv, ServerBackend
    from calltriage.config import ServerSettings


class BackendFactory(Protocol):
    def __call__(self, settings: ServerSettings, env: BackendEnv) -> ServerBackend: ...


# name -> "module:factory"
_BACKENDS: dict[str, str] = {
    "kamailio": "calltriage.backends.kamailio.backend:KamailioBackend",
    "privateserver": "calltriage.backends.privateserver.backend:PrivateServerBackend",
}


def known_backends() -> tuple[str, ...]:
    return tuple(sorted(_BACKENDS))


def backend_factory(name: str) -> BackendFactory:
    target = _BACKENDS.get(name)
    if target is None:
        raise ConfigError(
            f"unknown server backend {name!r}; set [server] backend to one of {', '.join(known_backends())}"
        )
    module, _, attr = target.partition(":")
    try:
        factory: BackendFactory = getattr(import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ProbeUnavailable(f"server backend {name!r} is not installed ({exc})") from None
    return factory


def create_backend(settings: ServerSettings, env: BackendEnv) -> ServerBackend:
    """The backend ``settings.server.backend`` names, built for ``settings``."""
    return backend_factory(settings.server.backend)(settings, env)
