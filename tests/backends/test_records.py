"""Reading Kamailio's accounting rows: times as each DB driver stores them, the side a call
failed on, one attempt per call when a failure is in both tables."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from calltriage.backends.kamailio.records import Table, call_attempt, dedupe, failed_side, row_time, to_julian

STOCK = Table("acc", frozenset({"method", "callid", "sip_code", "sip_reason", "time", "src_user"}))
PRECISE = Table("acc", STOCK.columns | {"time_epoch", "time_us"})
MISSED = Table("missed_calls", STOCK.columns)
ROME = ZoneInfo("Europe/Rome")


def test_times_from_each_driver_become_utc() -> None:
    moment = datetime(2026, 11, 30, 11, 0, 30, tzinfo=UTC)
    # db_sqlite: a Julian day number (UTC)
    assert row_time({"time": to_julian(moment)}, STOCK, ROME) == moment
    # db_mysql / db_postgres: a naive DATETIME in the server's local time
    assert row_time({"time": datetime(2026, 11, 30, 12, 0, 30)}, STOCK, ROME) == moment
    assert row_time({"time": "2026-11-30 12:00:30"}, STOCK, ROME) == moment
    # time_mode=1 columns, when the table has them, give the microseconds
    row = {"time": "2026-11-30 12:00:30", "time_epoch": int(moment.timestamp()), "time_us": 250000}
    assert row_time(row, PRECISE, ROME) == moment.replace(microsecond=250000)


def test_the_failed_side_follows_the_code_and_the_record() -> None:
    assert failed_side(200, None, STOCK) is None
    assert failed_side(486, None, MISSED) == "callee"  # routed, then failed at the callee
    assert failed_side(407, "bad-password", STOCK) == "caller"
    assert failed_side(401, "server-error", STOCK) == "server"
    assert failed_side(480, None, STOCK) == "callee"
    assert failed_side(500, None, STOCK) == "server"


def test_a_failure_in_acc_and_missed_calls_is_one_attempt() -> None:
    when = datetime(2026, 11, 30, 11, 0, 30, tzinfo=UTC)
    row = {"sip_code": "408", "sip_reason": "Request Timeout", "callid": "c1", "src_user": "alice",
           "dst_ouser": "+15550002", "dst_user": "bob"}
    both = [call_attempt(when, row, STOCK), call_attempt(when, row, MISSED)]
    [kept] = dedupe(both)
    assert kept.source == "missed_calls" and kept.failed_side == "callee" and kept.dialled == "+15550002"
