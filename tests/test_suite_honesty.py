"""The suite cannot pass by skipping: in CI a missing tool fails the test that needs it."""
from __future__ import annotations

import pytest

from tests import conftest


def test_a_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        conftest.require(False, "no Rasa environment")


def test_a_missing_tool_skips_on_a_developer_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception):
        conftest.require(False, "no Rasa environment")
    conftest.require(True, "present")  # nothing happens when the tool is there


def test_no_test_skips_on_its_own_when_a_tool_is_missing() -> None:
    """Every environment skip goes through conftest.require (so CI turns it into a failure)."""
    offenders = []
    # split so this file does not match itself
    needles = ("skipif(not Path(" + "CHROMIUM)", "pytest.skip(" + "\"no .venv-rasa",
               "pytest.skip(" + "\"needs .venv-rasa", "pytest.skip(" + "\"Debian's chromium")
    for path in sorted(conftest.ROOT.joinpath("tests").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in needles:
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert not offenders, offenders
