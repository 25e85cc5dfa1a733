"""The reporter's own phone, e-mail and name in a report: found by
bot.reports.pii, masked in the PDF, export refused until an operator's audited review. (The
report form's own warning before "send it?" is tested in-process: tests_actions/test_report_form.py.)"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pypdf
import pytest

from bot.reports import pdf, pii
from tests.test_report_flow import OP, env
from tests.test_report_store import make_store
from tests.test_report_support import REPORT_FIELDS

PHONE = "06 30 123 4567"
WHAT = f"A nevem Kiss Anna, a szomszéd Kovács Béla minden este veri a fiát. Hívjatok: {PHONE}, anna.kiss@example.hu"
FIELDS = {**REPORT_FIELDS, "what": WHAT}


# -- the detector ----------------------------------------------------------------------
@pytest.mark.parametrize("text, kind", [
    ("hívj a 06 30 123 4567 számon", "phone"),
    ("+36-20-555-1234", "phone"),
    ("+36 1 234 5678", "phone"),
    ("06-1-234-5678", "phone"),
    ("06 (30) 123-45-67", "phone"),
    ("0036301234567", "phone"),
    ("06 52 123 456", "phone"),
    ("30/123-4567", "phone"),
    ("70 123 4567", "phone"),
    ("a számom 234 5678", "phone"),
    ("+44 7700 900123", "phone"),
    ("írj: kiss.anna@gmail.com", "email"),
    ("a nevem Kiss Anna", "name"),
    ("a nevem anna és 12 éves vagyok", "name"),
    ("Szia, Anna vagyok, 12 éves", "name"),
    ("Kiss Anna vagyok.", "name"),
    ("Jó napot, Kovács Béla vagyok, tanár", "name"),
    ("Annának hívnak", "name"),
    ("my name is Anna Smith", "name"),
    ("I am Peter and I am scared", "name"),
])
def test_detector_finds(text: str, kind: str) -> None:
    assert pii.kinds(text) == [kind]
    masked = pii.mask(text)
    assert pii.MASKS[kind] in masked and pii.kinds(masked) == []


@pytest.mark.parametrize("text", [
    "Hívd a 112-t, vagy a 116 111-et, vagy a 116 000-t",
    "06 80 20 55 20 vagy 06 80 225 225",
    "Hívd a 06-80-225-225-öt",
    "írj az okit@ncsszi.hu címre",
    "A gyerek 9 éves, 2023. 05. 12. óta, Fő utca 12., 2023.05.12",
    "Kossuth u. 20/30. 3. emelet 12, 2024-03-01, 14:30",
    "kb. 10 éves, 3. osztályos, a 12-es busszal jár",
    "A szomszéd Kovács Béla minden este veri a fiát, Petikét; ma is ütötte.",
    "Tanár vagyok. Fáradt vagyok. Veszélyben vagyok. Egyedül vagyok otthon.",
    "Nagyon szomorú vagyok",
    "I am 12. I'm Hungarian and I am scared",
])
def test_detector_leaves(text: str) -> None:
    assert pii.find(text) == [] and pii.mask(text) == text


def test_mask_keeps_the_rest() -> None:
    masked = pii.mask(WHAT)
    assert "Kiss Anna" not in masked and "123 4567" not in masked and "example.hu" not in masked
    assert "[név törölve]" in masked and "[telefonszám törölve]" in masked and "[e-mail törölve]" in masked
    assert "Kovács Béla" in masked  # someone else's name is what the authority may need


# -- the PDF -----------------------------------------------------------------------------
def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


async def test_pdf_masks_the_reporters_data_and_the_report_is_flagged(redis) -> None:
    store = make_store(redis)
    report = await store.create(FIELDS)
    report = await store.add_addition(report.rid, "Ha kell, írjatok: 20 555 1234")
    data = pdf.render(report)
    text = pdf_text(data)
    for value in ("Kiss Anna", "123 4567", "1234567", "anna.kiss", "555 1234"):
        assert value not in text and value.encode() not in data
    flat = " ".join(text.split())
    assert "[telefonszám törölve]" in flat and "[név törölve]" in flat and "[e-mail törölve]" in flat
    assert "Kovács Béla" in flat and "ezért azt ez az irat nem tartalmazza" in flat
    assert report.pii_kinds() == ["phone", "email", "name"] and report.needs_pii_review()
    # Nothing of it is stored as a flag: the values stay only in the sealed fields.
    assert "pii" not in json.dumps(report.to_dict()).replace("pii_review", "")


async def test_review_covers_what_was_there_and_a_new_addition_needs_another(redis) -> None:
    store = make_store(redis)
    report = await store.create(FIELDS)
    report = await store.review_pii(report.rid, "Kiss Éva")
    assert not report.needs_pii_review() and report.pii_review is not None and report.pii_review["by"] == "Kiss Éva"
    report = await store.add_addition(report.rid, "Még annyi, hogy ma is kiabált.")
    assert not report.needs_pii_review()
    report = await store.add_addition(report.rid, "A számom +36 70 123 4567")
    assert report.needs_pii_review()
    clean = await store.create(REPORT_FIELDS)
    assert clean.pii_kinds() == [] and not clean.needs_pii_review()


# -- the API: refused before the review, allowed after, audited -----------------------------
async def test_export_needs_a_review_written_to_the_audit(gateway_factory, rasa, http) -> None:
    gw = await gateway_factory(**env(rasa))
    async with http.post(f"{gw.url}/api/operator/reports", headers=OP, json=FIELDS) as resp:
        assert resp.status == 201
        made = await resp.json()
    rid = made["rid"]
    async with http.get(f"{gw.url}/api/operator/reports/{rid}/pdf", headers=OP) as resp:
        assert resp.status == 409
        error = (await resp.json())["error"]
    assert made["pii"] == {"kinds": ["phone", "email", "name"], "review_needed": True}
    async with http.get(f"{gw.url}/api/operator/reports", headers=OP) as resp:
        assert (await resp.json())["reports"][0]["pii_review_needed"] is True
    assert "review" in error and "phone number" in error and "name" in error and "pii-review" in error
    assert "Kiss" not in error and "4567" not in error

    async with http.post(f"{gw.url}/api/operator/reports/{rid}/pii-review", headers=OP, json={}) as resp:
        assert resp.status == 200
        reviewed = await resp.json()
    assert reviewed["pii"]["review_needed"] is False and reviewed["pii_review"]["by"] == "Kiss Éva"

    async with http.get(f"{gw.url}/api/operator/reports/{rid}/pdf", headers=OP) as resp:
        assert resp.status == 200 and resp.content_type == "application/pdf"
        data = await resp.read()
    text = pdf_text(data)
    assert "Kiss Anna" not in text and "4567" not in text and "anna.kiss" not in text

    async with http.get(f"{gw.url}/api/operator/reports/{rid}/audit", headers=OP) as resp:
        audit = (await resp.json())["audit"]
    actions = [(a["by"], a["action"]) for a in reversed(audit)]
    assert ("Kiss Éva", "reviewed personal data (phone, email, name)") in actions
    assert ("Kiss Éva", "pdf refused: review needed") in actions
    assert actions.index(("Kiss Éva", "reviewed personal data (phone, email, name)")) \
        < actions.index(("Kiss Éva", "exported pdf"))
    for _, action in actions:
        assert "Kiss Anna" not in action and "4567" not in action


# The report form's warning before "send it?" (the action itself): tests_actions/test_report_form.py.


# -- the console: warning with the kinds, the review button, then the PDF ------------------
async def test_console_shows_the_warning_and_the_review_button(
        browser, gateway_factory, http, operator_account, rasa) -> None:
    from tests.test_console_browser import TIMEOUT, login
    gw = await gateway_factory(**env(rasa))
    async with http.post(f"{gw.url}/api/operator/reports", headers=OP, json=FIELDS) as resp:
        rid = (await resp.json())["rid"]
    page = await login(browser, gw.url, "zoli", await operator_account("zoli"))
    await page.goto(f"{gw.url}/console/reports")
    await page.locator("[data-testid=report-item]").first.click()
    warning = page.locator("[data-testid=report-pii-text]")
    await warning.filter(has_text="telefonszám").wait_for(timeout=TIMEOUT)
    assert "e-mail-cím" in await warning.inner_text() and "neve" in await warning.inner_text()
    assert "Kiss Anna" not in await warning.inner_text()
    assert await page.get_attribute("[data-testid=report-pdf]", "aria-disabled") == "true"
    await page.click("[data-testid=pii-review]")
    await warning.filter(has_text="Átnézte: zoli").wait_for(timeout=TIMEOUT)
    assert await page.get_attribute("[data-testid=report-pdf]", "aria-disabled") == "false"
    async with page.expect_download(timeout=TIMEOUT) as info:
        await page.click("[data-testid=report-pdf]")
    data = Path(await (await info.value).path()).read_bytes()
    assert "Kiss Anna" not in pdf_text(data)
    async with http.get(f"{gw.url}/api/operator/reports/{rid}/audit", headers=OP) as resp:
        assert ("zoli", "reviewed personal data (phone, email, name)") in {
            (a["by"], a["action"]) for a in (await resp.json())["audit"]}
