"""`calltriage incident attach|attachments|analyze|dossier` through the real entry point, with --json."""

from __future__ import annotations

import gzip
import io
import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from calltriage.clientlog.upload import read_capped
from calltriage.errors import UploadRejected
from tests.cli_runner import cli
from tests.records.cast import PLANTED_DIGESTS, PLANTED_PASSWORDS, planted_log


def _incident(db_url: str) -> str:
    opened = cli("incident", "open", "--caller", "alice", "--callee", "+15550002", "--json", db=db_url).json()
    return str(opened["id"])


def test_attach_list_and_analyze_a_log_with_json(db_url: str, tmp_path: Path) -> None:
    incident = _incident(db_url)
    log = tmp_path / "alice.log.gz"
    log.write_bytes(gzip.compress(planted_log()))
    attached = cli("incident", "attach", incident, str(log), "--as", "ana", "--json", db=db_url).json()
    assert attached["filename"] == "alice.log.gz" and attached["meta"]["format"] == "gzip"
    assert attached["uploaded_by"] == "ana" and "content" not in attached
    listed = cli("incident", "attachments", incident, "--json", db=db_url).json()
    assert [a["id"] for a in listed] == [attached["id"]]
    analysis = cli("incident", "analyze", incident, "--json", db=db_url).json()
    assert analysis["analysis"]["findings"][0]["id"] == "wrong-credentials"
    text = cli("incident", "analyze", incident, db=db_url)
    top = analysis["analysis"]["findings"][0]
    assert text.code == 0 and f"1. {top['title']}" in text.out and top["evidence"][0]["text"] in text.out
    shown = cli("incident", "show", incident, "--json", db=db_url).json()
    assert shown["events"][-1]["kind"] == "attached"
    for secret in PLANTED_PASSWORDS + PLANTED_DIGESTS:
        assert secret not in json.dumps(shown) and secret not in text.out


def test_a_binary_file_is_refused_in_one_line_and_nothing_is_attached(sqlite_db_url: str,
                                                                      tmp_path: Path) -> None:
    incident = _incident(sqlite_db_url)
    core = tmp_path / "core"
    core.write_bytes(b"\x7fELF" + bytes(range(256)) * 8)
    result = cli("incident", "attach", incident, str(core), db=sqlite_db_url)
    assert result.code == 1 and result.err.startswith("Error: core is binary") and result.err.count("\n") == 1
    assert cli("incident", "attachments", incident, "--json", db=sqlite_db_url).json() == []


def test_attaching_to_an_unknown_incident_fails_before_reading_the_file(sqlite_db_url: str,
                                                                         tmp_path: Path) -> None:
    result = cli("incident", "attach", "42", str(tmp_path / "missing.log"), db=sqlite_db_url)
    assert result.code == 1 and "no incident 42" in result.err


def test_analyze_without_a_log_says_how_to_attach_one(sqlite_db_url: str) -> None:
    incident = _incident(sqlite_db_url)
    assert cli("incident", "analyze", incident, "--json", db=sqlite_db_url).json() is None
    assert f"calltriage incident attach {incident} FILE" in cli("incident", "analyze", incident,
                                                                 db=sqlite_db_url).out


def test_dossier_formats_output_file_and_pseudonymisation(db_url: str, tmp_path: Path) -> None:
    incident = _incident(db_url)
    log = tmp_path / "alice.log"
    log.write_bytes(planted_log())
    cli("incident", "attach", incident, str(log), "--json", db=db_url).json()
    md = cli("incident", "dossier", incident, db=db_url)
    assert md.code == 0 and md.out.startswith(f"# Dossier: incident {incident}")
    pseudo = cli("incident", "dossier", incident, "--format", "json", "--pseudonymise", db=db_url)
    data = json.loads(pseudo.out)
    assert data["parties"] == {"caller": "user-1", "callee": "+XX-0001"}
    out = tmp_path / "dossier.html"
    written = cli("incident", "dossier", incident, "--format", "html", "--output", str(out), db=db_url)
    assert written.code == 0 and str(out) in written.out
    html = out.read_text(encoding="utf-8")
    assert "<!DOCTYPE html>" in html and "alice.log" in html
    for secret in PLANTED_PASSWORDS + PLANTED_DIGESTS:
        assert secret not in html and secret not in md.out


def test_an_unknown_dossier_format_names_the_ones_that_exist(sqlite_db_url: str) -> None:
    incident = _incident(sqlite_db_url)
    result = cli("incident", "dossier", incident, "--format", "pdf", db=sqlite_db_url)
    assert result.code == 1 and "use one of md, json, html" in result.err


def test_attaching_an_endless_file_stops_at_the_limit(sqlite_db_url: str) -> None:
    incident = _incident(sqlite_db_url)

    def cap_memory() -> None:  # reading /dev/zero whole would hit this and fail differently
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    done = subprocess.run([sys.executable, "-c", "from calltriage.cli.main import run; run()",
                           f"--db={sqlite_db_url}", "incident", "attach", incident, "/dev/zero", "--as", "ana"],
                          capture_output=True, text=True, timeout=300, preexec_fn=cap_memory, check=False)
    assert done.returncode != 0
    assert done.stderr.strip() == ("Error: zero is larger than the 21.0 MB limit: attach only the hours "
                                   "around the failed call, or gzip it")
    assert cli("incident", "attachments", incident, "--json", db=sqlite_db_url).json() == []


def test_reading_a_log_holds_at_most_the_limit_and_one_chunk() -> None:
    class Endless(io.RawIOBase):
        served = 0

        def read(self, size: int = -1) -> bytes:
            self.served += size
            return b"a" * size

    stream = Endless()
    with pytest.raises(UploadRejected, match=r"larger than the 1\.0 MB limit"):
        read_capped(stream, "app.log", max_bytes=1_000_000)  # type: ignore[arg-type]
    assert stream.served == 1_000_001
