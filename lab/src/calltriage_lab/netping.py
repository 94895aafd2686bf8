"""SIP OPTIONS pings to the lab over UDP from wherever it runs (a client network's device namespace):
how many of ``count`` came back, and their round-trip times. Shows loss and latency for real.

``python -m calltriage_lab.netping HOST PORT COUNT [--wait S]`` prints one JSON line
``{"sent": N, "answered": M, "rtt_ms": [...]}``. The requests go out paced (5 ms apart), each with
its own Call-ID; answers are collected until all came back or ``--wait`` seconds after the last.
"""

from __future__ import annotations

import argparse
import json
import socket
import time
import uuid


def ping(host: str, port: int, count: int, wait: float = 3.0) -> dict[str, object]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((host, port))
    local = sock.getsockname()
    sent: dict[str, float] = {}
    rtts: dict[str, float] = {}

    def collect(until: float) -> None:
        while len(rtts) < len(sent):
            left = until - time.monotonic()
            if left <= 0:
                return
            sock.settimeout(left)
            try:
                data = sock.recv(65535)
            except (TimeoutError, ConnectionRefusedError):
                continue
            for line in data.decode(errors="replace").split("\r\n"):
                if line.lower().startswith("call-id:"):
                    call_id = line.split(":", 1)[1].strip()
                    if call_id in sent and call_id not in rtts:
                        rtts[call_id] = (time.monotonic() - sent[call_id]) * 1000

    for i in range(count):
        call_id = f"netping-{i}-{uuid.uuid4().hex}"
        uri = f"sip:127.0.0.1:{port}"  # the lab itself ("myself"): answered 200 Keepalive
        via = f"SIP/2.0/UDP {local[0]}:{local[1]};rport;branch=z9hG4bK{uuid.uuid4().hex}"
        msg = (f"OPTIONS {uri} SIP/2.0\r\nVia: {via}\r\n"
               f"From: <sip:netping@lab.test>;tag={i}\r\nTo: <{uri}>\r\nCall-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\n"
               "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
        sent[call_id] = time.monotonic()
        sock.send(msg.encode())
        collect(time.monotonic() + 0.005)
    collect(time.monotonic() + wait)
    sock.close()
    return {"sent": len(sent), "answered": len(rtts), "rtt_ms": sorted(round(v, 1) for v in rtts.values())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--wait", type=float, default=3.0)
    args = ap.parse_args()
    print(json.dumps(ping(args.host, args.port, args.count, args.wait)))


if __name__ == "__main__":
    main()
