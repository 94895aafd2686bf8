"""Client log analysis: validate and redact uploads, parse SIP client logs, rank likely causes.

    prepared = prepare_upload("app.log.gz", data, max_bytes=50_000_000)   # UploadRejected if not OK
    result = analyze(prepared.text)                                       # pure, no I/O
    result.to_dict()["findings"][0]["id"]                                 # e.g. "wrong-credentials"
"""

from calltriage.clientlog.analysis import Analysis, Evidence, Finding, analyze
from calltriage.clientlog.redact import Redacted, redact
from calltriage.clientlog.signatures import Catalogue, Signature, load_catalogue, parse_catalogue
from calltriage.clientlog.upload import PreparedLog, prepare_upload

__all__ = [
    "Analysis",
    "Catalogue",
    "Evidence",
    "Finding",
    "PreparedLog",
    "Redacted",
    "Signature",
    "analyze",
    "load_catalogue",
    "parse_catalogue",
    "prepare_upload",
    "redact",
]
