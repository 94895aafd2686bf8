"""`calltriage user add|list|disable|enable|password|token`: operator accounts for the desk and the API."""

from __future__ import annotations

import sys

import typer

from calltriage.cli.common import JsonOpt, app_for, echo, emit_json
from calltriage.errors import InvalidAnswer
from calltriage.services.operators import ROLES, OperatorService

app = typer.Typer(no_args_is_help=True, help="Operator accounts: roles L1, L2, L3 and admin.")

PasswordStdin = typer.Option(False, "--password-stdin", help="Read the password from standard input (scripts).")


def _service() -> OperatorService:
    return OperatorService(app_for().store)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Repeat", hide_input=True) != first:
        raise InvalidAnswer("the passwords differ: run the command again")
    return str(first)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Login name (lower-case letters, digits, . _ -)."),
    role: str = typer.Option(..., "--role", help=f"One of {', '.join(ROLES)}."),
    password_stdin: bool = PasswordStdin,
    json_out: bool = JsonOpt,
) -> None:
    """Add an operator (asks for the password; --password-stdin for scripts)."""
    info = _service().add(name, role, _password(password_stdin))
    if json_out:
        emit_json(info.to_dict())
    else:
        echo(f"Added {info.name} ({info.role}). API token: calltriage user token {info.name}")


@app.command("list")
def list_(json_out: bool = JsonOpt) -> None:
    """List operators."""
    rows = [o.to_dict() for o in _service().all()]
    if json_out:
        emit_json(rows)
        return
    if not rows:
        echo("No operators yet: add one with `calltriage user add NAME --role admin`.")
    for row in rows:
        state = "disabled" if row["disabled"] else "active"
        echo(f"{row['name']:<24} {row['role']:<6} {state:<9} last login {row['last_login_at'] or 'never'}")


@app.command("disable")
def disable(name: str = typer.Argument(...), json_out: bool = JsonOpt) -> None:
    """Disable an operator: ends their sessions and revokes their API tokens."""
    info = _service().set_disabled(name, True)
    emit_json(info.to_dict()) if json_out else echo(f"Disabled {info.name}; sessions ended, tokens revoked.")


@app.command("enable")
def enable(name: str = typer.Argument(...), json_out: bool = JsonOpt) -> None:
    """Enable a disabled operator again (issue a new token if they need the API)."""
    info = _service().set_disabled(name, False)
    emit_json(info.to_dict()) if json_out else echo(f"Enabled {info.name}.")


@app.command("password")
def password(name: str = typer.Argument(...), password_stdin: bool = PasswordStdin) -> None:
    """Set a new password (ends the operator's sessions)."""
    info = _service().set_password(name, _password(password_stdin))
    echo(f"Password of {info.name} changed; their sessions ended.")


@app.command("token")
def token(
    name: str = typer.Argument(...),
    label: str = typer.Option("", "--label", help="What the token is for (e.g. 'ticketing')."),
    revoke: bool = typer.Option(False, "--revoke", help="Revoke all of the operator's tokens instead."),
    days: float = typer.Option(None, "--expires-days", help="The token stops working after this many days "
                               "(default: until revoked)."),
    json_out: bool = JsonOpt,
) -> None:
    """Create an API token for an operator. It is shown once: only its hash is stored."""
    service = _service()
    if revoke:
        count = service.revoke_tokens(name)
        emit_json({"name": name, "revoked": count}) if json_out else echo(f"Revoked {count} token(s) of {name}.")
        return
    secret, info = service.issue_token(name, label, days=days)
    if json_out:
        emit_json({"name": info.name, "role": info.role, "token": secret})
    else:
        echo(secret)
        typer.echo(f"Token for {info.name} ({info.role}); shown once. Use: Authorization: Bearer <token>", err=True)
