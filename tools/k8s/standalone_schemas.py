"""Writes kubeconform's schema directory from the JSON schemas the PyPI package
kubernetes-validate ships, made standalone.

kubernetes-validate keeps one file per kind whose properties refer to a shared
``/api/_definitions.json#/$defs/...``; kubeconform reads one file per kind and resolves no such
absolute reference offline. Each kind's file here carries the definitions it reaches under its
own ``$defs``, with every reference made local.

Usage: python standalone_schemas.py v1.31.0 OUT_DIR  (run with the venv that has the package)
Writes OUT_DIR/v1.31.0-standalone-strict/<kind>-<group>-<version>.json, the layout of
kubeconform's ``{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}`` template.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import kubernetes_validate

SHARED_PREFIX = "/api/_definitions.json#/$defs/"
LOCAL_PREFIX = "#/$defs/"


def localise(node: object, reached: set[str]) -> object:
    """A copy of node with shared references made local; the names reached go into reached."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                for prefix in (SHARED_PREFIX, LOCAL_PREFIX):
                    if value.startswith(prefix):
                        name = value[len(prefix) :]
                        reached.add(name)
                        value = LOCAL_PREFIX + name
                        break
                else:
                    raise ValueError(f"unexpected reference {value}")
            out[key] = localise(value, reached)
        return out
    if isinstance(node, list):
        return [localise(item, reached) for item in node]
    return node


def standalone(schema: dict, definitions: dict) -> dict:
    reached: set[str] = set()
    result = localise(schema, reached)
    defs: dict[str, object] = {}
    pending = list(reached)
    while pending:
        name = pending.pop()
        if name in defs:
            continue
        more: set[str] = set()
        defs[name] = localise(definitions[name], more)
        pending.extend(more - defs.keys())
    if defs:
        result["$defs"] = defs
    return result


def main() -> int:
    version, out = sys.argv[1], Path(sys.argv[2])
    source = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    source = source / f"{version}-local-strict"
    definitions = json.loads((source / "_definitions.json").read_text())["$defs"]
    target = out / f"{version}-standalone-strict"
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(source.glob("*.json")):
        if path.name in ("_definitions.json", "all.json"):
            continue
        schema = json.loads(path.read_text())
        (target / path.name).write_text(json.dumps(standalone(schema, definitions)))
        count += 1
    print(f"{count} standalone schemas in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
