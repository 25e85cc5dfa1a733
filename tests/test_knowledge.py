"""The where-to-turn knowledge: services, routing, the numbers in every text and the office import.

Runs in .venv (no rasa_sdk): only the `knowledge` package and the YAML files.
"""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import knowledge
import wording
from knowledge import KnowledgeError, import_offices, load, phone_digits, validate
from tests.conftest import require_rasa_venv

ROOT = Path(__file__).resolve().parent.parent
KDIR = ROOT / "knowledge"

REQUIRED_SERVICES = {
    "hotline", "family_welfare_service", "family_welfare_centre", "guardianship_authority",
    "police", "emergency_112", "victim_support", "court", "okit", "crisis_home",
    "child_helpline_116111", "missing_children_116000",
}
# Words that name a service in a user-facing text -> the service they refer to.
SERVICE_NAMES = {
    "okit": "okit",
    "áldozatsegítő": "victim_support",
    "victim support": "victim_support",
    "krízisotthon": "crisis_home",
    "crisis home": "crisis_home",
    "gyámhatóság": "guardianship_authority",
    "guardianship authority": "guardianship_authority",
    "gyermekjóléti szolgálat": "family_welfare_service",
    "welfare service": "family_welfare_service",
    "gyermekjóléti központ": "family_welfare_centre",
    "welfare centre": "family_welfare_centre",
    "rendőrség": "police",
    "police": "police",
    "bíróság": "court",
    "court": "court",
    "116 111": "child_helpline_116111",
    "116 000": "missing_children_116000",
}


@pytest.fixture(scope="module")
def k() -> knowledge.Knowledge:
    return load()


def domain_responses() -> dict:
    responses: dict = {}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        responses.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {})
    return responses


def domain_intents() -> set:
    intents: set = set()
    for path in sorted((ROOT / "domain").glob("*.yml")):
        for intent in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or []:
            intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    return intents


def all_user_facing_texts(k: knowledge.Knowledge) -> list[str]:
    texts = [str(v.get("text", "")) for variants in domain_responses().values() for v in variants]
    texts += list(knowledge.iter_texts(k.routing, wording.catalogue()))
    texts += action_strings()
    return texts


