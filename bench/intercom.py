"""``python -m bench.intercom``: push-to-talk latency in the console, in headless Chromium
(Debian's, driven by Playwright, with its fake microphone) against the all-in-one on loopback.

Two officers of one station share a group, each in a browser context of their own
(tests/web/intercom_driver.py): one holds the talk button for 0.8 s and releases it, the other's
console receives the clip on /stream, fetches it and plays it. Latency is from the release (the
speaker's pointerup) to the start of playback on the listener's page (its row turning
"playing"), over ~20 clips, each played to its end before the next is recorded. Prints p50/p95
and writes bench/results/intercom.json. Target: <= 1.5 s on loopback (reported, never asserted).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from tests.web.intercom_driver import (
    chromium,
    open_group,
    running_scene,
    talk,
    timings,
    wait_played,
)

RESULTS = Path(__file__).resolve().parent / "results" / "intercom.json"
TARGET_MS = 1500
HOLD_MS = 800


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=20)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running_scene(Path(data_dir)) as scene,
        chromium() as browser,
    ):
        speaker_context, speaker = open_group(browser, scene, scene.speaker)
        listener_context, listener = open_group(browser, scene, scene.listener)
        for n in range(1, args.clips + 1):
            talk(speaker, HOLD_MS)
            wait_played(listener, n)
        released = timings(speaker)["released"]
        heard = timings(listener)
        speaker_context.close()
        listener_context.close()
    latencies = [float(p - r) for r, p in zip(released, heard["playing"], strict=True)]
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    result = {
        "benchmark": "intercom",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "clips": len(latencies),
        "hold_ms": HOLD_MS,
        "release_to_playback_ms": {
            "p50": p50,
            "p95": p95,
            "max": max(latencies),
            "mean": round(statistics.fmean(latencies), 1),
            "all": latencies,
        },
        "failed": len(heard["failed"]),
        "target_ms": TARGET_MS,
        "met": p95 <= TARGET_MS,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print("| push-to-talk, loopback | clips | release -> playback p50 / p95 / max | target p95 |")
    print("|---|---|---|---|")
    verdict = "met" if result["met"] else "NOT met"
    print(
        f"| console -> console (Chromium, fake mic) | {len(latencies)} | "
        f"{p50:.0f} / {p95:.0f} / {max(latencies):.0f} ms | <= {TARGET_MS} ms: {verdict} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
