"""action_local_office: contacts only from the office directory; sample rows never reach a
person unless KNOWLEDGE_ALLOW_SAMPLE=1, and then marked as sample data with their source."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, make_tracker, slot_events, texts

import knowledge
from actions.local_office import ActionLocalOffice, _offices_named

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


async def test_a_named_office_without_a_directory_row_says_where_it_sits(run_action) -> None:
    """"Where is the guardianship authority?" for a district with no verified row: the office's
    place in general (the district office; in Budapest the kerületi hivatal), then the usual
    "no verified local contact" (sealed7: only the family welfare service was named)."""
    result = await run_action(ActionLocalOffice(), make_tracker(
        intent="inform_settlement", text="A IX. kerületben lakunk, hol találom a gyámhatóságot?"))
    body = texts(result)
    assert "gyámhatóság" in body and "kerületi hivatal" in body and "polgármesteri hivatal" in body
    k = knowledge.load()
    assert _offices_named(k, "Kaposváron lakunk") == []
    assert _offices_named(k, "where is the guardianship office in Pécs?") == ["office_where_guardianship_authority"]
