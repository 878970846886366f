"""Real Kafka (KRaft, single node) and FerretDB servers for the integration tests, and Debian's
PostgreSQL for FerretDB's other backend (the store contract and the benchmarks' cluster mode).

The artefacts come from scripts/build-test-servers (cached under .cache/); each server runs on
free 127.0.0.1 ports with its data in a fresh directory and dies with the test process.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import functools
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import KafkaConfigurationError, KafkaError
from pymongo import MongoClient
from pymongo.errors import PyMongoError

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build-test-servers"
KAFKA_LIBS = REPO_ROOT / ".cache" / "kafka" / "libs"
# A JVM class-data-sharing archive of the broker's classes: it cuts a warm start from ~3.3 s to
# ~2 s. The first session records it; the JVM ignores it if the jars have changed since.
KAFKA_CDS_ARCHIVE = REPO_ROOT / ".cache" / "kafka" / "broker.jsa"
FERRETDB_BINARY = REPO_ROOT / ".cache" / "ferretdb" / "ferretdb"
POSTGRESQL_SETUP = REPO_ROOT / "scripts" / "setup-postgresql"

_PR_SET_PDEATHSIG = 1
_LOG_TAIL_LINES = 40


class ServerStartError(RuntimeError):
    """A test server did not become ready; the message carries the tail of its log."""


def unique_name(prefix: str) -> str:
    """A name for a per-test topic or database, valid for both Kafka and FerretDB."""
    if not re.fullmatch(r"[A-Za-z0-9_]{1,40}", prefix):
        raise ValueError(f"prefix must be 1-40 letters, digits or '_': {prefix!r}")
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


_LOWEST_CHOSEN_PORT = 10_000
_pick = random.SystemRandom()  # hypothesis seeds the module's generator in every test
_handed_out: set[int] = set()  # chosen before: a cluster picks all its ports before any binds


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, chosen below the kernel's
    ephemeral range: a port from that range (what binding to port 0 gives) can be taken by any
    outgoing connection before the server meant to listen on it binds it — a service of the
    fault suite's cluster once failed to start so ("Address already in use")."""
    first_ephemeral = _first_ephemeral_port()
    if first_ephemeral - _LOWEST_CHOSEN_PORT >= 1_000:
        for _ in range(100):
            port = _pick.randrange(_LOWEST_CHOSEN_PORT, first_ephemeral)
            if port in _handed_out:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed_out.add(port)
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@functools.cache
def _first_ephemeral_port() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return _LOWEST_CHOSEN_PORT  # unknown: leave the choice to the kernel


