"""action_local_office: contacts only from the office directory; sample rows never reach a
person unless KNOWLEDGE_ALLOW_SAMPLE=1, and then marked as sample data with their source."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, make_tracker, slot_events, texts

import knowledge
from actions.local_office import ActionLocalOffice

pytestmark = pytest.mark.anyio  # async tests on asyncio (conftest.anyio_backend)


@pytest.fixture
def sample_offices(tmp_path: Path, offices_file) -> None:
    out = tmp_path / "offices.yml"
    knowledge.import_offices(ROOT / "knowledge" / "offices.sample.csv", out)
    offices_file(out)


async def test_sample_offices_are_refused_by_default(run_action, sample_offices) -> None:
    result = await run_action(ActionLocalOffice(), make_tracker(intent="inform_settlement", text="Mintafalván lakunk"))
    assert "Mintafalva" not in texts(result) and "SAMPLE" not in texts(result)
    assert "polgármesteri hivatal" in texts(result)


async def test_sample_offices_are_shown_only_with_the_setting_and_marked(run_action, sample_offices,
                                                                         monkeypatch) -> None:
    monkeypatch.setenv("KNOWLEDGE_ALLOW_SAMPLE", "1")
    result = await run_action(ActionLocalOffice(), make_tracker(intent="inform_settlement", text="Mintafalván lakunk"))
    body = texts(result)
    assert "SAMPLE" in body and "MINTAADAT" in body and "forrás" in body
    assert slot_events(result, "settlement") == ["Mintafalva"]
