"""The gateway's configuration."""

from __future__ import annotations

from dataclasses import dataclass

from shouwang.config import PlatformSettings, setting


@dataclass(frozen=True, kw_only=True)
class GatewaySettings(PlatformSettings):
    http_port: int = setting("HTTP_PORT", 8080, doc="Port of the HTTP API (gateway only).")
    identity_addr: str = setting("IDENTITY_ADDR", doc="host:port of the identity gRPC service.")
    location_addr: str = setting("LOCATION_ADDR", doc="host:port of the location gRPC service.")
    points_addr: str = setting("POINTS_ADDR", doc="host:port of the points gRPC service.")
    tasks_addr: str = setting("TASKS_ADDR", doc="host:port of the tasks gRPC service.")
    training_addr: str = setting(
        "TRAINING_ADDR",
        "",
        doc="host:port of the training gRPC service (unset: its endpoints answer 503).",
    )
    comms_addr: str = setting(
        "COMMS_ADDR",
        "",
        doc="host:port of the comms gRPC service (unset: its endpoints answer 503).",
    )
    max_body_bytes: int = setting(
        "MAX_BODY_BYTES",
        # The largest upload, a 20 MiB video clip, and 64 KiB for its multipart framing: the
        # HTTP server refuses a larger Content-Length before reading any of the body.
        20 * 1024 * 1024 + 64 * 1024,
        doc="Largest request body accepted (413 beyond): a 20 MiB video clip and its framing.",
    )
    http_threads: int = setting(
        "HTTP_THREADS", 32, doc="Worker threads of the HTTP server for ordinary requests."
    )
    requests_at_once: int = setting(
        "GATEWAY_REQUESTS_AT_ONCE",
        4,
        doc="Ordinary requests run at once, the others waiting their turn in arrival order, "
        "batches of fixes after all others (0: no limit; push streams never wait). A request "
        "keeps its turn through a wait on a service of up to 0.1 s and gives it up after: in a "
        "claim race the first to claim are answered before the others' requests start, and a "
        "slow service holds no turns.",
    )
    max_streams: int = setting(
        "GATEWAY_MAX_STREAMS",
        2048,
        doc="Open push streams per replica (a thread each; 503 beyond). See docs/push-stream.md.",
    )
