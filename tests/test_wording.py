"""The text catalogue (``wording/``): complete in both languages and registers, and every key
the code asks for is in it (a missing key is a KeyError in front of a person)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import wording
from tests.conftest import require_rasa_venv

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("bot", "actions", "knowledge")
# Calls that fetch a catalogue text (the key is their first literal argument), and the names
# they are called through.
LOOKUPS = {"text", "message", "staff", "say"}
LOOKUP_MODULES = {"texts", "data", "wording", "pdf", None}


def test_every_key_has_hungarian_and_english_and_both_registers_where_registered() -> None:
    entries = wording.catalogue()
    assert len(entries) > 80
    assert wording.problems(entries) == []
    for key, entry in entries.items():
        for lang in wording.LANGUAGES:
            value = entry[lang]
            if isinstance(value, dict):
                assert set(value) == {"te", "ön"} and all(value.values()), (key, lang)
            else:
                assert isinstance(value, str) and value.strip(), (key, lang)


def test_the_checks_catch_a_missing_language_a_half_register_and_a_key_defined_twice(tmp_path: Path) -> None:
    assert wording.problems({"a": {"hu": "szia"}}) == [
        "a: needs exactly the languages ('hu', 'en'), got {'hu': 'szia'}"]
    assert wording.problems({"b": {"hu": {"te": "írd"}, "en": "write"}}) == [
        "b.hu: a registered text needs non-empty 'te' and 'ön'"]
    # "on" unquoted is YAML 1.1's true: the register must be spelled "ön"
    (tmp_path / "one.yml").write_text("c:\n  hu:\n    te: írd\n    on: írja\n  en: write\n", encoding="utf-8")
    (tmp_path / "two.yml").write_text("c:\n  hu: x\n  en: y\n", encoding="utf-8")
    _, errors = wording._read(tmp_path)
    assert errors == ["two.yml: 'c' is already defined in another file"]
    assert wording.problems({"c": yaml_of(tmp_path / "one.yml")["c"]}) == [
        "c.hu: a registered text needs non-empty 'te' and 'ön'"]


def yaml_of(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_a_voice_or_a_register_name_picks_the_variant() -> None:
    te, on = wording.text("operator_joined", "hu"), wording.text("operator_joined", "hu", "ön")
    assert te != on and "Önnek" in on and "neked" in te
    assert wording.text("operator_joined", "hu_formal") == on
    assert wording.text("operator_joined", "hu", "formal") == on == wording.text("operator_joined", "hu", "on")
    assert wording.text("operator_joined", "hu_formal", "te") == te
    assert wording.text("operator_joined", "de") == te
    assert wording.text("closed", "en", "ön") == wording.text("closed", "en")


def test_placeholders_are_filled_only_when_values_are_given() -> None:
    assert "{position}" in wording.text("queued", "en")
    assert "number 3 in" in wording.text("queued", "en", position=3)


def _lookups(tree: ast.AST) -> list[tuple[int, list[str]]]:
    """(line, keys) of every catalogue lookup with a literal key."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None
        if name in LOOKUPS and owner in LOOKUP_MODULES:
            keys = next((k for k in map(_keys, node.args) if k), [])
            if keys:
                found.append((node.lineno, keys))
    return found


