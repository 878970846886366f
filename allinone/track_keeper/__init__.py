"""The all-in-one's second process: location's track keeper (the shared ``location-tracks``
consumer group), on the same bus and store files as the process serving everything else.

Why a process: the all-in-one's services share one interpreter, which had become the limit of
ingestion with a third of the machine idle, and storing a city's fixes (their track buckets, each
member's latest position, the derived public events) needs nothing of that process's memory. Moved
here it gave 1.16× the fixes at 0.90× the CPU per fix (README "Benchmarks"). It runs as a second
location replica takes the group's partitions in the cluster; the embedded bus and store are SQLite
files that several processes share safely. Nothing changes for a fix: it is acknowledged once its
batch is on the bus, and the keeper stores it from there.

``TrackKeeperProcess`` is the parent's handle: it starts the process, starts it again if it dies
(the batches wait on the bus meanwhile), and stops it by closing its stdin, which the process also
sees when the parent dies without stopping it. The process holds a lock file in the data dir, so
a keeper left over from a killed parent finishes before the next one takes the group. Its metrics
are served on a loopback port it announces on its stdout, and the parent serves them in its own
/metrics, labelled ``process="track-keeper"``.
"""

from __future__ import annotations

import http.client
import logging
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Collection
from pathlib import Path
from typing import IO

from shouwang.metrics import serve_metrics_of, stop_serving_metrics_of

log = logging.getLogger(__name__)

RESTART_AFTER_S = 1.0
STOP_WITHIN_S = 15.0
_IMPORT_ROOT = Path(__file__).resolve().parents[2]
METRICS_PORT_LINE = "track-keeper metrics on port"  # then the port, on the process's stdout
PROCESS_NAME = "track-keeper"
_SCRAPE_TIMEOUT_S = 1.0  # the parent's scrape waits for it


class TrackKeeperProcess:
    def __init__(
        self, data_dir: Path, *, log_level: str = "INFO", cpus: Collection[int] = ()
    ) -> None:
        self._command = [
            sys.executable,
            "-m",
            "allinone.track_keeper",
            "--data",
            str(data_dir),
            "--log-level",
            log_level,
        ]
        if cpus:  # else wherever the parent may run, as a child inherits
            self._command += ["--cpus", ",".join(map(str, sorted(cpus)))]
        self._process: subprocess.Popen[bytes] | None = None
        self._metrics_port: int | None = None  # of the running process, once it said
        self._stopping = threading.Event()
        self._spawning = threading.Lock()  # no process started after stop() looked for one
        self._supervisor = threading.Thread(
            target=self._keep_running, daemon=True, name="track-keeper-supervisor"
        )

    def start(self) -> TrackKeeperProcess:
        self._process = self._spawn()
        self._supervisor.start()
        serve_metrics_of(PROCESS_NAME, self.metrics)
        return self

    def metrics(self) -> str | None:
        """The running process's /metrics text; None before it said its port or while it is
        down (a scrape then sees the all-in-one's own metrics only)."""
        port = self._metrics_port
        if port is None:
            return None
        try:
            url = f"http://127.0.0.1:{port}/metrics"
            with urllib.request.urlopen(url, timeout=_SCRAPE_TIMEOUT_S) as reply:
                return reply.read().decode()
        except (OSError, http.client.HTTPException, UnicodeDecodeError):  # died mid-reply, ...
            return None

    def check(self) -> None:
        """Readiness: the process is running."""
        if self._process is None or self._process.poll() is not None:
            raise RuntimeError("the track keeper process is not running")

    def stop(self) -> None:
        stop_serving_metrics_of(PROCESS_NAME)
        with self._spawning:
            self._stopping.set()
            process = self._process
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the process finishes its run, commits and exits
        try:
            process.wait(STOP_WITHIN_S)
        except subprocess.TimeoutExpired:
            log.error("the track keeper did not stop within %.0f s; killed", STOP_WITHIN_S)
            process.kill()
            process.wait()
        self._supervisor.join(STOP_WITHIN_S)

    def _spawn(self) -> subprocess.Popen[bytes]:
        # The modules this process runs, wherever they were imported from (a checkout or not).
        path = [str(_IMPORT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
        process = subprocess.Popen(
            self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment
        )
        assert process.stdout is not None
        threading.Thread(
            target=self._read_announcements,
            args=(process.stdout,),
            daemon=True,
            name="track-keeper-stdout",
        ).start()
        return process

    def _read_announcements(self, stdout: IO[bytes]) -> None:
        """Until the process ends (its stdout is drained to the end, so it never blocks on a
        full pipe): its metrics port, and anything else it prints passed on."""
        with stdout:
            for line in stdout:
                text = line.decode(errors="replace")
                port = text.removeprefix(METRICS_PORT_LINE).strip()
                if text.startswith(METRICS_PORT_LINE) and port.isdigit():
                    self._metrics_port = int(port)
                else:
                    sys.stdout.write(text)
                    sys.stdout.flush()

    def _keep_running(self) -> None:
        while not self._stopping.is_set():
            assert self._process is not None
            code = self._process.wait()
            self._metrics_port = None  # not to scrape whatever takes the port next
            if self._stopping.is_set():
                return
            log.error(
                "the track keeper process exited (%s); starting it again in %.0f s",
                code,
                RESTART_AFTER_S,
            )
            if self._stopping.wait(RESTART_AFTER_S):
                return
            with self._spawning:
                if self._stopping.is_set():
                    return
                self._process = self._spawn()
