"""SIP message model, parser and builder (RFC 3261 §7, §20), only what the probes need.

The parser is strict about the start line and lenient about headers: a support tool meets
odd servers, and one malformed header must not hide the status code we came for.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from calltriage.sip.errors import SipParseError

# RFC 3261 §7.3.3 compact header forms.
_COMPACT = {
    "v": "Via",
    "f": "From",
    "t": "To",
    "i": "Call-ID",
    "m": "Contact",
    "l": "Content-Length",
    "c": "Content-Type",
    "k": "Supported",
    "e": "Content-Encoding",
    "s": "Subject",
    "o": "Event",
    "r": "Refer-To",
}
_CANONICAL = {
    name.lower(): name
    for name in (
        "Via",
        "From",
        "To",
        "Call-ID",
        "CSeq",
        "Contact",
        "Content-Length",
        "Content-Type",
        "Max-Forwards",
        "Record-Route",
        "Route",
        "WWW-Authenticate",
        "Proxy-Authenticate",
        "Authorization",
        "Proxy-Authorization",
        "User-Agent",
        "Server",
        "Allow",
        "Supported",
        "Expires",
        "Warning",
        "Reason",
        "Retry-After",
        "Accept",
        "Event",
        "Subject",
    )
}
# Headers that may carry several comma-separated values in one line (RFC 3261 §7.3.1).
_MULTI = {"via", "contact", "route", "record-route", "allow", "supported"}

MAGIC_COOKIE = "z9hG4bK"  # RFC 3261 §8.1.1.7: branches starting with it are RFC 3261 branches
MAX_HEADER_BYTES = 64 * 1024


def canonical(name: str) -> str:
    low = name.strip().lower()
    if low in _COMPACT:
        return _COMPACT[low]
    return _CANONICAL.get(low, "-".join(part.capitalize() for part in low.split("-")))


def new_branch() -> str:
    return MAGIC_COOKIE + secrets.token_hex(8)


def new_tag() -> str:
    return secrets.token_hex(6)


def new_call_id() -> str:
    return secrets.token_hex(12) + "@calltriage"


@dataclass(slots=True)
class Message:
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def get(self, name: str) -> str | None:
        """First value of a header (compact forms accepted), or None."""
        want = canonical(name)
        for key, value in self.headers:
            if key == want:
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        """Every value of a header, comma-separated lines split for list headers."""
        want = canonical(name)
        out: list[str] = []
        for key, value in self.headers:
            if key != want:
                continue
            if want.lower() in _MULTI:
                out.extend(split_list(value))
            else:
                out.append(value)
        return out

    @property
    def call_id(self) -> str:
        return self.get("Call-ID") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        return parse_cseq(self.get("CSeq") or "")

    @property
    def top_via(self) -> Via | None:
        vias = self.get_all("Via")
        return parse_via(vias[0]) if vias else None


@dataclass(slots=True)
class Request(Message):
    method: str = ""
    uri: str = ""

    def to_bytes(self) -> bytes:
        return _serialize(f"{self.method} {self.uri} SIP/2.0", self.headers, self.body)


@dataclass(slots=True)
class Response(Message):
    status: int = 0
    reason: str = ""

    def to_bytes(self) -> bytes:
        return _serialize(f"SIP/2.0 {self.status} {self.reason}", self.headers, self.body)

    @property
    def provisional(self) -> bool:
        return 100 <= self.status < 200


def _serialize(start: str, headers: Iterable[tuple[str, str]], body: bytes) -> bytes:
    lines = [start]
    lines.extend(f"{k}: {v}" for k, v in headers if k != "Content-Length")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


_STATUS_RE = re.compile(r"^SIP/2\.0 ([1-6]\d\d)(?: (.*))?$")
_REQUEST_RE = re.compile(r"^([A-Za-z]+) (\S+) SIP/2\.0$")


def parse_message(data: bytes) -> Request | Response:
    """Parse one complete SIP message (datagram, or one frame from ``StreamFramer``)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        # Some stacks end the header block with bare LFs.
        head, sep, body = data.partition(b"\n\n")
    text = head.decode("utf-8", errors="replace")
    raw_lines = text.replace("\r\n", "\n").split("\n")
    while raw_lines and not raw_lines[0].strip():
        raw_lines.pop(0)
    if not raw_lines:
        raise SipParseError("empty SIP message")
    start = raw_lines[0].strip()
    headers = list(_parse_headers(raw_lines[1:]))
    msg: Request | Response
    if m := _STATUS_RE.match(start):
        msg = Response(headers=headers, status=int(m.group(1)), reason=(m.group(2) or "").strip())
    elif m := _REQUEST_RE.match(start):
        msg = Request(headers=headers, method=m.group(1).upper(), uri=m.group(2))
    else:
        raise SipParseError(f"not a SIP start line: {start[:80]!r}")
    length = msg.get("Content-Length")
    if length is not None and length.strip().isdigit():
        body = body[: int(length.strip())]
    msg.body = body
    return msg


