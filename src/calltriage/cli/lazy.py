"""Command groups whose sub-commands are imported only when they run.

A command is named here with the module that holds it (``"calltriage.cli.incident:app"``: a
Typer app becomes a group, a function a single command), so `calltriage incident next` imports
the incident commands and nothing of the web desk, the probes or the lab. Command groups of
other installed packages plug in through the ``calltriage.cli`` entry point group (the SIP lab
does); those are looked up only for a name that is not built in, or for the help listing.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

import typer
from typer import _click as click
from typer._coercion import RuntimeParam  # typer is pinned: see _Plain
from typer.core import TyperGroup, _TyperParameter

PLUGIN_GROUP = "calltriage.cli"


@dataclass(frozen=True)
class Lazy:
    target: str  # "module:attribute": a Typer app or a command function
    help: str | None = None


@dataclass(frozen=True)
class _Plain(RuntimeParam):
    """str/int/float/bool parameters without constraints, converted as click would.

    Typer builds a pydantic TypeAdapter for every parameter it parses; importing pydantic for
    that costs about a quarter of a short command's time. Parameters with constraints (min,
    max, a parser, choices) keep typer's own coercion.
    """

    def _coerce_value(self, value: Any, param: Any, ctx: click.Context) -> Any:
        kind = self.annotation
        if type(value) is kind:
            return value
        if kind is bool:  # flags give booleans; anything else is a usage error
            raise click.exceptions.BadParameter(f"{value!r} is not a flag value.", ctx=ctx, param=param)
        try:
            return kind(value)
        except (TypeError, ValueError):
            message = f"{value!r} is not a valid {_NAMES[kind]}."
            raise click.exceptions.BadParameter(message, ctx=ctx, param=param) from None


_NAMES = {str: "text", int: "integer", float: "number", bool: "flag"}


def _plain_param(param: Any) -> _Plain | None:
    descriptor = param.type_descriptor
    info = descriptor.parameter_info
    if (descriptor.annotation not in _NAMES or descriptor.file_annotation is not None or param.nargs != 1
            or param.multiple or getattr(info, "min", None) is not None or getattr(info, "max", None) is not None
            or getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None):
        return None
    return _Plain(annotation=descriptor.annotation, parameter_info=info)


def fast_coercion() -> None:
    """Give typer's parameters the plain conversion where it applies (once per process)."""
    if getattr(_TyperParameter, "_calltriage_plain", False):
        return
    typers_own = _TyperParameter.get_runtime_param

    def get_runtime_param(self: Any) -> RuntimeParam:
        if self._runtime_param is None:
            self._runtime_param = _plain_param(self)
        return typers_own(self)

    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    _TyperParameter._calltriage_plain = True  # type: ignore[attr-defined]


def _to_click(name: str, obj: Any, help_text: str | None) -> click.Command:
    if isinstance(obj, typer.Typer):
        command = typer.main.get_command(obj)
    else:
        single = typer.Typer()
        single.command(name)(obj)
        command = typer.main.get_command(single)
    command.name = name
    if help_text and not command.help:
        command.help = help_text
    return command


def _plugins() -> dict[str, Lazy]:
    from importlib.metadata import entry_points

    return {e.name: Lazy(e.value) for e in entry_points(group=PLUGIN_GROUP)}


def lazy_group(entries: dict[str, Lazy], *, plugins: bool = False) -> type[TyperGroup]:
    """A TyperGroup class that adds ``entries`` (and, with ``plugins``, entry points) on first use."""

    class LazyGroup(TyperGroup):
        def _entries(self, *, with_plugins: bool) -> dict[str, Lazy]:
            found = dict(entries)
            if plugins and with_plugins:
                found.update({k: v for k, v in _plugins().items() if k not in found})
            return found

        def list_commands(self, ctx: click.Context) -> list[str]:
            return sorted({*super().list_commands(ctx), *self._entries(with_plugins=True)})

        def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
            command = super().get_command(ctx, cmd_name)
            if command is not None:
                return command
            entry = entries.get(cmd_name) or self._entries(with_plugins=True).get(cmd_name)
            if entry is None:
                return None
            module, _, attribute = entry.target.partition(":")
            command = _to_click(cmd_name, getattr(import_module(module), attribute), entry.help)
            self.commands[cmd_name] = command
            return command

    return LazyGroup
