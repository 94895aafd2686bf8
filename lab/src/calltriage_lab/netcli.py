"""`calltriage lab net ...` (client networks) and `calltriage lab device ...` (long-lived devices)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from calltriage_lab import labfiles
from calltriage_lab.clientnet import BLOCKABLE, ClientNetwork
from calltriage_lab.device import ANSWER_MODES, Device, devices_folder, start_device
from calltriage_lab.errors import LabError
from calltriage_lab.server import KamailioLab

net_app = typer.Typer(no_args_is_help=True, add_completion=False,
                      help="Client-side networks in network namespaces (NAT router, blocked ports, loss, latency).")
device_app = typer.Typer(no_args_is_help=True, add_completion=False,
                         help="Simulated devices that live like an app, controllable while they run.")

DirOpt = typer.Option(Path(".lab"), "--dir", help="Lab folder (default ./.lab).")
JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")
NameArg = typer.Argument(..., help="Network name (letters, digits, _).")
UserArg = typer.Argument(..., help="Account the device acts as.")
DeviceArg = typer.Argument(..., help="Device name: its user, unless started with --name.")


def _lab(directory: Path) -> KamailioLab:
    directory = directory.resolve()
    if (directory / labfiles.LAB_JSON).exists() and labfiles.read_lab_info(directory).get("pid"):
        lab = labfiles.attach(directory)
        if lab.running():
            return lab
    raise LabError("the lab is not running: run `calltriage lab up`")


def _out(data: Any, json_out: bool, text: str) -> None:
    typer.echo(json.dumps(data, indent=2) if json_out else text)


# ---------------------------------------------------------------- networks
@net_app.command("up")
def net_up(
    name: str = NameArg,
    nat_timeout: int = typer.Option(None, "--nat-timeout", help="Router forgets idle bindings after S seconds."),
    block: list[str] = typer.Option([], "--block", help=f"Drop traffic to the lab's port: {'|'.join(BLOCKABLE)}."),
    loss: int = typer.Option(0, "--loss", help="Percent of forwarded packets dropped, each direction."),
    latency_ms: int = typer.Option(0, "--latency-ms", help="Delay added in each direction (a relay on the path)."),
    directory: Path = DirOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Create a client network: a device namespace behind a masquerading router namespace."""
    net = ClientNetwork(_lab(directory), name, nat_timeout=nat_timeout, block=tuple(block), loss=loss,
                        latency_ms=latency_ms).start()
    _out(net.info(), json_out, f"network {name}: device namespace {net.device_ns}, router {net.router_ns} "
         f"(public address {net.wan_ip}); the device reaches the lab as {net.server_host}")


@net_app.command("expire")
def net_expire(name: str = NameArg, directory: Path = DirOpt) -> None:
    """The router forgets its NAT bindings now (as when they time out)."""
    count = ClientNetwork.attach(_lab(directory), name).expire_nat()
    typer.echo(f"network {name}: {count} NAT binding(s) forgotten")


@net_app.command("block")
def net_block(name: str = NameArg, what: list[str] = typer.Argument(None, help="tls and/or sip (default both)."),
              directory: Path = DirOpt) -> None:
    """The user's network drops traffic to the lab's TLS and/or SIP port."""
    net = ClientNetwork.attach(_lab(directory), name)
    net.block(*(what or []))
    typer.echo(f"network {name}: blocking {', '.join(net.blocked)}")


@net_app.command("unblock")
def net_unblock(name: str = NameArg, directory: Path = DirOpt) -> None:
    """Remove the network's port blocks."""
    ClientNetwork.attach(_lab(directory), name).unblock()
    typer.echo(f"network {name}: nothing blocked")


@net_app.command("loss")
def net_loss(name: str = NameArg, percent: int = typer.Argument(..., help="0-100; 0 heals."),
             directory: Path = DirOpt) -> None:
    """Set the packet loss of the network (each direction)."""
    ClientNetwork.attach(_lab(directory), name).set_loss(percent)
    typer.echo(f"network {name}: {percent} % loss")


@net_app.command("ping")
def net_ping(name: str = NameArg, count: int = typer.Option(20, "--count"), directory: Path = DirOpt,
             json_out: bool = JsonOpt) -> None:
    """SIP OPTIONS pings from the device namespace to the lab (UDP): loss and round-trip times."""
    r = ClientNetwork.attach(_lab(directory), name).ping(count)
    rtt = r["rtt_ms"]
    _out(r, json_out, f"{r['answered']}/{r['sent']} answered" + (f", rtt {rtt[0]}-{rtt[-1]} ms" if rtt else ""))


@net_app.command("list")
def net_list(directory: Path = DirOpt, json_out: bool = JsonOpt) -> None:
    """The lab's client networks."""
    entries = ClientNetwork.registered(directory.resolve())
    keys = ("name", "device_ns", "wan_ip", "nat_timeout", "blocked", "loss", "latency_ms")
    _out([{k: e.get(k) for k in keys} for e in entries], json_out,
         "\n".join(" ".join(f"{k}={e.get(k)}" for k in keys) for e in entries) or "no client networks")


@net_app.command("down")
def net_down(name: str = typer.Argument(None, help="Network to remove (default: all of the lab's)."),
             directory: Path = DirOpt) -> None:
    """Remove a client network (namespaces, veths, rules, relay) or all of them."""
    from calltriage_lab.netcmd import lab_prefix, sweep

    directory = directory.resolve()
    if name is None:
        removed = sweep(lab_prefix(directory))
    else:
        entry = {e["name"]: e for e in ClientNetwork.registered(directory)}.get(name)
        if entry is None:
            raise LabError(f"no client network {name!r}: see `calltriage lab net list`")
        removed = sweep(entry["id"])
    typer.echo(f"removed {len(removed)} object(s)")


