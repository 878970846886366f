"""Health, readiness and Prometheus metrics for every process.

gRPC services serve them on their own small HTTP port (``OPS_PORT``); the gateway mounts the same
endpoints in its Flask app. Readiness runs the process's checks (store reachable, consumers
started, ...) so Kubernetes sends no traffic to a replica that is still rebuilding its state.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

log = logging.getLogger(__name__)

Check = Callable[[], None]  # raises when not ready


class Readiness:
    """Named readiness checks plus a switch flipped when the process starts or stops serving.

    The checks' results are reused for ``reuse_s``: a probe is unauthenticated, and a burst of
    them (a load balancer's, or anyone's) asks the store once instead of once each (48 at a
    claim race's start in ``bench.dispatch``, each a FerretDB ping beside the race)."""

    def __init__(self, *, reuse_s: float = 1.0) -> None:
        self._checks: dict[str, Check] = {}
        self._serving = threading.Event()
        self._reuse_s = reuse_s
        self._checking = threading.Lock()
        self._checked: tuple[float, dict[str, str]] | None = None  # (when, results)

    def add_check(self, name: str, check: Check) -> None:
        with self._checking:
            self._checks[name] = check
            self._checked = None

    def mark_serving(self) -> None:
        self._serving.set()

    def mark_stopping(self) -> None:
        self._serving.clear()

    @property
    def serving(self) -> bool:
        return self._serving.is_set()

    def wait_for_checks(self, timeout_s: float = 30.0) -> None:
        """Block until every check passes (e.g. state a process must load before it serves)."""
        deadline = time.monotonic() + timeout_s
        while True:
            _, results = self.report(fresh=True)
            failing = {name: r for name, r in results.items() if name != "serving" and r != "ok"}
            if not failing:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout_s} s: {failing}")
            time.sleep(0.05)

    def report(self, *, fresh: bool = False) -> tuple[bool, dict[str, str]]:
        results = {"serving": "ok" if self.serving else "not serving", **self._check(fresh)}
        return all(v == "ok" for v in results.values()), results

    def _check(self, fresh: bool) -> dict[str, str]:
        with self._checking:  # a probe arriving meanwhile takes these results too
            now = time.monotonic()
            if fresh or self._checked is None or now - self._checked[0] >= self._reuse_s:
                results = {}
                for name, check in self._checks.items():
                    try:
                        check()
                        results[name] = "ok"
                    except Exception as error:  # a check may fail in any way; report it
                        results[name] = f"failing: {type(error).__name__}"
                self._checked = (now, results)
            return dict(self._checked[1])


# The /metrics text of other processes this one serves beside its own (the all-in-one's track
# keeper): a process name and how to read its exposition now (None while it cannot be read).
Exposition = Callable[[], str | None]
_other_processes: dict[str, Exposition] = {}
PROCESS_LABEL = "process"


def serve_metrics_of(process: str, exposition: Exposition) -> None:
    """Serve another process's metrics in this one's /metrics, each of its samples labelled
    ``process``: one scrape sees the whole of a deployment that runs as a parent and its child."""
    _other_processes[process] = exposition


def stop_serving_metrics_of(process: str) -> None:
    _other_processes.pop(process, None)


def metrics_payload() -> tuple[bytes, str]:
    return generate_latest(_WithOtherProcesses()), CONTENT_TYPE_LATEST  # type: ignore[arg-type]


class _WithOtherProcesses:
    """This process's registry with the other processes' samples merged into its families (the
    text format allows a name's family once; a family of another type under the same name is
    left out), the families only they have after."""

    def collect(self) -> Iterable[Metric]:
        families = {family.name: family for family in REGISTRY.collect()}
        # What the text format writes an info metric as: a child's parses back under that name.
        exposed = {f"{f.name}_info" for f in families.values() if f.type == "info"}
        for process, exposition in list(_other_processes.items()):
            for family in _parsed(process, _read(process, exposition)):
                samples = [
                    sample._replace(labels={**sample.labels, PROCESS_LABEL: process})
                    for sample in family.samples
                ]
                own = families.get(family.name)
                if family.name in exposed or (own is not None and own.type != family.type):
                    continue
                # A new family each time: a collector may hand out the same one on every scrape.
                merged = Metric(family.name, family.documentation, family.type, family.unit)
                merged.samples = [*(own.samples if own is not None else []), *samples]
                families[family.name] = merged
        return families.values()


def _read(process: str, exposition: Exposition) -> str | None:
    try:
        return exposition()
    except Exception:  # a scrape serves this process's own metrics whatever the other's state
        log.exception("the metrics of %s could not be read; served without them", process)
        return None


def _parsed(process: str, text: str | None) -> list[Metric]:
    """The families of an exposition, without the ``_created`` gauges the text parser makes of
    counters' and histograms' creation times: this process writes its own under those names."""
    try:
        families = list(text_string_to_metric_families(text or ""))
    except ValueError:
        log.warning("the metrics of %s do not parse; served without them", process)
        return []
    timed = {f.name for f in families if f.type in ("counter", "histogram", "summary")}
    return [f for f in families if not (f.name.endswith("_created") and f.name[:-8] in timed)]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class OpsServer:
    """A tiny threaded HTTP server for /healthz, /readyz and /metrics."""

    def __init__(self, readiness: Readiness, *, host: str, port: int) -> None:
        self.readiness = readiness
        self._server = make_server(
            host, port, self._app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="ops-http"
        )

    @property
    def port(self) -> int:
        return self._server.server_port

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _respond(start_response, 200, "application/json", b'{"status": "ok"}')
        if path == "/readyz":
            ready, results = self.readiness.report()
            body = json.dumps({"ready": ready, "checks": results}).encode()
            return _respond(start_response, 200 if ready else 503, "application/json", body)
        if path == "/metrics":
            payload, content_type = metrics_payload()
            return _respond(start_response, 200, content_type, payload)
        return _respond(start_response, 404, "application/json", b'{"status": 404}')


def _respond(start_response: Callable, status: int, content_type: str, body: bytes) -> list[bytes]:
    reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
    start_response(
        f"{status} {reason}", [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    )
    return [body]
