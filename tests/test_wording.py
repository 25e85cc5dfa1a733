"""The text catalogue (``wording/``): complete in both languages and registers, and every key
the code asks for is in it (a missing key is a KeyError in front of a person)."""
from __future__ import annotations

import ast
import re
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
    from bot.commands import COMMANDS

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
    asked = {}
    for path in sorted((ROOT / "bot" / "console" / "templates").glob("*.html")):
        for key in re.findall(r"""\bt\(["'](\w+)["']\)""", path.read_text(encoding="utf-8")):
            asked[key] = path.name
    page = (ROOT / "bot" / "web" / "static" / "index.html").read_text(encoding="utf-8")
    for key in re.findall(r"\{\{(web_\w+)\}\}", page):
        asked[key] = "index.html"
    assert len(asked) > 70
    assert not {k: where for k, where in asked.items() if k not in wording.catalogue()}


# -- the console's scripts ------------------------------------------------------------------
# A key in a script is a string literal naming a catalogue entry; one followed by "+" is a
# prefix the script completes with a code from the server (w("console_field_" + name)).
_JS_KEY = re.compile(r"""["']((?:console|staff)_[a-z0-9_]*)["']\s*(\+)?""")
_ACCENTED = re.compile(r"[áéíóöőúüűÁÉÍÓÖŐÚÜŰ]")


def _script_keys() -> tuple[dict[str, str], dict[str, str]]:
    """(keys, prefixes) the console's scripts ask for, each with where."""
    keys: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for path in sorted((ROOT / "bot" / "console" / "static").glob("*.js")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in _JS_KEY.finditer(line):
                (prefixes if m.group(2) or m.group(1).endswith("_") else keys)[m.group(1)] = f"{path.name}:{n}"
    return keys, prefixes


def test_every_key_the_consoles_scripts_ask_for_is_written_into_the_page() -> None:
    """w("key") in bot/console/static/*.js reads the JSON block the console's pages carry
    (bot.console.web.script_words): a key missing there would show as its own name."""
    from bot.console.web import script_words

    words = script_words()
    keys, prefixes = _script_keys()
    assert len(keys) > 70 and len(prefixes) >= 10, (len(keys), len(prefixes))
    assert not {k: where for k, where in keys.items() if k not in words}
    assert not {p: where for p, where in prefixes.items() if not any(k.startswith(p) for k in words)}
    assert words["console_title"] == wording.staff("console_title")
    # ...and no console word is dead: each is used by a template or a script.
    templates = {k for path in (ROOT / "bot" / "console" / "templates").glob("*.html")
                 for k in re.findall(r"""\bt\(["'](\w+)["']\)""", path.read_text(encoding="utf-8"))}
    assert not [k for k in wording.catalogue() if k.startswith("console_") and k not in keys and k not in templates
                and not k.startswith(tuple(prefixes))]


def test_every_code_the_server_sends_has_words_in_the_page() -> None:
    """The codes a script completes a prefix with come from the server: each one has its words
    (a new category, status or step without them would show as a bare code)."""
    from bot import keys as redis_keys
    from bot import mail_outbox, store
    from bot.console.web import script_words
    from bot.reports import pii
    from bot.reports import store as reports
    from bot.safety.verdicts import VERDICT_CATEGORIES
    from bot.screening import Level

    words = script_words()

    def listed(prefix: str) -> list[str]:
        return [k[len(prefix):] for k in words if k.startswith(prefix)]

    # Lists the scripts show in the catalogue's order: exactly the server's codes.
    assert sorted(listed("console_category_")) == sorted(VERDICT_CATEGORIES)
    assert listed("console_field_") == list(reports.FIELDS)
    expected = {
        "staff_level_": [lv.value for lv in Level] + ["requested"],
        "staff_skill_": list(redis_keys.HANDOFF_SKILLS),
        "console_state_": [s.value for s in store.State],
        "console_report_status_": [reports.RECEIVED, reports.FORWARDED, reports.CLOSED],
        "console_step_": list(reports.CHECKLIST),
        "console_pii_kind_": list(pii.KINDS),
        "console_mail_status_": [mail_outbox.QUEUED, mail_outbox.SENT, mail_outbox.FAILED, mail_outbox.GAVE_UP],
    }
    _, prefixes = _script_keys()
    for prefix, codes in expected.items():
        assert prefix in prefixes, prefix  # the scripts still complete this prefix
        assert set(codes) <= set(listed(prefix)), (prefix, set(codes) - set(listed(prefix)))


def test_the_consoles_scripts_type_no_words_of_their_own() -> None:
    """A Hungarian label typed into a script (outside comments) belongs in the catalogue."""
    comment = re.compile(r"(?<![:}])//.*$")
    found = []
    for path in sorted((ROOT / "bot" / "console" / "static").glob("*.js")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = comment.sub("", line)
            if _ACCENTED.search(code):
                found.append(f"{path.name}:{n}: {code.strip()}")
    assert not found, found


def test_a_placeholder_is_the_same_in_every_language() -> None:
    """The scripts fill {n}, {name}... by name: an English text with another name would show
    its braces."""
    names = re.compile(r"\{(\w+)\}")
    for key in wording.catalogue():
        if key.startswith("console_"):
            per_language = {lang: set(names.findall(wording.text(key, lang))) for lang in wording.LANGUAGES}
            assert per_language["hu"] == per_language["en"], (key, per_language)
