"""`make fuzz`: the long fuzzing run — rounds of schemathesis as each caller, new seeds each round,
until at least 30,000 calls; prints a table, saves bench/results/fuzz.json, exits 1 on any finding.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from tests.fuzz.driver import FuzzResult, fuzz, running_shouwang

TARGET_CALLS = 30_000
SECONDS_PER_ROUND = 120
CALLERS = ("anonymous", "member", "admin")
RESULTS = Path(__file__).parents[2] / "bench" / "results"


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: list[FuzzResult] = []
    seeds: list[int] = []
    with running_shouwang() as target:
        while sum(r.calls for r in results) < TARGET_CALLS:
            target.log_in_callers()  # access tokens last 15 minutes
            for caller in CALLERS:
                seed = random.randrange(2**31)
                seeds.append(seed)
                result = fuzz(
                    target, caller, max_time_s=SECONDS_PER_ROUND, seed=seed, report_dir=RESULTS
                )
                results.append(result)
                total = sum(r.calls for r in results)
                print(f"{result.summary()}  (seed {seed}; {total:,} calls so far)", flush=True)
        peak_mib = target.peak_rss_mib()
    findings = [f for r in results for f in r.failures] + [e for r in results for e in r.errors]
    report = {
        "calls": sum(r.calls for r in results),
        "by_caller": {c: sum(r.calls for r in results if r.caller == c) for c in CALLERS},
        "findings": findings,
        "peak_rss_mib": round(peak_mib, 1),
        "seconds": round(time.monotonic() - started),
        "seeds": seeds,
    }
    (RESULTS / "fuzz.json").write_text(json.dumps(report, indent=2))
    print()
    print("| calls | anonymous / member / admin | findings | peak RSS of `shouwang up` |")
    print("|---|---|---|---|")
    by_caller = " / ".join(f"{report['by_caller'][c]:,}" for c in CALLERS)
    print(f"| {report['calls']:,} | {by_caller} | {len(findings)} | {peak_mib:.0f} MiB |")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
