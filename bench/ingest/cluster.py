"""The cluster mode under test: every service its own process on the real Kafka and FerretDB the
test fixtures use (as ``bench.dispatch`` starts them), one gateway and one location replica.
Counters come from location's ops port; CPU is the sum over the gateway and location processes."""

from __future__ import annotations

import contextlib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from bench.cluster import running_cluster
from bench.ingest.server import parse_counters, process_cpu_s
from tests.support.cluster import Cluster

MEASURED = ("gateway", "location")


@dataclass
class ClusterServer:
    url: str
    cluster: Cluster

    @property
    def pid(self) -> int:
        return self.cluster["location"].proc.pid

    def cpu_s(self) -> tuple[float, float]:
        usage = [process_cpu_s(self.cluster[name].proc.pid) for name in MEASURED]
        return sum(u for u, _ in usage), sum(s for _, s in usage)

    def counters(self) -> dict:
        port = self.cluster["location"].ops_port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
            return parse_counters(reply.read().decode())


@contextlib.contextmanager
def running(store: str = "sqlite") -> Iterator[ClusterServer]:
    with running_cluster("bench-ingest-", store=store) as cluster:
        yield ClusterServer(cluster.api.base_url, cluster)
