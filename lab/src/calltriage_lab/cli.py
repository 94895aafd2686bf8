"""`calltriage lab …`: start, inspect, stop the SIP lab and inject faults from the shell.

The lead mounts `app` as `calltriage lab`. Passwords are never printed: they live in
<dir>/secrets/<user> (0600), referenced by the server config the lab writes.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

import typer

from calltriage_lab import labfiles
from calltriage_lab.errors import LabError
from calltriage_lab.netcli import device_app, net_app
from calltriage_lab.rpc import RpcError
from calltriage_lab.server import KamailioLab

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Run the real SIP lab (Kamailio + simulated users) on loopback.")

DirOpt = typer.Option(Path(".lab"), "--dir", help="Lab folder (default ./.lab).")
JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")
FAULTS = ("freeze", "thaw", "cert", "db-break", "db-restore", "disable", "enable", "duplicate", "unregister")


def _emit(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))


def _summary(info: dict[str, Any]) -> dict[str, Any]:
    return {
        "backend": info.get("backend", "kamailio"),
        "config": info["config"], "dir": info["dir"], "ports": info["ports"],
        "accounts": [{"username": a["username"], "number": a["number"]} for a in info["accounts"]],
    }


def _running(directory: Path) -> KamailioLab | None:
    if not (directory / labfiles.LAB_JSON).exists():
        return None
    info = labfiles.read_lab_info(directory)
    if info.get("pid") is None:
        return None
    if info.get("backend") == "privateserver":
        from calltriage_lab.privateserver import cli_support

        ps_lab = cli_support.attach(directory)
        return ps_lab if ps_lab.running() else None
    lab = labfiles.attach(directory)
    return lab if lab.running() else None


def _provision_demo(lab: KamailioLab) -> None:
    for account in labfiles.DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        labfiles.write_secret(lab.dir, account.username, password)
        lab.add_account(account.username, password, account.number, edition=account.edition,  # type: ignore[arg-type]
                        display_name=account.display_name)


@app.command()
def up(
    directory: Path = DirOpt,
    fresh: bool = typer.Option(False, "--fresh", help="Start from an empty lab (new DB, accounts, CA)."),
    min_client_version: str = typer.Option(labfiles.MIN_CLIENT_VERSION, "--min-client-version"),
    auth_fail_403: bool = typer.Option(False, "--auth-fail-403", help="Wrong password -> 403, not 401."),
    alias_fork: bool = typer.Option(False, "--alias-fork", help="A number assigned twice rings both."),
    tls_only: bool = typer.Option(True, "--tls-only/--any-transport",
                                  help="Refuse UDP/TCP for accounts provisioned with TLS (403 TLS required)."),
    stock: bool = typer.Option(False, "--stock", help="A stock Kamailio: no lab enrichments (docs/lab.md)."),
    backend: str | None = typer.Option(None, "--backend",
                                       help="kamailio, or privateserver (MariaDB views, NRPE, HTTPS console); "
                                            "default: the folder's lab, else kamailio."),
    json_out: bool = JsonOpt,
) -> None:
    """Start the lab (demo accounts alice, bob, carol, svc-a, svc-b) and write its server config."""
    directory = directory.resolve()
    from calltriage_lab.privateserver import cli_support

    held = "privateserver" if cli_support.is_privateserver(directory) else None
    backend = backend or held or "kamailio"
    if backend not in ("kamailio", "privateserver"):
        raise LabError(f"unknown lab backend {backend!r}: use kamailio or privateserver")
    if held == "privateserver" and backend == "kamailio":
        raise LabError(f"{directory} holds a privateserver lab: `calltriage lab down --purge --dir {directory}` "
                       "first, or choose another --dir")
    if backend == "privateserver":
        if auth_fail_403 or alias_fork or stock:
            raise LabError("--auth-fail-403, --alias-fork and --stock are options of the kamailio lab only")
        cli_support.up(directory, fresh=fresh, min_client_version=min_client_version, tls_only=tls_only)
    elif _running(directory) is None:
        if fresh and directory.exists():
            if not (directory / "lab.sqlite").exists() and any(directory.iterdir()):
                raise LabError(f"{directory} is not a lab folder: choose another --dir")
            shutil.rmtree(directory)
        lab = KamailioLab(directory, auth_fail_403=auth_fail_403, alias_fork=alias_fork, enrichments=not stock,
                          tls_only=tls_only)
        new_db = not lab.db.path.exists()
        lab.start()
        try:
            if new_db:
                _provision_demo(lab)
            elif lab.enrichments:  # ports are new at every start: keep the provisioning records truthful
                lab.db.sql("UPDATE provisioning SET port = ? WHERE transport = 'tls'", (lab.tls_port,))
            labfiles.write_lab_files(lab, lab.detach(), min_client_version)
        except BaseException:
            lab.stop()
            raise
    info = labfiles.read_lab_info(directory)
    if json_out:
        _emit(_summary(info))
        return
    typer.echo(f"Lab running in {info['dir']} (kamailio pid {info['pid']})")
    typer.echo(f"  SIP udp/tcp 127.0.0.1:{info['ports']['sip']}  TLS 127.0.0.1:{info['ports']['tls']}"
               f"  JSON-RPC {info['jsonrpc_url']}")
    typer.echo(f"  server config: {info['config']}")
    ps = info.get("privateserver")
    if ps:
        typer.echo(f"  views: {info['db']}  NRPE 127.0.0.1:{ps['nrpe_port']}  console {ps['console_url']}")
    typer.echo(f"  passwords: {info['secrets_dir']}/<user> (0600)")
    for a in info["accounts"]:
        typer.echo(f"  {a['username']:<8} {a['number'] or '':<12} {a['edition'] or ''}")


@app.command()
def down(directory: Path = DirOpt,
         purge: bool = typer.Option(False, "--purge", help="Also delete the lab folder.")) -> None:
    """Stop the lab (its folder stays unless --purge)."""
    directory = directory.resolve()
    from calltriage_lab.privateserver import cli_support

    _remove_devices_and_networks(directory)
    if cli_support.is_privateserver(directory):
        stopped = cli_support.down(directory)
        if purge:
            shutil.rmtree(directory)
        typer.echo("Lab stopped (its database dropped)." if stopped else "Lab was not running.")
        return
    lab = _running(directory)
    if lab is not None:
        lab.stop()
        info = labfiles.read_lab_info(directory)
        info["pid"] = None
        (directory / labfiles.LAB_JSON).write_text(json.dumps(info, indent=2) + "\n")
    if purge and (directory / "lab.sqlite").exists():
        shutil.rmtree(directory)
    typer.echo("Lab stopped." if lab is not None else "Lab was not running.")


def _remove_devices_and_networks(directory: Path) -> None:
    """Devices and client networks go with the lab (also ones left by a crashed run)."""
    from calltriage_lab.device import stop_all
    from calltriage_lab.netcmd import lab_prefix, sweep, unavailable_reason

    stop_all(directory)
    if os.geteuid() == 0 and unavailable_reason() is None:
        sweep(lab_prefix(directory))  # also what a crashed run left, registry or not


def _clients(directory: Path) -> dict[str, Any]:
    from calltriage_lab.clientnet import ClientNetwork
    from calltriage_lab.device import Device

    folder = directory / "devices"
    devices = [Device(folder, p.stem) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    return {"networks": [e["name"] for e in ClientNetwork.registered(directory)],
            "devices": [{"name": d.name, "user": d.state.get("user"), "network": d.state.get("network"),
                         "running": d.alive()} for d in devices]}


@app.command()
def status(directory: Path = DirOpt, json_out: bool = JsonOpt) -> None:
    """Is the lab running; who is registered."""
    directory = directory.resolve()
    info = labfiles.read_lab_info(directory)
    lab = _running(directory)
    answering = False
    if lab is not None:
        try:
            lab.rpc("core.uptime", timeout=1)
            answering = True
        except (OSError, RpcError):
            pass  # frozen (SIGSTOP) or overloaded: the process exists but does not answer
    registered = {a["username"]: len(lab.contacts(a["username"])) if lab and answering else None
                  for a in info["accounts"]}
    data = {**_summary(info), "running": lab is not None, "answering": answering,
            "pid": info["pid"] if lab else None, "registered": registered, **_clients(directory)}
    if info.get("backend") == "privateserver" and info.get("pid") is not None:
        from calltriage_lab.privateserver import cli_support

        data.update(cli_support.status_extra(cli_support.attach(directory)))
    if json_out:
        _emit(data)
        return
    state = "stopped" if lab is None else f"running, pid {info['pid']}" + ("" if answering else ", NOT answering")
    typer.echo(f"Lab in {info['dir']}: {state}")
    for user, count in registered.items():
        typer.echo(f"  {user:<8} {'?' if count is None else count} contact(s)")
    for net in data["networks"]:
        typer.echo(f"  network {net}")
    for dev in data["devices"]:
        typer.echo(f"  device {dev['name']} ({dev['user']}, network {dev['network']}): "
                   + ("running" if dev["running"] else "stopped"))


@app.command()
def fault(
    kind: str = typer.Argument(..., help=f"One of: {', '.join(FAULTS)}."),
    args: list[str] = typer.Argument(None, help="cert: good|expired|wronghost; disable/enable/unregister: "
                                     "USER; duplicate: NUMBER USER."),
    directory: Path = DirOpt,
) -> None:
    """Inject (or heal) a fault in the running lab."""
    lab = _running(directory.resolve())
    if lab is None:
        raise LabError("the lab is not running: run `calltriage lab up`")
    args = args or []
    need = {"cert": 1, "disable": 1, "enable": 1, "unregister": 1, "duplicate": 2}.get(kind, 0)
    if kind not in FAULTS:
        raise LabError(f"unknown fault {kind!r}: use one of {', '.join(FAULTS)}")
    if len(args) != need:
        raise LabError(f"`calltriage lab fault {kind}` takes {need} argument(s); see --help")
    if kind == "freeze":
        lab.freeze()
    elif kind == "thaw":
        lab.thaw()
    elif kind == "cert":
        lab.swap_certificate(args[0], restart=False)  # tls.reload: keeps the lab's PID and registrations
        info = labfiles.read_lab_info(lab.dir)
        info["certificate"] = args[0]
        (lab.dir / labfiles.LAB_JSON).write_text(json.dumps(info, indent=2) + "\n")
    elif kind == "db-break":
        lab.break_database()
    elif kind == "db-restore":
        lab.restore_database()
    elif kind in ("disable", "enable"):
        lab.set_disabled(args[0], kind == "disable")
    elif kind == "duplicate":
        lab.duplicate_number(args[0], args[1])
    elif kind == "unregister":
        lab.drop_registration(args[0])
    typer.echo(f"fault {kind} {' '.join(args)}: done")


@app.command()
def agent(
    user: str = typer.Argument(..., help="Account to act as (its password comes from the secrets folder)."),
    call: str = typer.Option(None, "--call", help="Number or user to call once registered."),
    user_agent: str = typer.Option("PrivateGSM/3.1.0 (Android)", "--user-agent"),
    transport: str = typer.Option("tls", "--transport", help="udp, tcp or tls."),
    stay: float = typer.Option(0.0, "--stay", help="Seconds to stay registered, answering calls."),
    vanish: bool = typer.Option(False, "--vanish", help="Exit without un-REGISTER (device gone)."),
    directory: Path = DirOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Act as a simulated app user: register, optionally call, then leave (or vanish)."""
    from calltriage_lab.agents import UserAgent

    directory = directory.resolve()
    lab = _running(directory)
    if lab is None:
        raise LabError("the lab is not running: run `calltriage lab up`")
    if transport not in ("udp", "tcp", "tls"):
        raise LabError(f"unknown transport {transport!r}: use udp, tcp or tls")
    log_path = directory / "agents" / f"{user}.log"
    log_path.parent.mkdir(exist_ok=True)
    ua = UserAgent(lab, user, labfiles.read_secret(directory, user), transport=transport,  # type: ignore[arg-type]
                   user_agent=user_agent, log_path=log_path)
    out: dict[str, Any] = {"user": user, "log": str(log_path)}
    try:
        reg = ua.register()
        out["register"] = {"code": reg.code, "reason": reg.reason}
        if call and reg.ok:
            res = ua.call(call)
            out["call"] = {"code": res.code, "reason": res.reason, "answered": res.answered, "call_id": res.call_id}
        if stay > 0:
            ua.pump(stay)
    finally:
        ua.vanish() if vanish else ua.quit()
    if json_out:
        _emit(out)
    else:
        typer.echo(" ".join(f"{k}={v}" for k, v in out.items()))


app.add_typer(net_app, name="net")
app.add_typer(device_app, name="device")
