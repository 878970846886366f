"""DESIGN.md: the simulator is a client of the public HTTP API and /stream only — it imports no
service, no generated contract and nothing of the platform library."""

from __future__ import annotations

import ast
from pathlib import Path

import simulator

FORBIDDEN = ("services", "allinone", "shouwang")


def test_the_simulator_imports_no_service_nor_the_platform() -> None:
    found = []
    for path in Path(simulator.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            found += [(path.name, n) for n in names if n.split(".")[0] in FORBIDDEN]
    assert found == []
