"""Server-side findings: what several incidents can have in common (one server, one fault).

A probe result about the *server* (not about one user's account) names a finding: the network
test's failure on one endpoint (an expired certificate is the same certificate for everyone:
its expiry and subject are part of the key), or the server checks' failed parts. Results about
one account (registration, calls, configuration) never group incidents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SERVER_PROBES = ("network.server", "services.server")


@dataclass(frozen=True, slots=True)
class Finding:
    key: str  # equal keys = the same server-side finding
    title: str  # one line for people
    probe: str
    evidence: dict[str, Any]


def finding_of(result: dict[str, Any]) -> Finding | None:
    """The server-side finding of a probe result (``ProbeResult.to_dict()``), or None."""
    probe = str(result.get("probe") or "")
    if probe not in SERVER_PROBES or result.get("status") != "fail":
        return None
    evidence = result.get("evidence") or {}
    if probe == "network.server":
        tls = evidence.get("tls") or {}
        cert = tls.get("certificate") or {}
        failure = tls.get("failure") or ("dns" if not tls else "network")
        parts = [probe, str(tls.get("endpoint") or ""), str(failure)]
        if cert:
            parts += [str(cert.get("not_after") or ""), str(cert.get("subject") or "")]
        what = {"tls-expired": "expired server certificate", "tls-hostname": "certificate host-name mismatch",
                "tls-untrusted": "untrusted server certificate", "refused": "connection refused",
                "timeout": "no answer"}.get(str(failure), str(failure))
        where = tls.get("endpoint") or "the server"
        title = f"{what} on {where}" + (f" (certificate valid until {cert['not_after']})"
                                        if cert.get("not_after") else "")
        return Finding("|".join(parts), title, probe, {"tls": tls, "dns": evidence.get("dns")})
    failed = sorted(name for name, part in evidence.items()
                    if isinstance(part, dict) and part.get("status") == "fail")
    if not failed:
        return None
    details = {name: evidence[name].get("detail", "") for name in failed}
    return Finding("|".join([probe, *failed]), "server services failing: " + ", ".join(failed), probe,
                   {"failed": details})
