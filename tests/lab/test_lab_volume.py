"""SIPp volume helpers."""

from __future__ import annotations

import shutil

import pytest

from calltriage_lab import sipp
from tests.support import require

pytestmark = pytest.mark.lab


def test_sipp_registers_many_accounts_and_each_registration_is_accounted(lab_factory):
    require(shutil.which("sipp") is not None, "sipp (apt-get install sip-tester)")
    lab = lab_factory(cast=False)
    creds = sipp.provision_bulk(lab, 100)

    result = sipp.mass_register(lab, creds, rate=1000)

    assert (result.successful, result.failed) == (100, 0)
    assert lab.statistics()["usrloc:registered_users"] == "100"
    assert len(lab.db.acc_rows("REGISTER")) == 100


def test_sipp_options_load_is_answered(lab_factory):
    require(shutil.which("sipp") is not None, "sipp (apt-get install sip-tester)")
    lab = lab_factory(cast=False)

    result = sipp.options_load(lab, 500, rate=2000)

    assert (result.successful, result.failed) == (500, 0)
