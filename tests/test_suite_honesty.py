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


def _test_actions(tmp_path, **env: str):
    import os
    import subprocess

    base = {k: v for k, v in os.environ.items() if k != "CI"}
    return subprocess.run([str(conftest.ROOT / "scripts" / "test_actions.sh")], check=False, cwd=conftest.ROOT,
                          env={**base, "RASA_VENV": str(tmp_path / "no-venv-rasa"), **env},
                          capture_output=True, text=True, timeout=30)


def test_the_action_tests_fail_in_ci_without_the_rasa_environment(tmp_path) -> None:
    """tests_actions/ runs in .venv-rasa (make test-actions, phase 1 of scripts/test.sh): its
    absence is a failure under CI=true and a said-out-loud skip elsewhere, like require()."""
    ci = _test_actions(tmp_path, CI="true")
    assert ci.returncode == 1 and "CI=true" in ci.stderr
    dev = _test_actions(tmp_path)
    assert dev.returncode == 0 and "SKIPPED" in dev.stderr


def test_make_test_runs_the_action_tests_before_the_gateways_and_counts_their_failure() -> None:
    script = (conftest.ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "scripts/test_actions.sh || status=$?" in script
    assert script.index("scripts/test_actions.sh") < script.index('-m "not needs_model"')