def _parse_headers(lines: list[str]) -> Iterator[tuple[str, str]]:
    current: list[str] | None = None
    for line in lines:
        if line[:1] in (" ", "\t") and current is not None:
            current[1] += " " + line.strip()  # RFC 3261 §7.3.1 header folding
            continue
        if current is not None:
            yield current[0], current[1]
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            current = None
            continue
        current = [canonical(name), value.strip()]
    if current is not None:
        yield current[0], current[1]


def split_list(value: str) -> list[str]:
    """Split a comma-separated header value, ignoring commas inside quotes and <...>."""
    parts: list[str] = []
    depth = 0
    quoted = False
    buf: list[str] = []
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            depth += 1
        elif not quoted and ch == ">":
            depth = max(0, depth - 1)
        if ch == "," and not quoted and depth == 0:
            parts.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    tail = "".join(buf).strip()
    if tail:
        parts.append(tail)
    return [p for p in parts if p]


def parse_params(text: str) -> dict[str, str]:
    """``;a=b;lr`` -> {"a": "b", "lr": ""} (names lower-cased, quotes removed)."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        key, _, val = part.partition("=")
        out[key.strip().lower()] = val.strip().strip('"')
    return out


@dataclass(frozen=True, slots=True)
class Via:
    transport: str
    host: str
    port: int | None
    params: dict[str, str]

    @property
    def branch(self) -> str:
        return self.params.get("branch", "")


def parse_via(value: str) -> Via:
    # "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK...;rport=5060;received=1.2.3.4"
    proto, _, rest = value.strip().partition(" ")
    bits = proto.split("/")
    if len(bits) != 3 or not rest:
        raise SipParseError(f"bad Via header: {value[:80]!r}")
    sent_by, _, params = rest.strip().partition(";")
    host, port = split_host_port(sent_by.strip())
    return Via(transport=bits[2].strip().upper(), host=host, port=port, params=parse_params(params))


def split_host_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):  # IPv6 reference
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = text.partition(":")
    return host, int(port) if port.isdigit() else None


def parse_cseq(value: str) -> tuple[int, str]:
    num, _, method = value.strip().partition(" ")
    if not num.isdigit() or not method.strip():
        raise SipParseError(f"bad CSeq header: {value[:80]!r}")
    return int(num), method.strip().upper()


@dataclass(frozen=True, slots=True)
class NameAddr:
    """From/To/Contact/Route value: optional display name, URI, header parameters (tag...)."""

    display: str
    uri: str
    params: dict[str, str]

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    def render(self) -> str:
        disp = f'"{self.display}" ' if self.display else ""
        extra = "".join(f";{k}={v}" if v else f";{k}" for k, v in self.params.items())
        return f"{disp}<{self.uri}>{extra}"


def parse_name_addr(value: str) -> NameAddr:
    value = value.strip()
    if "<" in value:
        before, _, rest = value.partition("<")
        uri, _, after = rest.partition(">")
        return NameAddr(display=before.strip().strip('"'), uri=uri.strip(), params=parse_params(after))
    # addr-spec form: parameters after the URI belong to the header, not the URI (§20.10)
    uri, _, params = value.partition(";")
    return NameAddr(display="", uri=uri.strip(), params=parse_params(params))


@dataclass(frozen=True, slots=True)
class SipUri:
    scheme: str
    user: str
    host: str
    port: int | None
    params: dict[str, str]

    @property
    def transport(self) -> str | None:
        t = self.params.get("transport")
        return t.lower() if t else None


def parse_uri(uri: str) -> SipUri:
    scheme, colon, rest = uri.strip().partition(":")
    if not colon or scheme.lower() not in ("sip", "sips"):
        raise SipParseError(f"not a SIP URI: {uri[:80]!r}")
    rest = rest.split("?", 1)[0]
    hostpart, _, params = rest.partition(";")
    user, at, hostport = hostpart.rpartition("@")
    if not at:
        user, hostport = "", hostpart
    host, port = split_host_port(hostport)
    return SipUri(scheme=scheme.lower(), user=user, host=host, port=port, params=parse_params(params))


class StreamFramer:
    """Cut a TCP/TLS byte stream into SIP messages by Content-Length (RFC 3261 §18.3).

    Stream transports have no datagram boundaries: the Content-Length header is the only
    framing, and is mandatory there. CRLF keep-alives (RFC 5626 §3.5.1) between messages
    are skipped.
    """

    def __init__(self, max_header: int = MAX_HEADER_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_header

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out: list[bytes] = []
        while True:
            while self._buf[:2] == b"\r\n":
                del self._buf[:2]
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buf) > self._max:
                    raise SipParseError("SIP header block larger than 64 KiB on a stream connection")
                return out
            length = _content_length(bytes(self._buf[:end]))
            total = end + 4 + length
            if len(self._buf) < total:
                return out
            out.append(bytes(self._buf[:total]))
            del self._buf[:total]


_CL_RE = re.compile(rb"^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$", re.IGNORECASE | re.MULTILINE)


def _content_length(head: bytes) -> int:
    m = _CL_RE.search(head.replace(b"\r\n", b"\n"))
    if m is None:
        raise SipParseError("SIP message on a stream connection without Content-Length")
    return int(m.group(1))
