"""Cluster mode for tests: each service its own process (`python -m services.<name>`) against the
session's real Kafka and FerretDB, as the Helm chart runs them."""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from shouwang.config import PlatformSettings, load
from shouwang.rpc import wait_until_serving
from tests.support.api import Api, wait_for
from tests.support.processes import python_stacks
from tests.support.servers import die_with_parent, free_port

GRPC_SERVICES = ("identity", "location", "tasks", "points", "comms", "training")
ADMIN_PHONE, ADMIN_PASSWORD = "13800000000", "Admin-Password-1"


@dataclass
class ServiceProcess:
    name: str
    env: dict[str, str]
    log_path: Path
    grpc_port: int = 0
    ops_port: int = 0
    http_port: int = 0
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no final commit, like a node that lost power."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)

    def terminate(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            # A bound on a hung shutdown: at load 140 a gateway's graceful stop took over 30 s.
            return self.proc.wait(120)
        except subprocess.TimeoutExpired:
            stacks = python_stacks(self.proc.pid)
            self.proc.kill()
            self.proc.wait(10)
            raise AssertionError(
                f"{self.name} still ran 120 s after SIGTERM; its threads were at\n{stacks}\n"
                f"{self.log_tail()}"
            ) from None

    def ready(self) -> bool:
        """Whether it answers its readiness probe; AssertionError if the process ended."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited:\n{self.log_tail()}")
        port = self.http_port or self.ops_port
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        try:
            wait_for(self.ready, timeout_s=timeout_s, interval_s=0.1, what=f"{self.name} ready")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.log_tail()}") from None
        if self.grpc_port:
            wait_until_serving(f"127.0.0.1:{self.grpc_port}", timeout_s=timeout_s)

    @property
    def database(self) -> str:
        """The database it keeps its collections in, as its settings name it."""
        return load(PlatformSettings, self.env).database_of(self.name)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Cluster:
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    store_pprof_url: str = ""  # the FerretDB's Go /debug/pprof, when the caller started it

    @property
    def api(self) -> Api:
        return Api(f"http://127.0.0.1:{self.processes['gateway'].http_port}")

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.processes[name]

    def databases(self) -> set[str]:
        return {process.database for process in self.processes.values()}

    def log_files(self) -> list[Path]:
        return [process.log_path for process in self.processes.values()]

    def admin_token(self) -> str:
        login = self.api.post(
            "/api/v1/auth/login", {"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD}
        )
        assert login.status == 200, login.body
        return login.body["access_token"]

    def stop(self) -> dict[str, int]:
        return {name: process.terminate() for name, process in reversed(self.processes.items())}


def start_cluster(
    *,
    kafka: str,
    mongodb_uri: str,
    database: str,
    log_dir: Path,
    database_per_service: bool = False,
) -> Cluster:
    """Start every service and the gateway; returns once all report ready. All in one database
    by default, which the fault suite's checks read; ``database_per_service`` gives each its own
    (``MONGODB_DATABASE_PER_SERVICE``)."""
    common = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "MONGODB_URI": mongodb_uri,
        "MONGODB_DATABASE": database,
        "MONGODB_DATABASE_PER_SERVICE": str(database_per_service).lower(),
        "BIND_HOST": "127.0.0.1",
        "LOG_LEVEL": "INFO",
        "IDENTITY_PII_KEY": _key(),
        "IDENTITY_BLIND_INDEX_KEY": _key(),
        "IDENTITY_SIGNING_KEY": _key(),
        "SHUTDOWN_GRACE_S": "2",
        # A loaded CI machine runs 20 argon2 hashes at once in some tests: be patient.
        "RPC_TIMEOUT_S": "15",
        "SHOUWANG_ADMIN_PHONE": ADMIN_PHONE,
        "SHOUWANG_ADMIN_PASSWORD": ADMIN_PASSWORD,
        # Identity answers comms' phone lookups signed with this key; comms texts into a file.
        "PHONE_LOOKUP_KEY": _key(),
        "SMS_PROVIDER": "file",
        "SMS_FILE": str(log_dir / "sms.jsonl"),
    }
    grpc_ports = {name: free_port() for name in GRPC_SERVICES}
    common.update(
        {f"{name.upper()}_ADDR": f"127.0.0.1:{port}" for name, port in grpc_ports.items()}
    )
    cluster = Cluster()
    for name, grpc_port in grpc_ports.items():
        ops_port = free_port()
        env = {**common, "GRPC_PORT": str(grpc_port), "OPS_PORT": str(ops_port)}
        cluster.processes[name] = ServiceProcess(
            name, env, log_dir / f"{name}.log", grpc_port=grpc_port, ops_port=ops_port
        )
    http_port, gateway_ops_port = free_port(), free_port()
    cluster.processes["gateway"] = ServiceProcess(
        "gateway",
        {**common, "HTTP_PORT": str(http_port), "OPS_PORT": str(gateway_ops_port)},
        log_dir / "gateway.log",
        http_port=http_port,
        ops_port=gateway_ops_port,
    )
    for process in cluster.processes.values():
        process.start()
    for process in cluster.processes.values():
        process.wait_ready()
    return cluster


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()
