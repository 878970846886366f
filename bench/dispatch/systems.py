"""The two deployments under test, each started in temp dirs on free loopback ports and stopped
on exit: the all-in-one in its own process, and every service its own process on the real Kafka
and FerretDB that the test fixtures use."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.cluster import running_cluster
from tests.support.cluster import ADMIN_PASSWORD, ADMIN_PHONE
from tests.support.servers import die_with_parent


@dataclass(frozen=True)
class Deployment:
    mode: str
    url: str  # the gateway
    location_addr: str  # location's gRPC, to check the real members are eligible
    logs: tuple[Path, ...]
    pid: int = 0  # the all-in-one's process (embedded), for profiling
    store: str = "sqlite"  # cluster: FerretDB's backend (tests.support.servers.FERRETDB_STORES)
    database_per_service: bool = False  # cluster: MONGODB_DATABASE_PER_SERVICE
    metrics_urls: dict[str, str] = field(default_factory=dict)  # cluster: each service's /metrics
    store_pprof_url: str = ""  # cluster: FerretDB's Go /debug/pprof, for profiles of the store


@contextlib.contextmanager
def embedded() -> Iterator[Deployment]:
    with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as tmp:
        log_path = Path(tmp) / "allinone.log"
        env = {
            **os.environ,
            "SHOUWANG_ADMIN_PHONE": ADMIN_PHONE,
            "SHOUWANG_ADMIN_PASSWORD": ADMIN_PASSWORD,
        }
        with log_path.open("ab") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "bench.dispatch.embedded", str(Path(tmp) / "data")],
                env=env,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                preexec_fn=die_with_parent,
            )
        try:
            ready = server.stdout.readline().split()  # type: ignore[union-attr]
            if not ready or ready[0] != "ready":
                raise RuntimeError(f"the all-in-one did not start:\n{_tail(log_path)}")
            yield Deployment("embedded", ready[1], ready[2], (log_path,), server.pid)
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@contextlib.contextmanager
def cluster(store: str = "sqlite", database_per_service: bool = True) -> Iterator[Deployment]:
    with running_cluster(
        "bench-dispatch-", store=store, database_per_service=database_per_service
    ) as running:
        yield Deployment(
            "cluster",
            running.api.base_url + "/",
            f"127.0.0.1:{running['location'].grpc_port}",
            tuple(running.log_files()),
            store=store,
            database_per_service=database_per_service,
            metrics_urls={
                name: f"http://127.0.0.1:{process.ops_port}/metrics"
                for name, process in running.processes.items()
            },
            store_pprof_url=running.store_pprof_url,
        )


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
