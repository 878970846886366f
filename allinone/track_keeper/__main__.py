"""``python -m allinone.track_keeper --data DIR``: the track keeper's process (see the package)."""

from __future__ import annotations

import argparse
import fcntl
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from allinone.track_keeper import METRICS_PORT_LINE
from services.location import bootstrap as location_bootstrap
from shouwang.logging import configure_logging
from shouwang.metrics import OpsServer, Readiness
from shouwang.runtime import embedded_adapters, parse_cpu_list, run_on

LOCK_FILE = "track-keeper.lock"
WAITING_FOR_THE_OTHER_KEEPER = "another track keeper holds the data dir; waiting for it to end"
log = logging.getLogger("shouwang.track_keeper")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m allinone.track_keeper", description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="the all-in-one's data dir")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument(
        "--cpus",
        type=_cpu_list,
        help="run on these CPUs, e.g. 0,2 or 1-3 (the all-in-one keeps one for itself)",
    )
    args = parser.parse_args(argv)
    if args.cpus:
        try:
            run_on(args.cpus)
        except OSError as error:  # none of them is a CPU this process may use
            parser.error(f"--cpus: {error.strerror}")
    configure_logging("shouwang", args.log_level)
    # The parent stops this process (Ctrl-C reaches both in a terminal): it closes stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with _only_keeper_of(args.data):
        adapters = embedded_adapters(args.data)
        keeper = None
        try:
            keeper = location_bootstrap.keep_tracks(adapters)
            adapters.bus.start()
            ops = OpsServer(Readiness(), host="127.0.0.1", port=0)  # the parent serves them
            ops.start()
            print(f"{METRICS_PORT_LINE} {ops.port}", flush=True)
            sys.stdin.buffer.read()  # until the parent closes it, or dies
        finally:
            if keeper is not None:
                keeper.close()
            adapters.close()
    return 0


def _cpu_list(text: str) -> frozenset[int]:
    try:
        return parse_cpu_list(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected CPUs like 0,2 or 0-3, got {text!r}") from None


@contextmanager
def _only_keeper_of(data_dir: Path) -> Iterator[None]:
    """Held until the file closes (here, or with the process, however it ends)."""
    with (data_dir / LOCK_FILE).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # a keeper still finishing for a killed parent: wait
            log.warning("%s: %s", lock.name, WAITING_FOR_THE_OTHER_KEEPER)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


if __name__ == "__main__":
    sys.exit(main())