# ---------------------------------------------------------------- devices
@device_app.command("start")
def device_start(
    user: str = UserArg,
    password_file: Path = typer.Option(None, "--password-file", help="Default: the lab's secrets/<user>."),
    net: str = typer.Option(None, "--net", help="Run inside this client network (`calltriage lab net up`)."),
    transport: str = typer.Option("tls", "--transport", help="udp, tcp or tls."),
    port: int = typer.Option(None, "--port", help="Server port (default: the lab's port for the transport)."),
    answer: str = typer.Option("auto", "--answer", help=f"Incoming calls: {'|'.join(ANSWER_MODES)}."),
    reject_code: int = typer.Option(486, "--reject-code", help="SIP code when --answer reject (486, 603...)."),
    expires: int = typer.Option(300, "--expires", help="Registration expiry asked for, seconds."),
    user_agent: str = typer.Option("PrivateGSM/3.1.0 (Android)", "--user-agent"),
    retry_interval: int = typer.Option(0, "--retry-interval",
                                       help="Re-REGISTER every N s after a failure, on a new connection (0: give up)."),
    name: str = typer.Option(None, "--name", help="Device name (default: the user); a second phone of one account."),
    directory: Path = DirOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Start a device in the background: it registers and stays, answering as told."""
    lab = _lab(directory)
    password = (password_file.read_text().strip() if password_file
                else labfiles.read_secret(lab.dir, user))
    network = ClientNetwork.attach(lab, net) if net else None
    dev = start_device(lab, user, password, network=network, transport=transport, port=port, answer=answer,
                       reject_code=reject_code, expires=expires, user_agent=user_agent,
                       retry_interval=retry_interval, name=name)
    info = {**dev.state, "register": {k: dev.started.get(k) for k in ("code", "reason", "expires")}}
    _out(info, json_out, f"device {dev.name} running (pid {info['pid']}): REGISTER {info['register']['code']} "
         f"{info['register']['reason']}; control it with `calltriage lab device ... {dev.name}`")


def _device(directory: Path, user: str) -> Device:
    return Device(devices_folder(directory.resolve()), user)


def _request(directory: Path, user: str, cmd: str, json_out: bool, **params: Any) -> dict[str, Any]:
    reply = _device(directory, user).request(cmd, **params)
    if not reply.get("ok") and "error" in reply:
        raise LabError(f"device {user}: {reply['error']}")
    if json_out:
        _out(reply, True, "")
    return reply


@device_app.command("reconnect")
def device_reconnect(user: str = DeviceArg, directory: Path = DirOpt, json_out: bool = JsonOpt) -> None:
    """Force a manual reconnection: REGISTER again over the device's connection."""
    r = _request(directory, user, "reconnect", json_out)
    if not json_out:
        typer.echo(f"REGISTER {r.get('code')} {r.get('reason')}")


@device_app.command("answer")
def device_answer(user: str = DeviceArg, mode: str = typer.Argument(..., help="|".join(ANSWER_MODES)),
                  code: int = typer.Option(486, "--code", help="SIP code for reject."),
                  directory: Path = DirOpt) -> None:
    """How the device treats incoming calls from now on."""
    if mode not in ANSWER_MODES:
        raise LabError(f"unknown answer mode {mode!r}: use one of {', '.join(ANSWER_MODES)}")
    _request(directory, user, "answer_mode", False, mode=mode, code=code)
    typer.echo(f"device {user}: answer {mode}")


@device_app.command("call")
def device_call(user: str = DeviceArg, target: str = typer.Argument(..., help="Number, user or sip: URI."),
                timeout: float = typer.Option(10.0, "--timeout"), directory: Path = DirOpt,
                json_out: bool = JsonOpt) -> None:
    """Place a call from the device (hung up shortly after it is answered)."""
    r = _request(directory, user, "call", json_out, target=target, timeout=timeout)
    if not json_out:
        typer.echo(f"call {target}: {r.get('code')} {r.get('reason')}")


@device_app.command("status")
def device_status(user: str = DeviceArg, directory: Path = DirOpt) -> None:
    """Registration state and calls of a running device (JSON)."""
    _out(_device(directory, user).request("status"), True, "")


@device_app.command("events")
def device_events(user: str = DeviceArg, since: int = typer.Option(0, "--since"), directory: Path = DirOpt) -> None:
    """Events the device saw (registrations, incoming calls, call states) as JSON."""
    _out(_device(directory, user).request("events", since=since), True, "")


@device_app.command("stop")
def device_stop(user: str = DeviceArg, unregister: bool = typer.Option(False, "--unregister",
                help="Un-REGISTER before leaving (default: leave the contact, like a killed app)."),
                directory: Path = DirOpt) -> None:
    """Stop a device (no un-REGISTER unless --unregister)."""
    _device(directory, user).stop(unregister=unregister)
    typer.echo(f"device {user} stopped" + (" (unregistered)" if unregister else ""))


@device_app.command("list")
def device_list(directory: Path = DirOpt, json_out: bool = JsonOpt) -> None:
    """Devices of the lab and whether they run."""
    folder = devices_folder(directory.resolve())
    rows = [{**Device(folder, p.stem).state, "running": Device(folder, p.stem).alive()}
            for p in sorted(folder.glob("*.json"))]
    _out(rows, json_out, "\n".join(f"{r.get('name', r['user'])} user={r['user']} pid={r['pid']} net={r['network']} "
                                   f"running={r['running']}"
                                   for r in rows) or "no devices")
