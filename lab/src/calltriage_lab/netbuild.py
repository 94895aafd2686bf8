"""Building a client network: namespaces, veths, addresses, routes, nftables rules, hosts file,
and the latency relay. What each part is for is described in calltriage_lab.clientnet."""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import sys
from typing import TYPE_CHECKING

from calltriage_lab import netcmd
from calltriage_lab.errors import LabError
from calltriage_lab.ports import free_port

if TYPE_CHECKING:
    from calltriage_lab.clientnet import ClientNetwork

WAN_BASE = ipaddress.IPv4Address("198.18.0.0")  # benchmarking ranges: never a real network's
LAN_BASE = ipaddress.IPv4Address("198.19.0.0")
SERVER_NAME = "localhost"  # what the device dials; the lab certificate is issued for it


def build(net: ClientNetwork) -> None:
    """Create the namespaces, veths, addresses, routes and rules of ``net`` (see clientnet)."""
    i, r, d = net.id, net.router_ns, net.device_ns
    run = netcmd.run
    wan = ipaddress.IPv4Network(f"{WAN_BASE + 4 * net.slot}/30")
    lan = ipaddress.IPv4Network(f"{LAN_BASE + 8 * net.slot}/29")
    router_lan = str(lan.network_address + 1)
    for ns in (r, d):
        run("ip", "netns", "add", ns)
        run("ip", "-n", ns, "link", "set", "lo", "up")
    run("ip", "link", "add", f"{i}h", "type", "veth", "peer", "name", f"{i}w", "netns", r)
    run("ip", "link", "add", f"{i}l", "netns", r, "type", "veth", "peer", "name", f"{i}e", "netns", d)
    run("ip", "addr", "add", f"{net.server_ip}/30", "dev", f"{i}h")
    run("ip", "link", "set", f"{i}h", "up")
    netcmd.sysctl(f"net.ipv4.conf.{i}h.route_localnet", 1)  # DNAT to Kamailio on 127.0.0.1
    run("ip", "-n", r, "addr", "add", f"{net.wan_ip}/30", "dev", f"{i}w")
    run("ip", "-n", r, "addr", "add", f"{router_lan}/29", "dev", f"{i}l")
    run("ip", "-n", d, "addr", "add", f"{net.device_ip}/29", "dev", f"{i}e")
    for ns, link in ((r, f"{i}w"), (r, f"{i}l"), (d, f"{i}e")):
        run("ip", "-n", ns, "link", "set", link, "up")
    run("ip", "-n", r, "route", "add", "default", "via", str(wan.network_address + 1))
    run("ip", "-n", d, "route", "add", "default", "via", router_lan)
    netcmd.sysctl("net.ipv4.ip_forward", 1, netns=r)
    netcmd.nft(f"""table ip {i} {{
  chain nat_out {{ type nat hook postrouting priority srcnat; oifname "{i}w" masquerade fully-random; }}
  chain wan_forward {{ type filter hook forward priority filter; policy accept;
    iifname "{i}w" ct state != {{ established, related }} drop; }}
  chain wan_input {{ type filter hook input priority filter; policy accept;
    iifname "{i}w" ct state != {{ established, related }} drop; }}
  chain impair {{ type filter hook forward priority -10; policy accept; }}
}}
""", netns=r)
    if net.nat_timeout is not None:
        for key in ("tcp_timeout_established", "udp_timeout", "udp_timeout_stream"):
            netcmd.sysctl(f"net.netfilter.nf_conntrack_{key}", net.nat_timeout, netns=r)
    etc = netcmd.ETC_NETNS / d
    etc.mkdir(parents=True, exist_ok=True)
    # localhost = the lab; the machine's own name = the device (PJSIP looks it up at start);
    # no DNS server in here: a lookup fails at once instead of timing out
    (etc / "hosts").write_text(f"{net.server_ip}\t{SERVER_NAME}\n{net.device_ip}\t{socket.gethostname()}\n")
    (etc / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    targets = {"tls": net.lab.tls_port, "sip_udp": net.lab.sip_port, "sip_tcp": net.lab.sip_port}
    if net.latency_ms:
        targets = start_relay(net)
    netcmd.nft(f"""table ip {i} {{
  chain to_lab {{ type nat hook prerouting priority dstnat;
    iifname "{i}h" ip daddr {net.server_ip} tcp dport {net.lab.tls_port} dnat to 127.0.0.1:{targets["tls"]}
    iifname "{i}h" ip daddr {net.server_ip} udp dport {net.lab.sip_port} dnat to 127.0.0.1:{targets["sip_udp"]}
    iifname "{i}h" ip daddr {net.server_ip} tcp dport {net.lab.sip_port} dnat to 127.0.0.1:{targets["sip_tcp"]}
  }}
}}
""")
    net._apply_impairments()


def start_relay(net: ClientNetwork) -> dict[str, int]:
    """The latency relay's process (recorded so a sweep can kill it); where it listens."""
    tls, sip_udp, sip_tcp = free_port(), free_port(also_udp=True), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "calltriage_lab.delayrelay", "--delay-ms", str(net.latency_ms),
         "--tcp", f"{tls}:{net.lab.tls_port}", "--udp", f"{sip_udp}:{net.lab.sip_port}",
         "--tcp", f"{sip_tcp}:{net.lab.sip_port}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    net.relay_pid = proc.pid
    net._write_registry()
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        raise LabError("the latency relay did not start")
    proc.stdout.close()
    net.relay_ports = {"tls": tls, "sip_udp": sip_udp, "sip_tcp": sip_tcp}
    return net.relay_ports
