"""Attaching a log: size and type checks, gzip, normalisation. A rejected upload says why in
one line (problem and fix) and returns nothing to store."""

from __future__ import annotations

import gzip
import hashlib
import io

import pytest

from calltriage.clientlog.upload import prepare_upload
from calltriage.errors import UploadRejected
from tests.clientlog.helpers import raw

MB = 1_000_000


def rejected(filename: str, data: bytes, max_bytes: int = MB) -> str:
    with pytest.raises(UploadRejected) as info:
        prepare_upload(filename, data, max_bytes=max_bytes)
    message = str(info.value)
    assert "\n" not in message
    assert ": " in message  # "<problem>: <fix>"
    return message


def test_it_accepts_a_real_pjsip_log_and_returns_redacted_text_with_its_hash() -> None:
    data = raw("pjsip_call_ok.log")
    prepared = prepare_upload("pjsip_call_ok.log", data, max_bytes=MB)
    assert prepared.encoding == "utf-8"
    assert not prepared.compressed
    assert "\r" not in prepared.text
    assert prepared.sha256 == hashlib.sha256(prepared.text.encode()).hexdigest()
    assert prepared.redactions["authorization"] >= 3
    assert prepared.to_dict()["redactions"] == prepared.redactions


def test_it_unpacks_a_gzipped_log() -> None:
    data = raw("pjsip_wrong_password.log")
    prepared = prepare_upload("app.log.gz", gzip.compress(data), max_bytes=MB)
    assert prepared.compressed
    assert "Response msg 401/REGISTER" in prepared.text


def test_it_unpacks_concatenated_gzip_members_as_one_log() -> None:
    first, second = b"line one\n", b"line two\n"
    prepared = prepare_upload("rotated.gz", gzip.compress(first) + gzip.compress(second), max_bytes=MB)
    assert prepared.text == "line one\nline two\n"


def test_it_rejects_an_upload_over_the_limit_before_reading_it() -> None:
    message = rejected("huge.log", b"x" * (MB + 1))
    assert "over the 1.0 MB limit" in message
    assert "gzip it" in message


def test_it_rejects_a_gzip_bomb_without_unpacking_it_all() -> None:
    bomb = gzip.compress(b"A" * (50 * MB), compresslevel=9)
    assert len(bomb) < 100_000
    message = rejected("bomb.log.gz", bomb)
    assert "unpacks to more than the 1.0 MB limit" in message


def test_it_rejects_a_truncated_gzip_file() -> None:
    data = gzip.compress(raw("pjsip_call_ok.log"))
    message = rejected("cut.log.gz", data[: len(data) // 2])
    assert "truncated gzip" in message


def test_it_rejects_a_damaged_gzip_file() -> None:
    data = bytearray(gzip.compress(raw("pjsip_call_ok.log")))
    data[20:40] = b"\xff" * 20
    message = rejected("damaged.gz", bytes(data))
    assert "damaged gzip" in message or "truncated gzip" in message


def test_it_rejects_a_binary_file_and_names_the_first_nul_byte() -> None:
    message = rejected("log.bin", b"hello world!" + b"\x00\x01\x02" * 100)
    assert message == "log.bin is binary (NUL byte at offset 12): attach the app's text log or a .gz of it"


def test_it_rejects_text_full_of_control_bytes() -> None:
    message = rejected("weird.log", bytes(range(1, 9)) * 200 + b"some text\n")
    assert "is binary" in message


def test_it_rejects_other_archive_types_by_name() -> None:
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.log", "hello")
    assert "is a ZIP archive" in rejected("logs.zip", buf.getvalue())


@pytest.mark.parametrize("data", [b"", b"   \n\n\t \n"])
def test_it_rejects_an_empty_log(data: bytes) -> None:
    assert "empty" in rejected("empty.log", data) or "blank space" in rejected("empty.log", data)


def test_it_rejects_a_gzip_of_nothing() -> None:
    assert "unpacks to an empty file" in rejected("nothing.gz", gzip.compress(b""))


def test_it_reads_a_latin1_log() -> None:
    prepared = prepare_upload("old.log", "Café: Anruf fehlgeschlagen\n".encode("latin-1"), max_bytes=MB)
    assert prepared.encoding == "latin-1"
    assert prepared.text == "Café: Anruf fehlgeschlagen\n"


def test_it_strips_colour_codes_and_carriage_returns() -> None:
    data = b"\x1b[33m18:04:18.630 pjsua_core.c  warning\x1b[0m\r\nnext\r\n"
    assert prepare_upload("color.log", data, max_bytes=MB).text == "18:04:18.630 pjsua_core.c  warning\nnext\n"


def test_it_keeps_only_the_base_name_of_the_file_in_messages() -> None:
    message = rejected("C:\\Users\\ana\\secret path\\log.bin", b"\x00")
    assert message.startswith("log.bin is binary")


def test_it_accepts_a_log_cut_in_the_middle_of_a_sip_message() -> None:
    data = raw("pjsip_callee_stale.log")
    cut = data[: data.index(b"SIP/2.0 408 Request Timeout") + 30]
    prepared = prepare_upload("cut.log", cut, max_bytes=MB)
    assert prepared.text.endswith(cut.decode().replace("\r\n", "\n")[-20:])
