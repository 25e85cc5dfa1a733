"""The console's report view in a real Chromium: a report made in the web chat is
handled by an operator (note, authority from the directory, immediate-danger checklist
in the seeds' order, forwarded, a message for the reporter, the PDF), and the reporter
sees the status and the message when they come back with the case code."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
import pypdf

from bot.config import ROOT
from tests.test_console_browser import TIMEOUT, login
from tests.test_report_flow import CODE, env, web_say
from tests.test_report_support import SUBMIT, FakeRasa

SESSION = "websession-cccc-0003"


async def test_operator_handles_a_report_in_the_console(
    browser: Any, gateway_factory: Any, http: aiohttp.ClientSession, operator_account: Any, rasa: FakeRasa,
) -> None:
    from playwright.async_api import expect

    gw = await gateway_factory(**env(rasa))
    await web_say(http, gw, SESSION, "bejelentést tennék")
    code = CODE.search((await web_say(http, gw, SESSION, SUBMIT))[-1]["text"]).group(0)
    password = await operator_account("kata")

    page = await login(browser, gw.url, "kata", password)
    # The conversations page counts the reports waiting to be handled.
    await page.locator("[data-testid=new-reports]", has_text="1").wait_for(timeout=TIMEOUT)
    await page.click("[data-testid=reports-link]")
    await page.wait_for_url(f"{gw.url}/console/reports")
    item = page.locator("[data-testid=report-item]")
    await item.first.wait_for(timeout=TIMEOUT)
    assert await item.count() == 1
    assert "Kecskemét" in await item.first.inner_text()
    # The case code is the reporter's secret: the list never shows it.
    assert code not in await page.content()
    await item.first.click()
    fields = page.locator("[data-testid=report-fields]")
    await fields.filter(has_text="Kovács Béla").wait_for(timeout=TIMEOUT)
    assert "mostohaapa" in await fields.inner_text() and "nem tudja" in await fields.inner_text()

    # What the operator learned on the phone.
    await page.fill("[data-testid=report-note]", "Telefonon: a gyerek 3. osztályos.")
    await page.click("[data-testid=add-report-note]")
    await page.locator("[data-testid=report-notes]", has_text="3. osztályos").wait_for(timeout=TIMEOUT)

    # The competent authority, picked from the directory.
    await page.locator("[data-testid=authority-select] option[value='service:guardianship_authority']").wait_for(
        state="attached", timeout=TIMEOUT)
    await page.select_option("[data-testid=authority-select]", "service:guardianship_authority")
    await page.click("[data-testid=set-authority]")
    await page.locator("[data-testid=report-authority]", has_text="kata").wait_for(timeout=TIMEOUT)

    # Immediate danger: the checklist appears in the seeds' order and is enforced.
    await page.check("[data-testid=immediate-toggle]")
    police = page.locator("[data-testid=step-police]")
    await police.locator("[data-testid=step-done]").wait_for(timeout=TIMEOUT)
    assert await page.locator("[data-testid=step-done]").count() == 1  # only the next step is offered
    await police.locator("[data-testid=step-note]").fill("112, 21:40, Kecskeméti Rk.")
    await police.locator("[data-testid=step-done]").click()
    await police.filter(has_text="megtörtént").wait_for(timeout=TIMEOUT)
    centre = page.locator("[data-testid=step-welfare_centre]")
    await centre.locator("[data-testid=step-done]").click()
    await centre.filter(has_text="megtörtént").wait_for(timeout=TIMEOUT)
    # The harm comes from the stepfather: telling the parents is skipped, and says why.
    parents = page.locator("[data-testid=step-parents]")
    assert "szülők a forrás" in await parents.locator("[data-testid=step-done]").inner_text()
    await parents.locator("[data-testid=step-done]").click()
    await parents.filter(has_text="kihagyva").wait_for(timeout=TIMEOUT)

    # Forwarded, and a message left for the reporter.
    await page.select_option("[data-testid=status-select]", "forwarded")
    await page.click("[data-testid=set-status]")
    await page.locator("[data-testid=report-status]", has_text="továbbítva").wait_for(timeout=TIMEOUT)
    await page.fill("[data-testid=report-message]", "Köszönjük, továbbítottuk a gyámhatóságnak.")
    await page.click("[data-testid=send-report-message]")
    await page.locator("[data-testid=report-messages]", has_text="gyámhatóságnak").wait_for(timeout=TIMEOUT)

    # The written report: a real PDF download carrying the report and none of the code.
    async with page.expect_download(timeout=TIMEOUT) as info:
        await page.click("[data-testid=report-pdf]")
    download = await info.value
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(await download.path())).pages)
    assert "Kecskemét" in text and "3. osztályos" in text
    assert code not in text and SESSION not in text
    # ... and the audit log shows who exported it.
    await page.locator("[data-testid=report-audit]", has_text="PDF-et exportált").wait_for(timeout=TIMEOUT)
    audit = await page.locator("[data-testid=report-audit]").inner_text()
    assert "kata" in audit
    # Every action in the operators' words (wording/console.yml), none as the server's code.
    assert "azonnali veszélynek jelölte" in audit and "ellenőrzőlista: Rendőrség értesítése (112)" in audit
    assert "állapot: továbbítva" in audit and "üzenetet írt a bejelentőnek" in audit
    assert "immediate=" not in audit and "checklist " not in audit and "status " not in audit
    shot = (ROOT / "docs" / "reports.png") if os.environ.get("UPDATE_SCREENSHOTS") == "1" else \
        Path(tempfile.gettempdir()) / "reports-test.png"
    await page.screenshot(path=str(shot), full_page=True)

    # The lookup by case code finds the same report.
    await page.fill("[data-testid=lookup-code]", code.lower().replace("-", " "))
    await page.click("[data-testid=lookup]")
    await expect(page.locator("[data-testid=lookup-code]")).to_have_value("", timeout=TIMEOUT)
    assert await page.locator("[data-testid=error]").inner_text() == ""
    # Forwarded, it left the "received" list; the filter "all" shows it again.
    assert await page.locator("[data-testid=report-item]").count() == 0
    await page.select_option("[data-testid=status-filter]", "")
    await page.locator("[data-testid=report-item].active", has_text="továbbítva").wait_for(timeout=TIMEOUT)
    await page.fill("[data-testid=lookup-code]", "AAA-AAA-AAA")
    await page.click("[data-testid=lookup]")
    await page.locator("[data-testid=error]", has_text="Nincs ilyen").wait_for(timeout=TIMEOUT)

    # The reporter comes back with the code and sees the status and the message.
    replies = await web_say(http, gw, "websession-dddd-0004", f"/ugy {code}")
    joined = " ".join(r["text"] for r in replies)
    assert "továbbítottuk" in joined and "gyámhatóságnak" in joined


async def test_report_api_from_the_console_needs_the_csrf_token(
    gateway_factory: Any, http: aiohttp.ClientSession, operator_account: Any, console_login: Any, rasa: FakeRasa,
) -> None:
    """The console session may use the report API, but a change without the CSRF token is refused."""
    gw = await gateway_factory(**env(rasa))
    async with http.get(f"{gw.url}/api/operator/reports") as resp:
        assert resp.status == 401
    laci = await console_login(gw.url, "laci", await operator_account("laci"))
    async with laci.http.get(f"{gw.url}/console/reports") as resp:
        assert resp.status == 200 and "reports.js" in await resp.text()
    body = {"what": "a szomszéd gyereke egész nap egyedül van", "settlement": "Szeged"}
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": laci.csrf, "Origin": "https://evil.example"}):
        async with laci.http.post(f"{gw.url}/api/operator/reports", json=body, headers=headers) as resp:
            assert resp.status == 403, headers
    status, created = await laci.call("POST", "/api/operator/reports", body)
    assert status == 201
    status, listed = await laci.call("GET", "/api/operator/reports")
    assert status == 200 and [r["rid"] for r in listed["reports"]] == [created["rid"]]
    status, audit = await laci.call("GET", f"/api/operator/reports/{created['rid']}/audit")
    assert [(e["by"], e["action"]) for e in audit["audit"]] == [("laci", "created")]


async def test_the_audit_list_shows_the_export_however_long_the_pdf_takes(
    browser: Any, gateway_factory: Any, operator_account: Any, console_login: Any, rasa: FakeRasa, monkeypatch: Any,
) -> None:
    """The audit list is read again when the export's answer is in, not after a fixed delay:
    here the PDF takes 2.5 s to make (a loaded machine), longer than the old 1.5 s timer."""
    import time

    from bot.reports import pdf

    render = pdf.render

    def slow(report: Any) -> bytes:
        time.sleep(2.5)  # in the export's worker thread (asyncio.to_thread), as the real render
        return render(report)

    monkeypatch.setattr(pdf, "render", slow)
    gw = await gateway_factory(**env(rasa))
    password = await operator_account("zoli")
    zoli = await console_login(gw.url, "zoli", password)
    status, _ = await zoli.call("POST", "/api/operator/reports",
                                {"what": "a szomszéd gyereke egész nap egyedül van", "settlement": "Szeged"})
    assert status == 201
    page = await login(browser, gw.url, "zoli", password)
    await page.goto(f"{gw.url}/console/reports")
    await page.locator("[data-testid=report-item]").first.click()
    await page.locator("[data-testid=report-audit]", has_text="zoli").wait_for(timeout=TIMEOUT)
    async with page.expect_download(timeout=TIMEOUT) as info:
        await page.click("[data-testid=report-pdf]")
    assert (await info.value).suggested_filename.endswith(".pdf")
    await page.locator("[data-testid=report-audit]", has_text="PDF-et exportált").wait_for(timeout=TIMEOUT)


async def test_the_report_list_says_the_age_once(
    browser: Any, gateway_factory: Any, http: aiohttp.ClientSession, operator_account: Any, rasa: FakeRasa,
) -> None:
    """The form's own example answer is "kb. 10 éves": the list said "kb. 6 éves éves"."""
    rasa.fields["child_age"] = "kb. 6 éves"
    gw = await gateway_factory(**env(rasa))
    await web_say(http, gw, "websession-age-0001", "bejelentést tennék")
    await web_say(http, gw, "websession-age-0001", SUBMIT)
    rasa.fields["child_age"] = "9"
    await web_say(http, gw, "websession-age-0002", "bejelentést tennék")
    await web_say(http, gw, "websession-age-0002", SUBMIT)
    page = await login(browser, gw.url, "lili", await operator_account("lili"))
    await page.goto(f"{gw.url}/console/reports")
    items = page.locator("[data-testid=report-item]")
    await items.nth(1).wait_for(timeout=TIMEOUT)
    texts = await items.all_inner_texts()
    assert any("kb. 6 éves ·" in t for t in texts) and not any("éves éves" in t for t in texts), texts
    assert any("9 éves ·" in t for t in texts), texts
    await page.context.close()