def _keys(arg: ast.expr) -> list[str]:
    """Literal keys an argument can take ("a" if x else "b" gives both; an f-string its prefix + '*')."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.IfExp):
        return _keys(arg.body) + _keys(arg.orelse)
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        return [str(arg.values[0].value) + "*"]
    return []


def test_every_key_the_code_asks_for_is_in_the_catalogue() -> None:
    known = set(wording.catalogue())
    used: dict[str, str] = {}
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for line, keys in _lookups(tree):
                for key in keys:
                    used[key] = f"{path.relative_to(ROOT)}:{line}"
    missing = {k: where for k, where in used.items()
               if not (any(n.startswith(k[:-1]) for n in known) if k.endswith("*") else k in known)}
    assert len(used) > 80, len(used)
    assert not missing, missing


def test_the_loader_needs_only_the_standard_library_and_pyyaml() -> None:
    """Both environments import it: the gateway's .venv and Rasa's .venv-rasa (Python 3.10)."""
    tree = ast.parse((ROOT / "wording" / "__init__.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported - set(sys.stdlib_module_names) == {"yaml"}


def test_rasas_environment_reads_the_same_catalogue() -> None:
    python = require_rasa_venv()
    out = subprocess.run([str(python), "-c", "import wording; print(len(wording.catalogue()))"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert int(out.stdout) == len(wording.catalogue())


def test_a_phone_number_in_any_text_must_be_in_the_directory(monkeypatch) -> None:
    """Never an invented number: knowledge.validate reads every catalogue text and list item."""
    import knowledge

    assert knowledge.validate(knowledge.load()) == []
    made_up = dict(wording.catalogue(), staff_x={"hu": "Hívja: 06 1 234 5678", "en": "Call 06 1 234 5678"})
    monkeypatch.setattr(wording, "catalogue", lambda: made_up)
    assert "phone-like number '0612345678' in a text is not in the directory" in knowledge.validate(knowledge.load())


def test_every_command_a_text_names_is_a_command_the_gateway_understands() -> None:
    """"írja: /munkatars" must work when typed; a renamed command would leave the text lying."""
    import re

    from bot.gateway import COMMANDS

    named = {m for key in wording.catalogue() for t in wording.variants(key)
             for m in re.findall(r"(?:^|[\s:(])/([a-záéíóöőúüű_]+)", t)}
    assert {"munkatars", "torles", "operator"} <= named
    assert named <= set(COMMANDS), named - set(COMMANDS)


def test_the_words_for_commands_and_queues_mean_one_thing_each(tmp_path: Path, monkeypatch) -> None:
    from bot import keys

    assert set(wording.words("skills").values()) == set(keys.HANDOFF_SKILLS)
    assert wording.words("commands")["munkatárs"] == "handoff"
    (tmp_path / "words").mkdir()
    (tmp_path / "words" / "twice.yml").write_text("a: [x, y]\nb: [Y]\n", encoding="utf-8")
    monkeypatch.setattr(wording, "WORDING_DIR", tmp_path)
    with pytest.raises(wording.WordingError, match="'Y' means two things"):
        wording.words("twice")


def test_the_web_chat_page_takes_its_words_from_the_catalogue() -> None:
    from bot.web import routes

    page = routes.page()
    assert "{{" not in page and 'lang="hu"' in page
    assert f"<h1>{wording.text('web_title')}</h1>" in page
    assert 'data-send-failed="Az üzenet most nem ment el.' in page
    assert f"{wording.text('web_sos_helpline')} <a href=\"tel:116111\">116 111</a>" in page
    script = (ROOT / "bot" / "web" / "static" / "chat.js").read_text(encoding="utf-8")
    assert "dataset.sendFailed" in script and "Munkatárs" not in script


def test_every_key_a_page_asks_for_is_in_the_catalogue() -> None:
    """The console's templates (t("key")) and the web chat page ({{web_*}}) render at request
    time: a missing key would be a 500 in front of an operator or a blank page for a child."""
    import re

    asked = {}
    for path in sorted((ROOT / "bot" / "console" / "templates").glob("*.html")):
        for key in re.findall(r"""\bt\(["'](\w+)["']\)""", path.read_text(encoding="utf-8")):
            asked[key] = path.name
    for key in re.findall(r"\{\{(web_\w+)\}\}", (ROOT / "bot" / "web" / "static" / "index.html").read_text(encoding="utf-8")):
        asked[key] = "index.html"
    assert len(asked) > 70
    assert not {k: where for k, where in asked.items() if k not in wording.catalogue()}
