"""Written reports to the authority by e-mail, against a real SMTP server (aiosmtpd):
the PDF arrives as an attachment at the directory's address, nothing of the reporter is in
the mail, the personal-data review gates it like the PDF, an SMTP outage (and a restart
meanwhile) delays it but loses nothing, and every step is in the report's audit log."""
from __future__ import annotations

import asyncio
import io
import re
import tempfile
from pathlib import Path
from typing import Any

import pypdf
import pytest

from bot import keys
from bot.appkeys import GATEWAY
from bot.config import ConfigError
from bot.reports import api as reports_api
from bot.reports.directory import SHIPPED, Directory
from tests.conftest import free_port, make_settings, redis_bytes
from tests.email_servers import SmtpRelay
from tests.test_report_flow import CODE, OP, web_say
from tests.test_report_support import REPORT_FIELDS, SUBMIT, FakeRasa

FROM = "jelzes@hotline.test"
AUTHORITY = "gyamugy@kecskemet-teszt.invalid"
PHONE = "06 30 123 4567"
WHAT = f"A nevem Kiss Anna, a szomszéd Kovács Béla minden este veri a fiát. Hívjatok: {PHONE}, anna.kiss@example.hu"
LOCAL = f"""
version: 1
authorities:
  - id: kecskemet-gyam
    name: "Kecskeméti Gyámhivatal (teszt)"
    email: "{AUTHORITY}"
    kind: guardianship_authority
    settlement: "Kecskemét"
    source: "TEST: fictional entry of the test suite"
    date: "2026-01"
"""


def directory_file(text: str = LOCAL) -> str:
    path = Path(tempfile.mkdtemp(prefix="test-authorities-")) / "authorities.yml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
async def rasa(redis_server: Any) -> Any:
    fake = FakeRasa(redis_server.url, {**REPORT_FIELDS, "what": WHAT})
    await fake.start(free_port())
    yield fake
    await fake.stop()


@pytest.fixture
def relay() -> Any:
    r = SmtpRelay(None, deliver=False)  # type: ignore[arg-type]  # records only; no mailbox needed
    yield r
    r.stop()


def env(rasa: FakeRasa, relay: SmtpRelay, **more: str) -> dict[str, str]:
    return {"RASA_URL": rasa.url, "ACTION_SERVER_URL": rasa.url, "EMAIL_SMTP_URL": relay.url,
            "REPORT_MAIL_FROM": FROM, "AUTHORITY_DIRECTORY": directory_file(), "EMAIL_TIMEOUT": "2",
            "MAIL_RETRY_SECONDS": "0.2", "MAIL_RETRY_MAX_SECONDS": "0.4", **more}


async def call(http: Any, method: str, url: str, body: Any = None) -> tuple[int, Any]:
    async with http.request(method, url, headers=OP, json=body) as resp:
        return resp.status, await resp.json()


async def web_report(http: Any, gw: Any, session: str) -> tuple[str, str]:
    await web_say(http, gw, session, "bejelentenék valamit")
    replies = await web_say(http, gw, session, SUBMIT)
    code = CODE.search(replies[-1]["text"]).group(0)
    return code, gw.app[reports_api.DESK].reports.rid(code)


async def mail_status(http: Any, gw: Any, rid: str, want: str, timeout: float = 15) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        status, d = await call(http, "GET", f"{gw.url}/api/operator/reports/{rid}")
        if d["mails"] and d["mails"][-1]["status"] == want:
            return d
        await asyncio.sleep(0.05)
    raise AssertionError(f"mail status never became {want}: {d['mails']}")