def build_artefacts(component: str) -> bool:
    """Run the build script for one component; True when it had to build (a cold start)."""
    result = subprocess.run(
        [str(BUILD_SCRIPT), component], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ServerStartError(
            f"{BUILD_SCRIPT} {component} failed ({result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )
    print(result.stdout.strip(), flush=True)
    return "built" in result.stdout


def die_with_parent() -> None:
    # Runs in the child between fork and exec: the kernel sends SIGKILL when pytest dies, so a
    # crashed or killed test run leaves no broker behind.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _log_tail(log_path: Path) -> str:
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no log written)"
    return "\n".join(lines[-_LOG_TAIL_LINES:])


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


class _ServerProcess:
    """A child process with its log in its data directory; stopped with ``stop_signal``, then
    SIGKILL."""

    name = "server"
    stop_signal = signal.SIGTERM

    def __init__(self, data_dir: Path, *, start_timeout: float) -> None:
        self.data_dir = data_dir
        self.log_path = data_dir / f"{self.name}.log"
        self.start_timeout = start_timeout
        self.cold = False
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def _spawn(self, args: list[str], **as_user: Any) -> None:
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                args,
                **as_user,
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    def _wait_until(self, ready: Callable[[], bool]) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                self._fail(f"exited with status {self._process.returncode}")
            if ready():
                return
            time.sleep(0.1)
        self._fail(f"was not ready within {self.start_timeout:.0f}s")

    def _fail(self, reason: str) -> None:
        # Read the tail first: stopping appends shutdown chatter that would hide the cause.
        tail = _log_tail(self.log_path)
        self.stop()
        raise ServerStartError(f"{self.name} {reason}; last lines of {self.log_path}:\n{tail}")

    def stop(self) -> None:
        """Terminate the server: ``stop_signal``, up to 10 s to shut down, then SIGKILL."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(self.stop_signal)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """SIGKILL, like a node losing power: no shutdown, whatever was not on disk is lost.
        ``restart`` brings the server back on the same ports and data."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def restart(self) -> None:
        """Start the server again on the same ports and data directory, after ``kill`` or
        ``stop``; returns once it answers."""
        raise NotImplementedError


class KafkaBroker(_ServerProcess):
    """A single-node Kafka broker in KRaft combined mode (broker and controller in one JVM)."""

    name = "kafka"

    def __init__(self, data_dir: Path, *, start_timeout: float = 90.0) -> None:
        super().__init__(data_dir, start_timeout=start_timeout)
        self.port = 0
        self.controller_port = 0

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        started = time.monotonic()
        self.cold = build_artefacts("kafka")
        self.port = free_port()
        self.controller_port = free_port()
        while self.controller_port == self.port:
            self.controller_port = free_port()
        config = self._write_config()
        self._format_storage(config)
        self._launch(config)
        self.startup_seconds = time.monotonic() - started

    def restart(self) -> None:
        # The storage is formatted already: the broker recovers its logs, offsets and group
        # state from it, as after a power cut.
        self._launch(self.data_dir / "server.properties")

    def _launch(self, config: Path) -> None:
        self._spawn(
            [
                *self._java(),
                *self._class_data_sharing(),
                f"-Dlog4j2.configurationFile={self._write_log_config()}",
                "kafka.Kafka",
                str(config),
            ]
        )
        self._wait_until(self._answers_metadata)

    def stop(self) -> None:
        super().stop()
        # The JVM writes the archive on a clean exit; publish it only then, in one rename.
        recorded = self.data_dir / "broker.jsa"
        if recorded.exists() and not KAFKA_CDS_ARCHIVE.exists():
            recorded.replace(KAFKA_CDS_ARCHIVE)

    def _class_data_sharing(self) -> list[str]:
        if KAFKA_CDS_ARCHIVE.exists():
            return [f"-XX:SharedArchiveFile={KAFKA_CDS_ARCHIVE}"]
        return [f"-XX:ArchiveClassesAtExit={self.data_dir / 'broker.jsa'}"]

    def _java(self) -> list[str]:
        # Client-VM-like flags: a test broker handles a trickle of messages, so a small heap and
        # the C1 compiler start faster than the server defaults.
        return [
            "java",
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Djava.awt.headless=true",
            "-cp",
            f"{KAFKA_LIBS}/*",
        ]

    def _write_config(self) -> Path:
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.data_dir / "log"),
            "num.partitions": "3",
            "auto.create.topics.enable": "true",
            "num.network.threads": "2",
            "num.io.threads": "2",
            # One broker: every internal topic must fit on it, and consumer groups should not wait
            # the default 3 s for more members before the first rebalance.
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
        }
        path = self.data_dir / "server.properties"
        path.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        return path

    def _write_log_config(self) -> Path:
        path = self.data_dir / "log4j2.properties"
        path.write_text(
            "status = warn\n"
            "appender.out.type = Console\n"
            "appender.out.name = out\n"
            "appender.out.layout.type = PatternLayout\n"
            "appender.out.layout.pattern = [%d] %p %m (%c)%n\n"
            "rootLogger.level = INFO\n"
            "rootLogger.appenderRef.out.ref = out\n"
            # The state-change and request loggers repeat every metadata update at INFO.
            "logger.state.name = state.change.logger\n"
            "logger.state.level = WARN\n"
        )
        return path

    def _format_storage(self, config: Path) -> None:
        # A KRaft log directory must be formatted with a cluster id before the first start.
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        with self.log_path.open("ab") as log:
            result = subprocess.run(
                [
                    *self._java(),
                    "kafka.tools.StorageTool",
                    "format",
                    # One argument with "=": a random id may start with "-", which argparse
                    # would otherwise take for an option.
                    f"--cluster-id={cluster_id}",
                    "--config",
                    str(config),
                ],
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if result.returncode != 0:
            self._fail(f"storage format exited with status {result.returncode}")

    def _answers_metadata(self) -> bool:
        if not _port_open(self.port):
            return False
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap_servers, request_timeout_ms=5000
            )
        except KafkaConfigurationError:
            raise
        except KafkaError:
            return False
        try:
            admin.list_topics()
            return True
        except KafkaError:
            return False
        finally:
            admin.close()


