"""Validate an attached client log and redact it before anything is stored.

``prepare_upload`` takes the raw bytes of an upload and either returns a ``PreparedLog``
(normalised, redacted text ready to store) or raises ``UploadRejected`` with one line naming the
problem and the fix. Nothing here touches the disk or the network.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from calltriage.clientlog.redact import redact
from calltriage.errors import UploadRejected

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
# Magic numbers of containers people attach instead of a log, with the name we tell them.
_OTHER_FORMATS = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"BZh", "a bzip2 file"),
    (b"\xfd7zXZ\x00", "an xz file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd file"),
    (b"Rar!", "a RAR archive"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
# Bytes a text log never contains (NUL aside, which is checked first): C0 controls except
# TAB, LF, VT, FF, CR and ESC (ESC starts the ANSI colour codes PJ_LOG_HAS_COLOR writes).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27)) + b"\x7f"
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)
_MAX_CONTROL_RATIO = 0.01
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NAME_SAFE = re.compile(r"[^\w.\- ]")


@dataclass(frozen=True, slots=True)
class PreparedLog:
    """A validated, normalised (``\\n`` line ends, no colour codes) and redacted client log."""

    filename: str
    text: str
    sha256: str  # of the stored (redacted) text, UTF-8
    original_bytes: int
    text_bytes: int
    compressed: bool
    encoding: str  # "utf-8" or "latin-1"
    redactions: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "original_bytes": self.original_bytes,
            "text_bytes": self.text_bytes,
            "compressed": self.compressed,
            "encoding": self.encoding,
            "redactions": dict(self.redactions),
        }


def _display_name(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "the log"
    return _NAME_SAFE.sub("_", base)[:80]


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n} bytes"


def _gunzip(name: str, data: bytes, max_bytes: int) -> bytes:
    """Decompress all gzip members, never producing more than ``max_bytes`` (gzip bombs)."""
    out: list[bytes] = []
    produced = 0
    rest = data
    while rest:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        pending = rest
        try:
            while not d.eof:
                chunk = d.decompress(pending, max_bytes + 1 - produced)
                produced += len(chunk)
                out.append(chunk)
                if produced > max_bytes:
                    raise UploadRejected(
                        f"{name} unpacks to more than the {_size(max_bytes)} limit (a huge log or a gzip bomb): "
                        "attach only the hours around the failed call"
                    )
                pending = d.unconsumed_tail
                if not pending and not chunk:
                    break
        except zlib.error as exc:
            raise UploadRejected(
                f"{name} is a damaged gzip file ({exc}): re-create the .gz or attach the plain text log"
            ) from None
        if not d.eof:
            raise UploadRejected(
                f"{name} is a truncated gzip file (it ends before the compressed data does): "
                "upload it again or attach the plain text log"
            )
        # Concatenated gzip members (log rotation tools append them) are one stream; NUL padding
        # after the last member is ignored like gzip(1) does.
        rest = d.unused_data.lstrip(b"\x00")
        if rest and not rest.startswith(_GZIP_MAGIC):
            raise UploadRejected(
                f"{name} has trailing data after the gzip stream: re-create the .gz or attach the plain text log"
            )
    return b"".join(out)


def _decode(name: str, raw: bytes) -> tuple[str, str]:
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise UploadRejected(
            f"{name} is binary (NUL byte at offset {nul}): attach the app's text log or a .gz of it"
        )
    controls = len(raw.translate(None, _NOT_CONTROL))
    if controls > _MAX_CONTROL_RATIO * len(raw):
        raise UploadRejected(
            f"{name} is binary ({controls} control bytes in {len(raw)}): attach the app's text log or a .gz of it"
        )
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Older Android/Windows builds write Latin-1; every byte sequence decodes, and the control
        # byte check above already ruled out binary data.
        return raw.decode("latin-1"), "latin-1"


def _normalise(text: str) -> str:
    if "\r" in text:
        # SIP messages are CRLF on the wire and PJSIP logs them as received.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    return text


def read_capped(stream: BinaryIO, filename: str, *, max_bytes: int) -> bytes:
    """Read a log from ``stream``, stopping once it passes ``max_bytes``: never more than the limit
    plus one chunk is held (``/dev/zero`` or a huge file end with ``UploadRejected`` at the limit)."""
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(min(1 << 20, max_bytes + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise UploadRejected(f"{_display_name(filename)} is larger than the {_size(max_bytes)} limit: "
                                 "attach only the hours around the failed call, or gzip it")
    return b"".join(chunks)


def prepare_upload(filename: str, data: bytes, *, max_bytes: int) -> PreparedLog:
    """Check size and type of an attached log, unpack gzip, normalise and redact it.

    Raises ``UploadRejected`` (one line: problem and fix) and keeps nothing when the upload is
    empty, too big (before or after gunzip), binary, another archive type or a broken gzip.
    """
    name = _display_name(filename)
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")
    if not data:
        raise UploadRejected(f"{name} is empty: attach the app's log file (export it from the app's settings)")
    if len(data) > max_bytes:
        raise UploadRejected(
            f"{name} is {_size(len(data))}, over the {_size(max_bytes)} limit: "
            "attach only the hours around the failed call, or gzip it"
        )
    compressed = data.startswith(_GZIP_MAGIC)
    if compressed:
        raw = _gunzip(name, data, max_bytes)
        if not raw:
            raise UploadRejected(f"{name} unpacks to an empty file: attach the app's log file")
    else:
        for magic, what in _OTHER_FORMATS:
            if data.startswith(magic):
                raise UploadRejected(f"{name} is {what}, not a log: attach the app's text log or a .gz of it")
        raw = data
    text, encoding = _decode(name, raw)
    text = _normalise(text)
    if not text.strip():
        raise UploadRejected(f"{name} contains only blank space: attach the app's log file")
    red = redact(text)
    encoded = red.text.encode("utf-8")
    return PreparedLog(
        filename=name,
        text=red.text,
        sha256=hashlib.sha256(encoded).hexdigest(),
        original_bytes=len(data),
        text_bytes=len(encoded),
        compressed=compressed,
        encoding=encoding,
        redactions=red.counts,
    )
