"""Reports sealed under their own key ring; the code is not a key; the link apart."""
from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet, InvalidToken

from bot import keys
from bot.crypto import Sealer
from bot.reports import codes
from bot.reports.store import CLOSED, FORWARDED, ReportError, ReportStore
from tests.conftest import dump_redis
from tests.test_report_support import REPORT_FIELDS

RING = Fernet.generate_key().decode()


def make_store(redis, ring: str = RING) -> ReportStore:
    return ReportStore(redis, Sealer((ring,)), b"i" * 40, retention_seconds=365 * 86400, link_seconds=30 * 86400)


async def test_report_is_sealed_and_unreadable_without_the_key(redis) -> None:
    store = make_store(redis)
    report = await store.create(REPORT_FIELDS, pid="te-0123456789abcdef")
    dump = await dump_redis(redis)
    blob = b"".join(k + v for k, v in dump.items())
    for value in ("Kovács", "Kecskemét", "Fő utca", "mostohaapa", "fél éve"):
        assert value.encode() not in blob
    assert report.code.encode() not in blob and report.code.replace("-", "").encode() not in blob
    # The conversation id appears only in the name of the conversation's own (sealed) list of its reports.
    outside = b"".join(k + v for k, v in dump.items() if k != keys.conv_reports("te-0123456789abcdef").encode())
    assert b"te-0123456789abcdef" not in outside
    raw = await redis.get(keys.report(report.rid))
    with pytest.raises(InvalidToken):
        Sealer((Fernet.generate_key().decode(),)).open(raw)
    # With the right ring it opens, and holds no conversation id.
    data = Sealer((RING,)).open(raw)
    assert data["fields"]["settlement"] == "Kecskemét"
    assert "te-0123456789abcdef" not in json.dumps(data)
    assert await redis.ttl(keys.report(report.rid)) > 364 * 86400


async def test_key_rotation_keeps_reports_readable(redis) -> None:
    report = await make_store(redis).create(REPORT_FIELDS)
    new = Fernet.generate_key().decode()
    rotated = ReportStore(redis, Sealer((new, RING)), b"i" * 40, retention_seconds=86400, link_seconds=86400)
    assert (await rotated.by_code(report.code)).fields["child_age"] == "kb. 9"


async def test_lookup_by_typed_code_and_wrong_codes(redis) -> None:
    store = make_store(redis)
    report = await store.create(REPORT_FIELDS)
    assert (await store.by_code(report.code.lower().replace("-", " "))).rid == report.rid
    assert await store.by_code(codes.new_code()) is None
    assert await store.by_code("nonsense") is None


async def test_skipped_and_unknown_answers(redis) -> None:
    store = make_store(redis)
    report = await store.create({"what": "bántják", "child_age": "unknown", "address": None, "since": "skipped",
                                 "danger_now": "nem tudom", "chat_id": 12345, "username": "anna"})
    assert report.fields == {"what": "bántják", "child_age": "unknown", "danger_now": "unknown"}


async def test_link_is_sealed_expires_and_goes_at_close(redis) -> None:
    store = make_store(redis)
    report = await store.create(REPORT_FIELDS, pid="te-aaaa")
    assert await store.linked_pid(report.rid) == "te-aaaa"
    assert 0 < await redis.ttl(keys.report_link(report.rid)) <= 30 * 86400
    assert 0 < await redis.ttl(keys.conv_reports("te-aaaa")) <= 30 * 86400
    await store.set_status(report.rid, FORWARDED, "Éva")
    assert await store.linked_pid(report.rid) == "te-aaaa"
    await store.set_status(report.rid, CLOSED, "Éva")
    assert await store.linked_pid(report.rid) is None
    assert not await redis.exists(keys.conv_reports("te-aaaa"))
    with pytest.raises(ReportError):
        await store.set_status(report.rid, FORWARDED, "Éva")
    assert (await store.get(report.rid)).status == CLOSED


async def test_unlink_conversation_keeps_the_reports(redis) -> None:
    store = make_store(redis)
    a = await store.create(REPORT_FIELDS, pid="te-bbbb")
    b = await store.create(REPORT_FIELDS, pid="te-bbbb")
    assert await store.unlink_conversation("te-bbbb") == 2
    assert await store.linked_pid(a.rid) is None and await store.linked_pid(b.rid) is None
    assert await store.get(a.rid) is not None and await store.get(b.rid) is not None


async def test_immediate_danger_checklist_in_the_seeds_order(redis) -> None:
    store = make_store(redis)
    report = await store.create({**REPORT_FIELDS, "danger_now": "igen", "relation": "az apja"})
    assert report.immediate
    with pytest.raises(ReportError):
        await store.check_step(report.rid, "welfare_centre", "Éva")
    await store.check_step(report.rid, "police", "Éva", "rendőrség értesítve 12:05")
    with pytest.raises(ReportError):
        await store.check_step(report.rid, "parents", "Éva")
    await store.check_step(report.rid, "welfare_centre", "Éva")
    r = await store.check_step(report.rid, "parents", "Éva")
    steps = r.checklist_steps()
    assert [s["step"] for s in steps] == ["police", "welfare_centre", "parents"]
    assert all(s["done"] for s in steps)
    assert steps[2]["not_applicable"] and "source" in r.checklist["parents"]["skipped"]
    normal = await store.create(REPORT_FIELDS)
    with pytest.raises(ReportError):
        await store.check_step(normal.rid, "police", "Éva")


async def test_audit_log_names_operators_never_the_reporter(redis) -> None:
    store = make_store(redis)
    report = await store.create(REPORT_FIELDS, pid="te-cccc")
    await store.audit(report.rid, "Kiss Éva", "opened")
    await store.audit(report.rid, "Nagy Ádám", "exported pdf")
    entries = await store.audit_log(report.rid)
    assert [(e["by"], e["action"]) for e in entries] == [("Nagy Ádám", "exported pdf"), ("Kiss Éva", "opened")]
    raw = b"".join((await dump_redis(redis))[keys.reports_audit().encode()].split())
    assert b"te-cccc" not in raw and report.code.encode() not in raw
    assert await redis.ttl(keys.reports_audit()) > 0


async def test_list_drops_expired_reports(redis) -> None:
    store = make_store(redis)
    a = await store.create(REPORT_FIELDS)
    b = await store.create(REPORT_FIELDS)
    await redis.delete(keys.report(a.rid))  # as if it had expired
    assert [r.rid for r in await store.list()] == [b.rid]
    assert await redis.zscore(keys.reports_index(), a.rid) is None
