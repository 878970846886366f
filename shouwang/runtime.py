"""Service defaults: the adapters of each mode and the process lifecycle, so every service's
``__main__`` is a dozen lines and every process starts, reports and stops the same way.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from shouwang.bus import EventBus
from shouwang.clock import Clock, SystemClock
from shouwang.config import ConfigError, PlatformSettings, load
from shouwang.foreground import Foreground
from shouwang.logging import configure_logging
from shouwang.metrics import OpsServer, Readiness
from shouwang.rpc import GrpcServer, ServiceBinding
from shouwang.store import BlobStore, DocumentStore

log = logging.getLogger(__name__)


@dataclass
class Adapters:
    """The only things that differ between embedded and cluster mode."""

    bus: EventBus
    store: DocumentStore
    blobs: BlobStore
    clock: Clock = field(default_factory=SystemClock)
    # The requests this process serves that someone waits on, for its background consumers to
    # step aside for (the all-in-one's HTTP server counts them; a service process has none).
    foreground: Foreground = field(default_factory=Foreground)

    def close(self) -> None:
        self.bus.close()
        self.store.close()


def cluster_adapters(settings: PlatformSettings, *, client_id: str) -> Adapters:
    """The adapters of the service ``client_id`` (its name) on Kafka and MongoDB."""
    from shouwang.bus.kafka import KafkaEventBus
    from shouwang.store.blobs import GridFSBlobStore
    from shouwang.store.mongo import MongoDocumentStore

    database = settings.database_of(client_id)
    return Adapters(
        bus=KafkaEventBus(settings.kafka_bootstrap_servers, client_id=client_id),
        store=MongoDocumentStore(settings.mongodb_uri, database),
        blobs=GridFSBlobStore(settings.mongodb_uri, database),
    )


def embedded_adapters(data_dir: Path, *, bus_idle_poll_s: float | None = None) -> Adapters:
    from shouwang.bus.embedded import POLL_INTERVAL_S, SqliteEventBus
    from shouwang.store.blobs import LocalBlobStore
    from shouwang.store.embedded import SqliteDocumentStore

    data_dir.mkdir(parents=True, exist_ok=True)
    foreground = Foreground()
    return Adapters(
        bus=SqliteEventBus(
            data_dir / "events.sqlite3",
            idle_poll_interval_s=bus_idle_poll_s or POLL_INTERVAL_S,
            foreground=foreground,
        ),
        store=SqliteDocumentStore(data_dir / "documents.sqlite3", foreground=foreground),
        blobs=LocalBlobStore(data_dir / "media"),
        foreground=foreground,
    )


class Service(Protocol):
    """What a service's ``bootstrap.build()`` returns."""

    bindings: Sequence[ServiceBinding]

    def close(self) -> None: ...


T = TypeVar("T")


def settings_or_exit(cls: type[T]) -> T:
    """Load settings; on a bad environment print what is wrong and exit 2 (no traceback)."""
    try:
        return load(cls)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


class ShutdownSignal:
    """SIGTERM or SIGINT, caught from the moment this is made. Make it before the process reports
    ready, so that one reported ready always stops gracefully; before it, the default's instant
    end is right: start-up has taken no work yet, and may wait long on what it needs (Kafka,
    another service)."""

    # How often the main thread looks whether a signal came. Python runs signal handlers only
    # in the main thread, and only wakes it from a wait when the kernel delivered the signal to
    # that thread; it may give it to any other (gRPC's, Kafka's) that does not block it, and
    # then a wait without a timeout never ends (test_runtime shows it) — the likely cause of a
    # location replica that, sent SIGTERM, kept serving until the test run ended (CI,
    # 2026-12-02). grpc's own waits poll for the same reason (grpc/grpc#19481).
    POLL_S = 0.5

    def __init__(self) -> None:
        self._received = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self._received.set())

    @property
    def received(self) -> bool:
        return self._received.is_set()

    def wait_a_while(self) -> bool:
        """Whether a signal has come, waiting up to ``POLL_S`` for one (see there)."""
        return self._received.wait(self.POLL_S)

    def serve_until_received(self) -> None:
        """Block the main thread of a process that is now serving until the signal; what
        start-up made is frozen first (``freeze_start_up_objects``): from here it lives as long
        as the process."""
        freeze_start_up_objects()
        while not self.wait_a_while():
            pass


