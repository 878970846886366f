"""The fault suite's table. Each test records its row in its report's user_properties and the
process that prints the summary gathers the rows from the reports: under pytest-xdist the tests
run in a worker and only their reports reach the main process (whose hooks are the root
tests/conftest.py's). Printed at the end of the run, written to bench/results/faults-*.json."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.servers import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "bench" / "results"
FAULT_ROW = "fault_row"
_rows: list[dict[str, Any]] = []


def rounds() -> int:
    """How many times each fault is caused: 1 in `make test`, more in `make chaos`."""
    return max(1, int(os.environ.get("FAULTS_ROUNDS", "1")))


COLUMNS = (
    ("fault", "fault", 18),
    ("down_s", "down s", 7),
    ("recover_s", "recover s", 10),
    ("fixes_acked", "fixes", 6),
    ("tasks_closed", "closed", 7),
    ("reports_approved", "reports", 8),
    ("offers_streamed", "offers", 7),
    ("fixes_lost", "fix lost", 9),
    ("offers_twice", "offer x2", 9),
    ("claims_beyond_capacity", "claim>cap", 10),
    ("points_twice", "pts x2", 7),
    ("points_never", "pts never", 10),
    ("tasks_stuck", "stuck", 6),
    ("dead_letters", "dlq", 4),
)


def gather(report: pytest.TestReport) -> None:
    if report.when == "call":
        _rows.extend(value for name, value in report.user_properties if name == FAULT_ROW)


def summarise(terminalreporter: Any, config: pytest.Config) -> None:
    results = _rows
    if not results or hasattr(config, "workerinput"):  # a worker's rows reach the controller
        return
    terminalreporter.section("faults on the real cluster")
    terminalreporter.write_line(" ".join(title.rjust(width) for _, title, width in COLUMNS))
    notes = []
    for row in results:
        if "bureau_missing" in row:
            notes.append(
                f"{row['fault']}: {row['bureau_missing']} public task events missing from the "
                f"bureau's topic, {row['bureau_strangers']} there under an id none derives"
            )
            continue
        explained = row.get("explained", {})
        terminalreporter.write_line(
            " ".join(
                _cell(row.get(key), width, mark="*" if key in explained else "")
                for key, _, width in COLUMNS
            )
        )
        notes += [f"* {row['fault']} {key}: {why}" for key, why in explained.items()]
    for note in notes:
        terminalreporter.write_line(note)
    terminalreporter.write_line(
        "down s: SIGKILL until the restarted process answered ready; recover s: from then until "
        "every kind of request (fix, task, claim, close, report, review) had succeeded again"
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    level = "chaos" if rounds() > 1 else "short"
    path = RESULTS_DIR / f"faults-{level}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps({"rounds": rounds(), "faults": results}, indent=2))
    terminalreporter.write_line(f"written to {path.relative_to(REPO_ROOT)}")


def _cell(value: Any, width: int, *, mark: str = "") -> str:
    if value is None:
        return "-".rjust(width)
    if isinstance(value, float):
        return f"{value:.1f}".rjust(width)
    return f"{value}{mark}".rjust(width)
