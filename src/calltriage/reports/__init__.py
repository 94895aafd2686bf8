"""Reports: pure, read-only queries over the store (aggregated in SQL; SQLite and PostgreSQL)."""

from calltriage.reports.summary import REPORT_SCHEMA, summary
from calltriage.reports.text import render_text

__all__ = ["REPORT_SCHEMA", "render_text", "summary"]
