"""The markers `make test-fast` selects on stay true: every test listed as slow still exists
(a renamed one would silently join the edit loop's tests)."""
from __future__ import annotations

import ast

from tests.conftest import ROOT, slow_tests


def test_every_listed_slow_test_exists() -> None:
    slow = slow_tests()
    assert len(slow) > 10
    missing = []
    for node in sorted(slow):
        path, name = node.split("::", 1)
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        names = {f.name for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
        if name not in names:
            missing.append(node)
    assert not missing, missing
