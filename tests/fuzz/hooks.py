"""Schemathesis hooks of the fuzzing runs (``tests/fuzz/driver.py`` names this module in
``SCHEMATHESIS_HOOKS``)."""

from __future__ import annotations

import itertools
from typing import Any

import schemathesis

_fresh = itertools.count()


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """A stateful scenario's creating steps are new requests of a client going on from the last
    answer, and such a client sends a fresh ``Idempotency-Key`` with each. Generated keys repeat
    ("0"), and a repeated key with the same body replays the first creation's reply — the
    contract's retry — whose resource a later step may have deleted: schemathesis then reports a
    created resource not found (ST302) where the API did as promised. The other phases keep
    the generated keys, so their values are still fuzzed."""
    meta = getattr(case, "_meta", None)  # not public; without it every key stays as generated
    if meta is None or meta.phase.name != "stateful" or not case.headers:
        return
    key = case.headers.get("Idempotency-Key")
    if key:
        case.headers["Idempotency-Key"] = f"{key[:180]}-{next(_fresh)}"