def action_strings() -> list[str]:
    """String literals of the action code (what it can send); numbers like 200 in code are not texts."""
    found = []
    for path in (ROOT / "actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
    return found


def test_shipped_data_is_valid(k):
    assert validate(k) == []


def test_cli_validate_exits_zero():
    result = subprocess.run([sys.executable, "-m", "knowledge", "validate"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_required_services_present_and_bilingual(k):
    assert REQUIRED_SERVICES <= set(k.services)
    for sid, service in k.services.items():
        for key in ("name", "what", "when", "procedure"):
            assert service[key]["hu"] and service[key]["en"], (sid, key)


def test_every_contact_has_source_and_date(k):
    for sid, service in k.services.items():
        for contact in service.get("contacts") or []:
            assert contact["source"] in k.sources, sid
            assert re.match(r"^\d{4}-\d{2}", str(contact["date"])), sid


def test_seed_facts_are_exact(k):
    okit = {c["kind"]: c["value"] for c in k.services["okit"]["contacts"]}
    assert okit == {"phone": "06 80 20 55 20", "email": "okit@ncsszi.hu", "web": "www.bantalmazas.hu"}
    victim = [c["value"] for c in k.services["victim_support"]["contacts"]]
    assert victim == ["06 80 225 225", "116 006"]
    crisis = k.services["crisis_home"]["procedure"]["hu"]
    assert "4 hét" in crisis and "további 4" in crisis and "díjtalan" in crisis
    assert "szállításban nem tud segíteni" in crisis


def test_hotline_own_number_is_never_stated(k):
    assert k.services["hotline"]["contacts"] == []


def test_every_phone_number_in_responses_and_actions_is_in_the_directory(k):
    known = k.directory_phones()
    for text in all_user_facing_texts(k):
        for digits in phone_digits(text):
            if len(digits) < 3:
                continue
            assert any(p.endswith(digits) for p in known), f"{digits} not in services.yml"


def test_116006_only_beside_the_victim_support_line(k):
    for text in all_user_facing_texts(k):
        if "116 006" in text:
            assert "06 80 225 225" in text


def test_every_service_named_in_a_response_exists(k):
    named = set()
    for text in all_user_facing_texts(k):
        low = text.lower()
        named |= {sid for word, sid in SERVICE_NAMES.items() if word in low}
    assert named, "the scan found no service names at all"
    assert named <= set(k.services)


def test_routing_covers_every_where_to_turn_intent(k):
    where_intents = {i for i in domain_intents() if i.startswith("where_")}
    routed = {entry["intent"] for entry in k.routing.values()}
    assert routed == where_intents
    assert len(k.routing) >= 13


def test_routing_entries_have_every_persona_and_language(k):
    for pid, entry in k.routing.items():
        for key in ("child", "adult", "professional", "what_happens", "danger_now"):
            assert entry[key]["hu"] and entry[key]["en"], (pid, key)
        assert all(route["id"] in k.services for route in entry["services"]), pid


def _copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "k"
    target.mkdir()
    for name in ("services.yml", "routing.yml"):
        shutil.copy(KDIR / name, target / name)
    (target / "offices.yml").write_text("version: 1\noffices: []\n", encoding="utf-8")
    return target


def test_validate_reports_unknown_fields_missing_sources_and_bad_routes(tmp_path):
    target = _copy_knowledge(tmp_path)
    services = yaml.safe_load((target / "services.yml").read_text(encoding="utf-8"))
    services["services"]["okit"]["colour"] = "blue"
    del services["services"]["okit"]["contacts"][0]["source"]
    (target / "services.yml").write_text(yaml.safe_dump(services, allow_unicode=True), encoding="utf-8")
    routing = yaml.safe_load((target / "routing.yml").read_text(encoding="utf-8"))
    routing["problems"]["neglect"]["services"].append({"id": "no_such_service", "why": {"hu": "x", "en": "y"}})
    (target / "routing.yml").write_text(yaml.safe_dump(routing, allow_unicode=True), encoding="utf-8")
    errors = "\n".join(validate(load(target)))
    assert "unknown field 'colour'" in errors
    assert "unknown source None" in errors
    assert "no_such_service" in errors


def test_import_sample_offices_marks_them_sample(tmp_path):
    out = tmp_path / "offices.yml"
    assert import_offices(KDIR / "offices.sample.csv", out) == 3
    rows = yaml.safe_load(out.read_text(encoding="utf-8"))["offices"]
    assert rows and all(r["sample"] is True for r in rows)
    assert all(r["source"] and r["date"] for r in rows)
    assert all(not r["phone"] for r in rows), "sample rows must not carry phone numbers"


def test_sample_rows_are_refused_unless_allowed(tmp_path, monkeypatch):
    out = tmp_path / "offices.yml"
    import_offices(KDIR / "offices.sample.csv", out)
    k = load()
    k.offices = knowledge.load_offices(out)
    monkeypatch.delenv("KNOWLEDGE_ALLOW_SAMPLE", raising=False)
    assert k.find_offices("Mintafalván lakunk") == []
    monkeypatch.setenv("KNOWLEDGE_ALLOW_SAMPLE", "1")
    found = k.find_offices("mintafalvan lakunk")
    assert {o["service"] for o in found} == {"family_welfare_service", "family_welfare_centre",
                                             "guardianship_authority"}


def test_real_rows_match_with_case_suffix_and_without_accents(tmp_path):
    csv_path = tmp_path / "real.csv"
    csv_path.write_text(
        "settlement,district,service,address,phone,source,date\n"
        "Pécs,Pécsi járás,family_welfare_service,Teszt utca 1.,,operator check,2026-02-10\n",
        encoding="utf-8")
    out = tmp_path / "offices.yml"
    import_offices(csv_path, out)
    k = load()
    k.offices = knowledge.load_offices(out)
    assert len(k.find_offices("Pecsen lakunk", allow_sample=False)) == 1
    assert len(k.find_offices("Pécsett élünk", allow_sample=False)) == 1
    assert k.find_offices("Pécsváradon lakunk", allow_sample=False) == [], "another town"
    assert k.find_offices("Szeged", allow_sample=False) == []


def test_import_rejects_rows_without_source_or_date_and_writes_nothing(tmp_path):
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text(
        "settlement,district,service,address,phone,source,date\n"
        "Pécs,,family_welfare_service,Teszt utca 1.,,,\n"
        "Pécs,,no_such_service,Teszt utca 1.,,x,2026-02-10\n", encoding="utf-8")
    out = tmp_path / "offices.yml"
    with pytest.raises(KnowledgeError) as err:
        import_offices(csv_path, out)
    assert "missing source" in str(err.value) and "unknown service" in str(err.value)
    assert not out.exists()


def test_cli_import_offices(tmp_path):
    out = tmp_path / "offices.yml"
    result = subprocess.run([sys.executable, "-m", "knowledge", "import-offices",
                             str(KDIR / "offices.sample.csv"), "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "imported 3" in result.stdout


def test_shipped_office_directory_has_no_sample_rows():
    rows = knowledge.load_offices(KDIR / "offices.yml")
    assert not any(r.get("sample") for r in rows)


def test_importable_from_the_rasa_venv():
    python = require_rasa_venv()
    result = subprocess.run([str(python), "-c", "import knowledge; print(len(knowledge.load().routing))"],
                            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