_SERVER_USER = "postgres"


class PostgreSQL(_ServerProcess):
    """Debian's PostgreSQL server (behind FerretDB's PostgreSQL backend), trusting local
    connections on 127.0.0.1 only; run as the ``postgres`` user when this process is root (the
    server refuses root). Durable as shipped: fsync and synchronous commits on."""

    name = "postgresql"
    stop_signal = signal.SIGINT  # "fast" shutdown: SIGTERM's "smart" one waits for clients

    def __init__(self, data_dir: Path, *, start_timeout: float = 60.0) -> None:
        super().__init__(data_dir, start_timeout=start_timeout)
        self.port = 0

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        started = time.monotonic()
        subprocess.run([str(POSTGRESQL_SETUP)], check=True)  # apt, once per machine
        self.port = free_port()
        cluster = self.data_dir / "cluster"
        if not cluster.exists():
            self._run_as_server_user(
                [
                    str(_postgresql_program("initdb")),
                    "-D",
                    str(cluster),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-instructions",
                ]
            )
        self._launch()
        self.startup_seconds = time.monotonic() - started

    def restart(self) -> None:
        self._launch()

    def _launch(self) -> None:
        self._spawn(
            [
                str(_postgresql_program("postgres")),
                "-D",
                str(self.data_dir / "cluster"),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={self.data_dir}",
                "-c",
                "max_connections=200",
            ],
            **_as_server_user(),
        )
        self._wait_until(self._accepts_connections)

    def _accepts_connections(self) -> bool:
        """Past crash recovery too (the port opens before it ends), as pg_isready tells."""
        ready = subprocess.run(
            [str(_postgresql_program("pg_isready")), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
            check=False,
        )
        return ready.returncode == 0

    def _run_as_server_user(self, args: list[str]) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.data_dir, _SERVER_USER, _SERVER_USER)
        result = subprocess.run(
            args, capture_output=True, text=True, check=False, **_as_server_user()
        )
        if result.returncode != 0:
            raise ServerStartError(f"{args[0]} failed: {result.stdout}{result.stderr}")


def _as_server_user() -> dict[str, Any]:
    """Popen's arguments to run as PostgreSQL's own user and group when this process is root
    (the server refuses root; without ``group`` it would keep root's group)."""
    if os.geteuid() != 0:
        return {}
    return {"user": _SERVER_USER, "group": _SERVER_USER, "extra_groups": []}


