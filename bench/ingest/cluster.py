"""The cluster mode under test: every service its own process on the real Kafka and FerretDB the
test fixtures use (as ``bench.dispatch`` starts them), one gateway and one location replica.
Counters come from location's ops port; CPU is the sum over the gateway and location processes."""

from __future__ import annotations

import contextlib
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.dispatch.systems import _create_topics, _mkdir
from bench.ingest.server import parse_counters, process_cpu_s
from tests.support.cluster import Cluster, start_cluster
from tests.support.servers import FerretDB, KafkaBroker, unique_name

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
def running() -> Iterator[ClusterServer]:
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-ingest-")))
        servers = []
        for server in (KafkaBroker(_mkdir(tmp / "kafka")), FerretDB(_mkdir(tmp / "ferretdb"))):
            stack.callback(server.stop)
            server.start()
            servers.append(server)
        kafka, ferretdb = servers
        _create_topics(kafka.bootstrap_servers)
        cluster = start_cluster(
            kafka=kafka.bootstrap_servers,
            mongodb_uri=ferretdb.uri,
            database=unique_name("bench"),
            log_dir=_mkdir(tmp / "logs"),
        )
        stack.callback(cluster.stop)
        yield ClusterServer(cluster.api.base_url, cluster)
