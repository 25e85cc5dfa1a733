"""The report API keeps slow work off the event loop, where it would stall every conversation:
the PDF (~90 ms of CPU) renders in a worker thread, the services directory (~90 ms of YAML)
is read once and again only when one of its files changes."""
from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from tests.test_report_flow import OP, env
from tests.test_report_support import REPORT_FIELDS


async def test_pdf_renders_in_a_worker_thread(gateway_factory, rasa, http, monkeypatch) -> None:
    from bot.reports import pdf

    threads: list[bool] = []
    real = pdf.render

    def spy(report):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(report)

    monkeypatch.setattr(pdf, "render", spy)
    gw = await gateway_factory(**env(rasa))
    async with http.post(f"{gw.url}/api/operator/reports", headers=OP, json=REPORT_FIELDS) as resp:
        assert resp.status == 201
        rid = (await resp.json())["rid"]
    async with http.get(f"{gw.url}/api/operator/reports/{rid}/pdf", headers=OP) as resp:
        assert resp.status == 200 and (await resp.read()).startswith(b"%PDF")
    assert threads == [False]  # rendered once, not on the event loop's (main) thread


def test_knowledge_is_read_once_and_again_after_a_change(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import knowledge
    from bot.reports import api

    offices = tmp_path / "offices.yml"
    offices.write_text("offices: []\n", encoding="utf-8")
    monkeypatch.setenv(knowledge.OFFICES_ENV, str(offices))
    monkeypatch.setattr(api, "_knowledge_cache", None)
    loads: list[int] = []
    real = knowledge.load

    def counted(*a: Any, **k: Any) -> Any:
        loads.append(1)
        return real(*a, **k)

    monkeypatch.setattr(knowledge, "load", counted)

    first = api._knowledge()
    assert api._knowledge() is first and len(loads) == 1
    assert first.offices == [] and first.services

    offices.write_text("offices:\n  - {settlement: Kecskemét, service: family_centre}\n", encoding="utf-8")
    later = offices.stat().st_mtime_ns + 2_000_000_000
    os.utime(offices, ns=(later, later))
    again = api._knowledge()
    assert len(loads) == 2 and len(again.offices) == 1