@contextlib.contextmanager
def running_postgresql() -> Iterator[PostgreSQL]:
    """A PostgreSQL server in a directory of its own under the system's temp dir (its user must
    reach it: pytest's and the benchmarks' temp dirs are the caller's alone), removed after."""
    data_dir = Path(tempfile.mkdtemp(prefix="shouwang-postgresql-"))
    try:
        data_dir.chmod(0o711)  # the server's user reaches its cluster inside (it owns it later)
        server = PostgreSQL(data_dir)
        try:
            server.start()
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _postgresql_program(name: str) -> Path:
    """A server program of Debian's ``postgresql`` package (outside PATH, per major version)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise ServerStartError(
            f"PostgreSQL's {name} is missing: install Debian's postgresql package "
            "(scripts/setup-postgresql)"
        )
    return found[-1]


class FerretDB(_ServerProcess):
    """A FerretDB server speaking the MongoDB wire protocol, storing data in SQLite files, or in
    a PostgreSQL server given its ``postgresql_url`` (``running_ferretdb``)."""

    name = "ferretdb"

    def __init__(
        self,
        data_dir: Path,
        *,
        start_timeout: float = 30.0,
        postgresql_url: str = "",
        as_released: bool = False,
    ) -> None:
        super().__init__(data_dir, start_timeout=start_timeout)
        # as released: without the build's mend of its _id lookups (scripts/build-test-servers)
        self.component = "ferretdb-as-released" if as_released else "ferretdb"
        self.port = 0
        self.debug_port = 0  # Go's /debug/pprof, for the benchmarks' profiles of the store
        self.postgresql_url = postgresql_url

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    @property
    def pprof_url(self) -> str:
        return f"http://127.0.0.1:{self.debug_port}/debug/pprof"

    def start(self) -> None:
        started = time.monotonic()
        self.cold = build_artefacts(self.component)
        self.port, self.debug_port = free_port(), free_port()
        self._launch()
        self.startup_seconds = time.monotonic() - started

    def restart(self) -> None:
        self._launch()

    def _launch(self) -> None:
        sqlite_dir = self.data_dir / "sqlite"
        sqlite_dir.mkdir(parents=True, exist_ok=True)
        self._spawn(
            [
                str(FERRETDB_BINARY.with_name(self.component)),
                f"--listen-addr=127.0.0.1:{self.port}",
                f"--debug-addr=127.0.0.1:{self.debug_port}",
                # FerretDB wants a directory URI ending in '/'; each database is one file there.
                f"--sqlite-url=file:{sqlite_dir}/",
                *([f"--postgresql-url={self.postgresql_url}"] if self.postgresql_url else []),
            ]
        )
        self._wait_until(self._answers_ping)

    def _answers_ping(self) -> bool:
        if not _port_open(self.port):
            return False
        client: MongoClient[dict[str, object]] = MongoClient(
            self.uri, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000
        )
        try:
            client.admin.command("ping")
            return True
        except PyMongoError:
            return False
        finally:
            client.close()


# The backends it stores in; "sqlite-as-released": FerretDB's build without the mend of its _id
# lookups (scripts/build-test-servers), for the benchmarks that show what the mend changes.
FERRETDB_STORES = ("sqlite", "sqlite-as-released", "postgresql")


@contextlib.contextmanager
def running_ferretdb(data_dir: Path, *, store: str = "sqlite") -> Iterator[FerretDB]:
    """FerretDB on one of its backends (``FERRETDB_STORES``): SQLite files in ``data_dir``, or a
    PostgreSQL server of its own (``running_postgresql``); both stopped after."""
    if store not in FERRETDB_STORES:
        raise ValueError(f"store must be one of {FERRETDB_STORES}: {store!r}")
    with contextlib.ExitStack() as stack:
        postgresql_url = ""
        if store == "postgresql":
            postgresql_url = stack.enter_context(running_postgresql()).url
        server = FerretDB(
            data_dir, postgresql_url=postgresql_url, as_released=store == "sqlite-as-released"
        )
        stack.callback(server.stop)
        server.start()
        yield server


__all__ = [
    "FERRETDB_STORES",
    "FerretDB",
    "KafkaBroker",
    "PostgreSQL",
    "ServerStartError",
    "build_artefacts",
    "free_port",
    "running_ferretdb",
    "running_postgresql",
    "unique_name",
]
