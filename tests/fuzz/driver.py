"""Fuzzing the HTTP API from its own OpenAPI document with schemathesis, as three callers: nobody,
a verified member and an administrator, against a real `shouwang up` process.

Used by the bounded test in `make test` and by the long run of `make fuzz`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.api import Api, new_person, wait_for
from tests.support.servers import free_port

ADMIN_PHONE, ADMIN_PASSWORD = "13800000000", "Admin-Password-1"
CONFIG = Path(__file__).with_name("schemathesis.toml")
REPO_ROOT = Path(__file__).resolve().parents[2]

# Every check schemathesis has but one: domain rules beyond any schema (GB 11643 checksums, the
# password policy, self-intersecting polygons, photos checked by content) refuse some schema-valid
# values with 422 or 415 on purpose, which `positive_data_acceptance` counts as failures.
EXCLUDED_CHECKS = "positive_data_acceptance"
# A push stream never ends (it is tested in tests/e2e/test_stream.py); the others would end the
# fuzzing caller's own session halfway through a run.
EXCLUDED_OPERATIONS = r"^(GET /stream|POST /auth/logout|POST /me/password|DELETE /me)$"


@dataclass
class Target:
    url: str
    process: subprocess.Popen
    tokens: dict[str, str | None] = field(default_factory=dict)

    @property
    def api(self) -> Api:
        return Api(self.url)

    def peak_rss_mib(self) -> float:
        """The process's resident memory high-water mark (VmHWM), in MiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        return kib / 1024

    def log_in_callers(self) -> None:
        """Fresh tokens for the member and the administrator (they last 15 minutes)."""
        self.tokens = {
            "anonymous": None,
            "member": self._login(self._member_phone, "Patrol-2026!"),
            "admin": self._login(ADMIN_PHONE, ADMIN_PASSWORD),
        }

    def _login(self, phone: str, password: str) -> str:
        reply = self.api.post("/api/v1/auth/login", {"phone": phone, "password": password})
        assert reply.status == 200, reply.body
        return reply.body["access_token"]

    _member_phone: str = ""


# Engine errors that say something about the API under test (it stopped answering); any other
# engine error is schemathesis failing inside itself (seen once in many runs, not reproduced).
API_ERRORS = frozenset({"Network Error", "Server Unavailable", "Unresponsive Operation"})


@dataclass(frozen=True)
class FuzzResult:
    caller: str
    calls: int
    failures: list[dict]
    errors: list[dict]
    report: dict
    output: str = ""

    @property
    def api_errors(self) -> list[dict]:
        return [error for error in self.errors if error["title"] in API_ERRORS]

    @property
    def only_tool_errors(self) -> bool:
        """Nothing found about the API, but schemathesis stopped on an error of its own."""
        return bool(self.errors) and not self.failures and not self.api_errors

    def summary(self) -> str:
        lines = [f"{self.caller}: {self.calls} calls"]
        for failure in self.failures:
            lines.append(
                f"  {failure['code']} {failure['title']} x{failure['count']}: "
                f"{', '.join(failure['operations'][:8])}"
            )
        for error in self.errors:
            lines.append(f"  error: {json.dumps(error)[:300]}")
        if self.errors or self.failures:
            lines.append(self.output[-6000:])  # schemathesis's own account, reproductions included
        return "\n".join(lines)


@contextmanager
def running_shouwang() -> Iterator[Target]:
    """`shouwang up --no-demo` in a process of its own, a verified member registered in it."""
    with tempfile.TemporaryDirectory(prefix="shouwang-fuzz-") as data:
        port = free_port()
        env = {
            **os.environ,
            "SHOUWANG_ADMIN_PHONE": ADMIN_PHONE,
            "SHOUWANG_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "shouwang.cli", "up", "--port", str(port)]
        log = (Path(data) / "shouwang.log").open("wb")
        process = subprocess.Popen(
            [*command, "--data", data, "--no-demo"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        target = Target(url=f"http://127.0.0.1:{port}", process=process)
        try:
            wait_for(lambda: _ready(target.url), timeout_s=60, what="shouwang up ready")
            target._member_phone = _verified_member(target)
            target.log_in_callers()
            yield target
        finally:
            process.terminate()
            process.wait(30)
            log.close()


def fuzz(
    target: Target, caller: str, *, max_time_s: int, seed: int, report_dir: Path
) -> FuzzResult:
    """One schemathesis run as ``caller``: every phase (examples, coverage, fuzzing, stateful
    along the document's links), every check but the one explained above."""
    report_path = report_dir / f"schemathesis-{caller}-{seed}.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{target.url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        EXCLUDED_CHECKS,
        "--exclude-name-regex",
        EXCLUDED_OPERATIONS,
        "--max-time",
        str(max_time_s),
        "--seed",
        str(seed),
        # One thread: with two, CPython 3.11's ast.parse (Hypothesis describing a filter's lambda
        # inside schemathesis) once failed with "AST constructor recursion depth mismatch" in a
        # run beside stress-ng, a crash of the fuzzer's own process, not of the API.
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report_path),
        "--output-truncate",
        "true",
    ]
    token = target.tokens[caller]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    finished = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=max_time_s + 600,
        check=False,
        cwd=REPO_ROOT,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks"},
    )
    if not report_path.exists():
        raise AssertionError(f"schemathesis wrote no report:\n{finished.stdout[-4000:]}")
    report = json.loads(report_path.read_text())
    return FuzzResult(
        caller=caller,
        calls=int(report["test_cases"]["generated"]),
        failures=report["failures"],
        errors=report["errors"],
        report=report,
        output=finished.stdout,
    )


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _verified_member(target: Target) -> str:
    api = target.api
    person = new_person()
    member_id, _ = api.register_and_login(person)
    admin = target._login(ADMIN_PHONE, ADMIN_PASSWORD)
    approved = api.post(f"/api/v1/members/{member_id}/verify", {"decision": "approve"}, token=admin)
    assert approved.status == 200, approved.body
    return person["phone"]