# glibc's mallopt parameter for the number of malloc arenas.
_M_ARENA_MAX = -8
MALLOC_ARENAS = 2


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> None:
    """Let glibc's malloc spread this process's threads over ``arenas`` arenas instead of 8 per
    core. Each arena keeps its own high-water mark, and a server's threads take requests in turn,
    so the same work spread over 16 arenas held twice the memory: the all-in-one under the API
    fuzzer peaked at 475–508 MiB, 263 MiB with 2 (257 as ``MALLOC_ARENA_MAX=2``). Python allocates
    small objects in its own pools, so the contention more arenas would spare is little. Call it
    first thing: arenas already made stay. Elsewhere than glibc it does nothing."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_ARENA_MAX, arenas)


def keep_interpreter_on_one_core() -> frozenset[int]:
    """Run every thread of this process, and those it starts later, on one of the CPUs it may
    use, chosen at random so that instances started side by side spread over them (not by
    process id: in containers each is process 1); return the others, for the processes it
    starts to use (they would inherit the one CPU).

    Why: the interpreter runs Python on one core at a time whatever the threads, and each time
    one thread hands the GIL to another on a different core the kernel must wake that core. The
    all-in-one hands over tens of thousands of times a second under a city's fixes (every store
    call and socket write gives the GIL up): spread over two cores, 39 % of its CPU time went
    to the kernel, mostly in those wake-ups; on one core 20 %, and 1.5x the fixes per second
    (README "Benchmarks", issue #19). SQLite and numpy work outside the GIL then shares that core
    too, which costs less than the hand-overs did.

    Does nothing, and returns no CPU, where the process may use only one or the platform cannot
    pin threads (only Linux can)."""
    if not hasattr(os, "sched_setaffinity"):
        return frozenset()
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return frozenset()
    core = secrets.choice(allowed)
    run_on({core})
    log.info("this process's threads run on CPU %d of %s", core, allowed)
    return frozenset(allowed) - {core}


def run_on(cpus: Collection[int]) -> None:
    """Let every thread of this process run on ``cpus`` only (threads started later inherit it
    from the thread that starts them), on Linux."""
    pinned: set[int] = set()
    while unpinned := set(_thread_ids()) - pinned:  # again for any started meanwhile
        for thread_id in unpinned:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.sched_setaffinity(thread_id, cpus)
        pinned |= unpinned


def parse_cpu_list(text: str) -> frozenset[int]:
    """The CPUs of the kernel's list form (``0-2,5``, as /proc and ``taskset -c`` write it);
    ValueError for anything else."""
    cpus: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        cpus.update(range(int(first), int(last or first) + 1))
    return frozenset(cpus)


def _thread_ids() -> list[int]:
    """The threads of this process as the kernel knows them (Linux's /proc)."""
    return [int(entry) for entry in os.listdir("/proc/self/task")]


def freeze_start_up_objects() -> None:
    """Leave what start-up made out of the garbage collector's full collections.

    The modules, descriptors, models and routes a server loads at start-up live as long as the
    process, yet each full collection walked them all: the all-in-one holds ~165,000 tracked
    objects once started and a full collection took 90–145 ms (on a busy machine), every thread
    stopped — a dispatch's whole budget. Frozen, a full collection walks only what the process
    made since: during the 10k dispatch benchmark mostly 11–40 ms instead of 71–101. Called
    once the process is serving (``ShutdownSignal.serve_until_received``), not before each
    request: frozen cycles are never freed. See https://docs.python.org/3/library/gc.html#gc.freeze."""
    gc.collect()  # so that what start-up left for collection is freed, not frozen
    gc.freeze()


def serve_cluster(
    name: str, settings: PlatformSettings, build: Callable[[Adapters], Service]
) -> int:
    """Run one service alone against Kafka and MongoDB until SIGTERM; returns the exit code."""
    limit_malloc_arenas()
    configure_logging(name, settings.log_level)
    adapters = cluster_adapters(settings, client_id=name)
    readiness = Readiness()
    readiness.add_check("store", adapters.store.ping)
    service = build(adapters)
    grpc_server = GrpcServer(service.bindings, host=settings.bind_host, port=settings.grpc_port)
    ops = OpsServer(readiness, host=settings.bind_host, port=settings.ops_port)
    ops.start()
    adapters.bus.start()
    grpc_server.start()
    shutdown = ShutdownSignal()
    readiness.mark_serving()
    log.info("serving", extra={"grpc_port": grpc_server.port, "ops_port": ops.port})
    shutdown.serve_until_received()
    log.info("shutting down")
    readiness.mark_stopping()
    grpc_server.stop(settings.shutdown_grace_s)
    service.close()
    adapters.close()
    ops.stop()
    return 0
