"""Client-side networks: the user's device in a network namespace behind a home router.

    with ClientNetwork(lab, "home") as net:          # device ns -> router ns (masquerade) -> host
        alice = UserAgent(lab, "alice", pw, network=net)  # the app runs inside the device ns
        alice.register()
        net.expire_nat()                              # the router forgets the NAT binding
        net.block("tls")                              # the user's network blocks the TLS port
        net.set_loss(20)                              # 20 % of forwarded packets dropped
    # ClientNetwork(lab, "far", latency_ms=300): every byte 300 ms later, each direction

Topology (per network, addresses from the benchmarking ranges 198.18.0.0/16 and 198.19.0.0/16):
device ``<p>-device`` (198.19.s.2/29) -> router ``<p>-router`` (LAN 198.19.s.1, WAN 198.18.s.2/30,
masquerade with fully random ports, unsolicited inbound dropped) -> host veth 198.18.s.1, where the
lab's ports are DNAT-ed to Kamailio on 127.0.0.1 (``route_localnet``). Kamailio sees the router's
WAN address and port, as a real server sees a client behind NAT. Inside the device namespace the
name ``localhost`` resolves to the host veth, so the app verifies the lab's certificate as usual.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from calltriage_lab import netcmd
from calltriage_lab.errors import LabError
from calltriage_lab.netbuild import LAN_BASE, SERVER_NAME, WAN_BASE, build

SLOTS = 8192
BLOCKABLE = ("tls", "sip")


class LabServer(Protocol):
    @property
    def dir(self) -> Path: ...
    @property
    def sip_port(self) -> int: ...
    @property
    def tls_port(self) -> int: ...
    @property
    def pid(self) -> int | None: ...


@contextmanager
def _allocation_lock() -> Iterator[None]:
    netcmd.REGISTRY.mkdir(parents=True, exist_ok=True)
    with open(netcmd.REGISTRY.parent / "net.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


class ClientNetwork:
    """One user network (device + router namespaces) in front of a running lab."""

    def __init__(self, lab: LabServer, name: str = "home", *, nat_timeout: int | None = None,
                 block: tuple[str, ...] = (), loss: int = 0, latency_ms: int = 0) -> None:
        if not name.isidentifier():
            raise LabError(f"network name {name!r}: use letters, digits and _ only")
        self.lab = lab
        self.name = name
        self.nat_timeout = nat_timeout
        self.blocked: tuple[str, ...] = tuple(block)
        self.loss = loss
        self.latency_ms = latency_ms
        self.prefix = netcmd.lab_prefix(lab.dir)
        self.id = ""  # <prefix><index char>, set by start()/attach()
        self.slot = -1
        self.relay_pid: int | None = None
        self.relay_ports: dict[str, int] = {}
        self._check_impairments()

    # ---------- names ----------
    @property
    def router_ns(self) -> str:
        return f"{self.id}-router"

    @property
    def device_ns(self) -> str:
        return f"{self.id}-device"

    @property
    def server_ip(self) -> str:
        return str(WAN_BASE + 4 * self.slot + 1)

    @property
    def wan_ip(self) -> str:
        return str(WAN_BASE + 4 * self.slot + 2)

    @property
    def device_ip(self) -> str:
        return str(LAN_BASE + 8 * self.slot + 2)

    server_host = SERVER_NAME

    def device_command(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the device namespace (with its hosts file)."""
        return ["ip", "netns", "exec", self.device_ns, *argv]

    # ---------- lifecycle ----------
    def start(self) -> ClientNetwork:
        netcmd.require_available()
        with _allocation_lock():
            netcmd.sweep_orphans()
            existing = _registry_by_name(self.lab.dir)
            if self.name in existing:
                netcmd.sweep(existing[self.name]["id"])
            self.id, self.slot = self._allocate()
            self._write_registry()  # before creating anything: a crash mid-way is still swept
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        self._write_registry()
        return self

    def close(self) -> None:
        if self.id:
            netcmd.sweep(self.id)

    def __enter__(self) -> ClientNetwork:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def attach(cls, lab: LabServer, name: str) -> ClientNetwork:
        entry = _registry_by_name(lab.dir).get(name)
        if entry is None:
            raise LabError(f"no client network {name!r} for this lab: create it with `calltriage lab net up {name}`")
        net = cls(lab, name, nat_timeout=entry.get("nat_timeout"), block=tuple(entry.get("blocked", ())),
                  loss=int(entry.get("loss", 0)), latency_ms=int(entry.get("latency_ms", 0)))
        net.id, net.slot = entry["id"], int(entry["slot"])
        net.relay_pid = entry.get("relay_pid")
        return net

    @staticmethod
    def registered(lab_dir: Path) -> list[dict[str, Any]]:
        return sorted(_registry_by_name(lab_dir).values(), key=lambda e: str(e["name"]))

    # ---------- impairments (live) ----------
    def expire_nat(self, idle_deadline: float = 30.0) -> int:
        """The router forgets its NAT bindings, as when their timeout passes; returns how many.

        A binding times out only on an idle flow, so this first waits until no binding has been
        refreshed for a second (a delayed TCP ACK still in flight would otherwise cross the
        flush, leave by a new public port, get the old connection reset before the app sends
        anything, and turn "the app's next request finds a dead connection" into "the app opened
        a new one"). A flow that never goes quiet within ``idle_deadline`` is flushed anyway.
        """
        end = time.monotonic() + idle_deadline
        while time.monotonic() < end:
            first = _binding_timeouts(self.nat_bindings())
            time.sleep(1.1)
            second = _binding_timeouts(self.nat_bindings())
            if all(second[key] < first.get(key, second[key] + 1) for key in second):
                break  # every binding counted down for a second: nothing refreshed it
        before = len(self.nat_bindings())
        netcmd.run("conntrack", "-F", netns=self.router_ns, check=False)
        return before

    def nat_bindings(self) -> list[str]:
        """The router's connection-tracking entries (its NAT bindings), one line each."""
        out = netcmd.run("conntrack", "-L", netns=self.router_ns, check=False)
        return [line for line in out.splitlines() if line.startswith(("tcp", "udp"))]

    def block(self, *what: str) -> None:
        """The user's network drops traffic to the lab's ``tls`` and/or ``sip`` port."""
        self.blocked = tuple(dict.fromkeys(self.blocked + (what or ("tls", "sip"))))
        self._check_impairments()
        self._apply_impairments()

    def unblock(self) -> None:
        self.blocked = ()
        self._apply_impairments()

    def set_loss(self, percent: int) -> None:
        """Drop ``percent`` % of the packets the router forwards, each direction (0 heals)."""
        self.loss = percent
        self._check_impairments()
        self._apply_impairments()

    def dropped(self) -> int:
        """Packets the network's block and loss rules dropped so far."""
        out = netcmd.run("nft", "list", "chain", "ip", self.id, "impair", netns=self.router_ns)
        return sum(int(m) for m in re.findall(r"counter packets (\d+)", out))

    def ping(self, count: int = 20, wait: float = 3.0) -> dict[str, Any]:
        """UDP OPTIONS pings from the device namespace to the lab: ``{"sent", "answered", "rtt_ms"}``."""
        argv = [sys.executable, "-m", "calltriage_lab.netping", SERVER_NAME, str(self.lab.sip_port), str(count),
                "--wait", str(wait)]
        out = subprocess.run(self.device_command(argv), capture_output=True, text=True, timeout=count + wait + 60)
        if out.returncode != 0:
            raise LabError(f"ping from {self.device_ns} failed: {out.stderr.strip().splitlines()[-1:]}")
        return dict(json.loads(out.stdout))

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "id": self.id, "slot": self.slot, "router_ns": self.router_ns,
                "device_ns": self.device_ns, "server_host": self.server_host, "server_ip": self.server_ip,
                "wan_ip": self.wan_ip, "device_ip": self.device_ip, "nat_timeout": self.nat_timeout,
                "blocked": list(self.blocked), "loss": self.loss, "latency_ms": self.latency_ms}

    # ---------- plumbing ----------
    def _check_impairments(self) -> None:
        bad = [b for b in self.blocked if b not in BLOCKABLE]
        if bad:
            raise LabError(f"cannot block {bad[0]!r}: use one of {', '.join(BLOCKABLE)}")
        if not 0 <= self.loss <= 100:
            raise LabError(f"loss {self.loss} %: use 0-100")
        if self.latency_ms < 0 or (self.nat_timeout is not None and self.nat_timeout < 1):
            raise LabError("latency and NAT timeout must be positive")

    def _allocate(self) -> tuple[str, int]:
        taken_ids = {e["id"] for e in netcmd.registry_entries().values() if "id" in e}
        taken_ids |= {ns.split("-")[0] for ns in netcmd.namespaces()}
        index = next((c for c in string.digits + string.ascii_lowercase if self.prefix + c not in taken_ids), None)
        if index is None:
            raise LabError("this lab already has 36 client networks: remove some with `calltriage lab net down`")
        used = {int(e["slot"]) for e in netcmd.registry_entries().values() if "slot" in e}
        addresses = set(netcmd.host_addresses())
        for slot in range(SLOTS):
            if slot not in used and str(WAN_BASE + 4 * slot + 1) not in addresses:
                return self.prefix + index, slot
        raise LabError("no free client-network address: run `calltriage lab net down` on old labs")

    def _write_registry(self) -> None:
        netcmd.REGISTRY.mkdir(parents=True, exist_ok=True)
        entry = {**self.info(), "lab_dir": str(Path(self.lab.dir).resolve()), "owner_pid": os.getpid(),
                 "server_pid": self.lab.pid, "relay_pid": self.relay_pid,
                 "pids": [self.relay_pid] if self.relay_pid else []}
        (netcmd.REGISTRY / f"{self.id}.json").write_text(json.dumps(entry, indent=2) + "\n")

    def _build(self) -> None:
        build(self)

    def _apply_impairments(self) -> None:
        rules: list[str] = []
        ports = {"tls": [("tcp", self.lab.tls_port)],
                 "sip": [("udp", self.lab.sip_port), ("tcp", self.lab.sip_port)]}
        for what in self.blocked:
            rules += [f"iifname \"{self.id}l\" {proto} dport {port} counter drop" for proto, port in ports[what]]
        if self.loss:
            rules.append(f"numgen random mod 100 < {self.loss} counter drop")
        body = "\n".join(f"add rule ip {self.id} impair {rule}" for rule in rules)
        netcmd.nft(f"flush chain ip {self.id} impair\n{body}\n", netns=self.router_ns)
        if Path(netcmd.REGISTRY / f"{self.id}.json").exists():
            self._write_registry()

    def wait_nat_expired(self, timeout: float = 60.0) -> bool:
        """Wait (generously) until the router's NAT bindings time out by themselves."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self.nat_bindings():
                return True
            time.sleep(0.2)
        return not self.nat_bindings()


def _binding_timeouts(lines: list[str]) -> dict[str, int]:
    """``{original tuple: seconds left}`` from ``conntrack -L`` lines (the countdown restarts on
    every packet of the flow)."""
    out: dict[str, int] = {}
    for line in lines:
        fields = line.split()
        if len(fields) > 2 and fields[2].isdigit():
            key = " ".join([fields[0], *[f for f in fields if f.startswith(("src=", "dst=", "sport=", "dport="))][:4]])
            out[key] = int(fields[2])
    return out


def _registry_by_name(lab_dir: Path) -> dict[str, dict[str, Any]]:
    prefix = netcmd.lab_prefix(lab_dir)
    return {str(e["name"]): e for key, e in netcmd.registry_entries().items()
            if key.startswith(prefix) and "name" in e and "id" in e}