def pdf_text(data: bytes) -> str:
    return " ".join("\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).split())


async def test_report_mail_reaches_the_authority_with_its_pdf_and_no_reporter_trace(
        gateway_factory: Any, rasa: FakeRasa, relay: SmtpRelay, http: Any) -> None:
    relay.start()
    gw = await gateway_factory(**env(rasa, relay))
    session = "websession-mail-0001"
    code, rid = await web_report(http, gw, session)
    pid = gw.app[GATEWAY].pid("web", session)
    base = f"{gw.url}/api/operator/reports/{rid}"

    # The directory offers the local authority first (it has an address with a source).
    status, cands = await call(http, "GET", f"{base}/authorities")
    assert cands["mail"]["enabled"] is True
    assert [a["id"] for a in cands["mail"]["directory"]][:2] == ["kecskemet-gyam", "okit"]
    # An address typed by hand is never mailed to.
    await call(http, "POST", f"{base}/authority", {"name": "Valami Hivatal", "email": "x@example.org"})
    status, err = await call(http, "POST", f"{base}/mail")
    assert status == 409 and "directory" in err["error"]
    status, _ = await call(http, "POST", f"{base}/authority", {"directory": "kecskemet-gyam"})
    assert status == 200

    # The same gate as the PDF: refused (and audited) until the personal-data review.
    status, err = await call(http, "POST", f"{base}/mail")
    assert status == 409 and "review" in err["error"]
    await asyncio.sleep(0.3)
    assert relay.received == []
    await call(http, "POST", f"{base}/pii-review", {})
    status, d = await call(http, "POST", f"{base}/mail")
    assert status == 202 and d["mails"][0]["status"] in ("queued", "sent")
    assert d["mails"][0]["to"]["email"] == AUTHORITY

    [mail] = await relay.wait_for(AUTHORITY)
    assert relay.envelopes == [(FROM, [AUTHORITY])]
    assert FROM in str(mail["From"]) and AUTHORITY in str(mail["To"])
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    data = attachment.get_content()
    assert attachment.get_filename() == f"jelzes-{rid[:10].upper()}.pdf"
    text = pdf_text(data)
    assert "Kecskemét" in text and "Kovács Béla" in text and "[telefonszám törölve]" in text
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Kovács Béla" in body and "[telefonszám törölve]" in body and "[e-mail törölve]" in body
    raw = mail.as_bytes()  # every header and the body, as sent
    for trace in (session, pid, code, code.replace("-", ""), "Kiss Anna", "123 4567", "1234567", "anna.kiss",
                  "example.hu", "Kiss Éva", "websession"):
        assert trace.encode() not in raw, trace
        assert trace not in body and trace not in text, trace
    for header in ("In-Reply-To", "References", "X-Operator"):
        assert mail[header] is None

    d = await mail_status(http, gw, rid, "sent")
    assert d["status"] == "forwarded" and d["mails"][0]["attempts"] == 1
    status, audit = await call(http, "GET", f"{base}/audit")
    actions = [(a["by"], a["action"]) for a in reversed(audit["audit"])]
    assert ("Kiss Éva", "mail refused: review needed") in actions
    queued = actions.index(("Kiss Éva", "mail queued to kecskemet-gyam"))
    assert queued < actions.index(("(e-mail)", "mail sent to kecskemet-gyam"))


async def test_an_smtp_outage_and_a_restart_delay_the_mail_but_never_lose_it(
        gateway_factory: Any, rasa: FakeRasa, relay: SmtpRelay, http: Any, redis: Any) -> None:
    settings = env(rasa, relay)  # the relay is not started: its port is closed
    gw = await gateway_factory(**settings)
    code, rid = await web_report(http, gw, "websession-mail-0002")
    base = f"{gw.url}/api/operator/reports/{rid}"
    await call(http, "POST", f"{base}/authority", {"directory": "kecskemet-gyam"})
    await call(http, "POST", f"{base}/pii-review", {})
    status, _ = await call(http, "POST", f"{base}/mail")
    assert status == 202
    d = await mail_status(http, gw, rid, "failed")
    assert d["mails"][0]["error"] and d["mails"][0]["next_try"] and d["status"] == "received"
    status, audit = await call(http, "GET", f"{base}/audit")
    failed = [a for a in audit["audit"] if a["action"].startswith("mail failed to kecskemet-gyam")]
    assert len(failed) == 1  # once per outage, not once per retry
    # This gateway goes away while the mail waits; another one finds it in Redis.
    await asyncio.sleep(0.5)
    await asyncio.wait_for(gw.runner.cleanup(), 30)
    assert await redis.zcard(keys.mail_due()) == 1  # kept (sealed) in Redis, not in the dead process
    assert AUTHORITY.encode() not in await redis_bytes(redis)
    relay.start()
    gw2 = await gateway_factory(**settings)
    [mail] = await relay.wait_for(AUTHORITY)
    assert mail.get_content_type() == "multipart/mixed"
    d = await mail_status(http, gw2, rid, "sent")
    assert d["status"] == "forwarded" and d["mails"][0]["attempts"] >= 2
    await asyncio.sleep(0.5)
    assert len(relay.received) == 1  # sent once
    status, audit = await call(http, "GET", f"{gw2.url}/api/operator/reports/{rid}/audit")
    assert ("(e-mail)", "mail sent to kecskemet-gyam") in {(a["by"], a["action"]) for a in audit["audit"]}


async def test_a_failed_mail_can_be_retried_at_once(gateway_factory: Any, rasa: FakeRasa, relay: SmtpRelay,
                                                     http: Any) -> None:
    gw = await gateway_factory(**env(rasa, relay, MAIL_RETRY_SECONDS="60", MAIL_RETRY_MAX_SECONDS="60"))
    code, rid = await web_report(http, gw, "websession-mail-0003")
    base = f"{gw.url}/api/operator/reports/{rid}"
    await call(http, "POST", f"{base}/authority", {"directory": "kecskemet-gyam"})
    await call(http, "POST", f"{base}/pii-review", {})
    await call(http, "POST", f"{base}/mail")
    d = await mail_status(http, gw, rid, "failed")
    status, _ = await call(http, "POST", f"{base}/mail")
    assert status == 409  # already on its way: no second copy
    relay.start()
    status, d = await call(http, "POST", f"{base}/mail/{d['mails'][0]['id']}/retry")
    assert status == 202
    await relay.wait_for(AUTHORITY, timeout=5)  # not the 60 s backoff
    await mail_status(http, gw, rid, "sent")


# -- the directory: addresses only with a source ---------------------------------------------
def test_an_entry_without_a_source_refuses_the_start() -> None:
    unsourced = LOCAL.replace('    source: "TEST: fictional entry of the test suite"\n', "")
    with pytest.raises(ConfigError, match="source is missing"):
        make_settings(AUTHORITY_DIRECTORY=directory_file(unsourced))
    undated = LOCAL.replace('    date: "2026-01"\n', "")
    with pytest.raises(ConfigError, match="date"):
        make_settings(AUTHORITY_DIRECTORY=directory_file(undated))
    with pytest.raises(ConfigError, match="email"):
        make_settings(AUTHORITY_DIRECTORY=directory_file(LOCAL.replace(AUTHORITY, "nem cím")))
    with pytest.raises(ConfigError, match="used twice"):
        make_settings(AUTHORITY_DIRECTORY=directory_file(LOCAL.replace("kecskemet-gyam", "okit")))
    assert make_settings(AUTHORITY_DIRECTORY=directory_file()).authority_directory


def test_the_shipped_directory_holds_only_addresses_of_the_seeds() -> None:
    seeds = Path("/work/shared/seeds")
    if not seeds.exists():
        pytest.skip("the seeds are not on this machine")
    cited = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", " ".join(p.read_text() for p in seeds.iterdir())))
    shipped = Directory.load(shipped=SHIPPED).entries.values()
    assert shipped and all(a.email in cited and "seeds" in a.source for a in shipped)


# -- the console: choose from the directory, review, send, see it sent --------------------------
async def test_console_sends_the_report_and_shows_its_delivery(
        browser: Any, gateway_factory: Any, http: Any, operator_account: Any, rasa: FakeRasa,
        relay: SmtpRelay) -> None:
    from tests.test_console_browser import TIMEOUT, login  # the browser fixture needs Chromium
    # The relay is down at first: the console shows the failure and a retry button.
    gw = await gateway_factory(**env(rasa, relay, MAIL_RETRY_SECONDS="60", MAIL_RETRY_MAX_SECONDS="60"))
    await web_report(http, gw, "websession-mail-0004")
    page = await login(browser, gw.url, "zoli", await operator_account("zoli"))
    await page.goto(f"{gw.url}/console/reports")
    await page.locator("[data-testid=report-item]").first.click()
    hint = page.locator("[data-testid=report-mail-hint]")
    await hint.filter(has_text="címjegyzékből").wait_for(timeout=TIMEOUT)
    assert await page.is_disabled("[data-testid=report-mail]")
    await page.locator("[data-testid=authority-select] option[value='dir:kecskemet-gyam']").wait_for(
        state="attached", timeout=TIMEOUT)
    await page.select_option("[data-testid=authority-select]", "dir:kecskemet-gyam")
    await page.click("[data-testid=set-authority]")
    await hint.filter(has_text="nézd át").wait_for(timeout=TIMEOUT)
    await page.click("[data-testid=pii-review]")
    await page.locator("[data-testid=report-mail]:enabled").wait_for(timeout=TIMEOUT)
    await page.click("[data-testid=report-mail]")
    item = page.locator("[data-testid=report-mail-item]")
    await item.filter(has_text="sikertelen").wait_for(timeout=TIMEOUT)
    assert AUTHORITY in await item.inner_text() and "zoli" in await item.inner_text()
    relay.start()
    await page.click("[data-testid=report-mail-retry]")
    await item.filter(has_text="elküldve").wait_for(timeout=TIMEOUT)
    await relay.wait_for(AUTHORITY)
    audit = page.locator("[data-testid=report-audit]")
    await audit.filter(has_text="e-mail elküldve: kecskemet-gyam").wait_for(timeout=TIMEOUT)


def test_report_mails_need_smtp_and_a_sender_and_work_without_the_channel() -> None:
    alone = make_settings(EMAIL_SMTP_URL="smtp://127.0.0.1:2525", REPORT_MAIL_FROM=FROM)
    assert alone.report_mail_enabled and not alone.email_enabled
    with pytest.raises(ConfigError, match="REPORT_MAIL_FROM"):
        make_settings(EMAIL_SMTP_URL="smtp://127.0.0.1:2525")  # SMTP for nothing: a mistake
    with pytest.raises(ConfigError, match="e-mail address"):
        make_settings(EMAIL_SMTP_URL="smtp://127.0.0.1:2525", REPORT_MAIL_FROM="jelzes")
    with pytest.raises(ConfigError, match="both"):
        make_settings(EMAIL_IMAP_URL="imap://u:p@127.0.0.1/INBOX", EMAIL_ADDRESS=FROM)
    assert not make_settings().report_mail_enabled


async def test_the_report_list_follows_a_mail_sent_from_the_console(
        browser: Any, gateway_factory: Any, http: Any, operator_account: Any, rasa: FakeRasa,
        relay: SmtpRelay) -> None:
    """The report was sent to the authority ("továbbítva" in its view) but the list, filtered on
    the reports still to handle, kept it there as "beérkezett" until its 30 s refresh."""
    from tests.test_console_browser import TIMEOUT, login  # the browser fixture needs Chromium
    relay.start()
    gw = await gateway_factory(**env(rasa, relay))
    await web_report(http, gw, "websession-mail-0005")
    page = await login(browser, gw.url, "vera", await operator_account("vera"))
    await page.goto(f"{gw.url}/console/reports")
    await page.locator("[data-testid=report-item]", has_text="beérkezett").first.click()
    await page.locator("[data-testid=authority-select] option[value='dir:kecskemet-gyam']").wait_for(
        state="attached", timeout=TIMEOUT)
    await page.select_option("[data-testid=authority-select]", "dir:kecskemet-gyam")
    await page.click("[data-testid=set-authority]")
    await page.click("[data-testid=pii-review]")
    await page.locator("[data-testid=report-mail]:enabled").wait_for(timeout=TIMEOUT)
    await page.click("[data-testid=report-mail]")
    await page.locator("[data-testid=report-mail-item]", has_text="elküldve").wait_for(timeout=TIMEOUT)
    await page.locator("[data-testid=report-status]", has_text="továbbítva").wait_for(timeout=TIMEOUT)
    # Sent: it leaves the list of those to handle (the default filter) within seconds...
    await page.locator("[data-testid=report-item]").first.wait_for(state="detached", timeout=5000)
    # ...and is listed as forwarded.
    await page.select_option("[data-testid=status-filter]", "forwarded")
    await page.locator("[data-testid=report-item].active", has_text="továbbítva").wait_for(timeout=TIMEOUT)
