"""``python -m bench.dispatch.embedded DATA_DIR``: the all-in-one in its own process, as
``shouwang up`` runs it, printing the HTTP URL and the gRPC address the benchmark needs.

``shouwang up`` prints only the URL; the benchmark also asks location over gRPC whether its real
members are eligible yet, which the all-in-one serves on one loopback port for every service.
"""

from __future__ import annotations

import sys
from pathlib import Path

import allinone
from shouwang.logging import configure_logging
from shouwang.runtime import ShutdownSignal, limit_malloc_arenas


def main(argv: list[str]) -> int:
    shutdown = ShutdownSignal()  # as `shouwang up` does
    limit_malloc_arenas()  # as `shouwang up` does
    configure_logging("shouwang", "INFO")  # as `shouwang up` and the cluster log
    running = allinone.start_as_the_process(port=0, data_dir=Path(argv[0]))  # as `shouwang up`
    print(f"ready {running.url} {running.grpc_server.address}", flush=True)
    shutdown.serve_until_received()
    running.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
