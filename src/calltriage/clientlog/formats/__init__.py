"""Log formats. Importing this package registers the built-in ones (pjsip, sip-trace)."""

from calltriage.clientlog.formats import pjsip, siptrace  # noqa: F401  (registration)
from calltriage.clientlog.formats.base import (
    LogFormat,
    detect_format,
    formats,
    get_format,
    register_format,
)

__all__ = ["LogFormat", "detect_format", "formats", "get_format", "register_format"]
