"""The HTTP API as a fuzz-clean contract: schemathesis, driven by the OpenAPI document the gateway
generates, finds no server error, no reply outside its declared schema and no undocumented status,
as an anonymous caller, a verified member and an administrator. `make fuzz` runs the long version.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fuzz.driver import Target, fuzz, running_shouwang

SECONDS_PER_CALLER = 45
# Fixed, so a failure found here is found again by `make test`; `make fuzz` draws new seeds.
SEED = 20261130
MEMORY_LIMIT_MIB = 500


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    with running_shouwang() as running:
        yield running


@pytest.mark.parametrize("caller", ["anonymous", "member", "admin"])
def test_fuzzing_finds_no_server_error_and_no_reply_outside_the_contract(
    target: Target, caller: str, tmp_path: Path
) -> None:
    result = fuzz(target, caller, max_time_s=SECONDS_PER_CALLER, seed=SEED, report_dir=tmp_path)
    if result.only_tool_errors:
        # Once more: an error inside schemathesis that recurs is reported like a finding.
        print(result.summary())
        result = fuzz(target, caller, max_time_s=SECONDS_PER_CALLER, seed=SEED, report_dir=tmp_path)
    assert result.calls > 0, result.summary()
    assert not result.failures and not result.errors, result.summary()


def test_the_fuzzed_process_stays_within_its_memory_bound(target: Target) -> None:
    # Runs after the fuzzing above (pytest keeps file order): the high-water mark covers it.
    assert target.peak_rss_mib() < MEMORY_LIMIT_MIB
