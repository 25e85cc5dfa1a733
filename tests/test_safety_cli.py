"""`python -m bot.safety`: the exact line-in, JSON-line-out contract."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = ROOT / ".venv" / "bin" / "python"
PYTHON = str(PY) if PY.exists() else sys.executable


def run(stdin: bytes) -> list[dict]:
    out = subprocess.run([PYTHON, "-m", "bot.safety"], input=stdin, capture_output=True, cwd=ROOT, timeout=60,
                         check=True)
    assert out.stderr == b""
    lines = out.stdout.decode("utf-8").split("\n")
    assert lines[-1] == ""
    return [json.loads(line) for line in lines[:-1]]


def test_one_json_object_per_line_with_exact_keys() -> None:
    msgs = ["ma este megölöm magam", "", "szia", "majd meghalok a röhögéstől", "öngy\u200dilkos vagyok", "😭"]
    got = run(("\n".join(msgs) + "\n").encode("utf-8"))
    assert len(got) == len(msgs)
    for obj in got:
        assert list(obj) == ["level", "categories", "matches"]
        assert obj["level"] in {"none", "concern", "high", "immediate"}
        assert isinstance(obj["categories"], list) and isinstance(obj["matches"], list)
    assert got[0]["level"] == "immediate" and "suicide_self_harm" in got[0]["categories"] and got[0]["matches"]
    assert got[1] == {"level": "none", "categories": [], "matches": []}
    assert got[3]["level"] == "none"
    assert got[4]["level"] in {"high", "immediate"}


def test_bad_bytes_and_no_trailing_newline() -> None:
    got = run(b"\xff\xfe garbage \x00\nmegvertek otthon")
    assert len(got) == 2
    assert got[1]["level"] == "high"


def test_interactive_flush_per_line() -> None:
    # The with-block closes both pipes and waits for the process.
    with subprocess.Popen([PYTHON, "-m", "bot.safety"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          cwd=ROOT) as proc:
        assert proc.stdin and proc.stdout
        proc.stdin.write(b"megvertek otthon\n")
        proc.stdin.flush()
        line = proc.stdout.readline()  # would block forever without a flush per line
        proc.stdin.close()  # end of input: the CLI exits
        assert json.loads(line)["level"] == "high"
        proc.wait(timeout=30)
