"""A missing precondition skips on a developer's machine and fails on CI (tests/preconditions.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.preconditions import missing, on_ci

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value", ["true", "1", "yes", "True"])
def test_on_ci_a_missing_precondition_fails(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert on_ci()
    with pytest.raises(pytest.fail.Exception, match=r"PostgreSQL server binaries.*CI must provide it"):
        missing("PostgreSQL server binaries (initdb, pg_ctl) are not installed")


@pytest.mark.parametrize("value", [None, "", "false", "0"])
def test_elsewhere_it_skips_saying_why(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert not on_ci()
    with pytest.raises(pytest.skip.Exception, match="Chromium not found"):
        missing("Chromium not found at /usr/bin/chromium")


def test_the_ci_entry_point_says_it_is_ci():
    script = (ROOT / ".ci" / "run").read_text()
    exported = script.index("export CI=true")
    assert exported < script.index("make test")
    assert re.search(r"^export CI=true$", script, re.MULTILINE)
