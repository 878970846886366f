"""Typed settings read from environment variables, one frozen dataclass per process.

Every variable is declared once with ``setting()``; ``load()`` fails fast naming every missing or
unparsable variable, and ``docs/configuration.md`` is generated from these declarations
(``shouwang config-docs``), so the table cannot drift from the code.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

_MISSING = object()


class ConfigError(Exception):
    """Raised at start-up when the environment does not describe a runnable process."""


def setting(env: str, default: Any = _MISSING, *, doc: str, secret: bool = False) -> Any:
    """Declare a dataclass field read from environment variable ``env``."""
    metadata = {"env": env, "doc": doc, "secret": secret}
    if default is _MISSING:
        return field(metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True, kw_only=True)
class PlatformSettings:
    """What every cluster-mode service process needs."""

    kafka_bootstrap_servers: str = setting(
        "KAFKA_BOOTSTRAP_SERVERS", doc="Comma-separated Kafka bootstrap servers, host:port."
    )
    mongodb_uri: str = setting(
        "MONGODB_URI", doc="MongoDB connection string (FerretDB works: nothing needs transactions)."
    )
    mongodb_database: str = setting("MONGODB_DATABASE", "shouwang", doc="Database name.")
    mongodb_database_per_service: bool = setting(
        "MONGODB_DATABASE_PER_SERVICE",
        False,
        doc="Give each service a database of its own, `<MONGODB_DATABASE>_<service>` (a service "
        "reads only its own collections either way). For FerretDB on SQLite, where a database "
        "is one file that one writer at a time may change: the services' writes then stop "
        "waiting on one another (README, Benchmarks). Turned on or off later, the data stays "
        "where it was written.",
    )
    grpc_port: int = setting("GRPC_PORT", 50051, doc="Port of the service's gRPC server.")
    ops_port: int = setting(
        "OPS_PORT", 9464, doc="Port serving /healthz, /readyz and /metrics (Prometheus)."
    )
    bind_host: str = setting("BIND_HOST", "0.0.0.0", doc="Address the servers listen on.")
    log_level: str = setting("LOG_LEVEL", "INFO", doc="DEBUG, INFO, WARNING or ERROR.")
    rpc_timeout_s: float = setting(
        "RPC_TIMEOUT_S", 5.0, doc="Deadline of every outgoing gRPC call, in seconds."
    )
    shutdown_grace_s: float = setting(
        "SHUTDOWN_GRACE_S", 10.0, doc="Seconds in-flight calls get to finish on SIGTERM."
    )

    def database_of(self, service: str) -> str:
        """The database ``service`` keeps its collections (and the gateway its media) in."""
        if self.mongodb_database_per_service:
            return f"{self.mongodb_database}_{service}"
        return self.mongodb_database


T = TypeVar("T")


def load(cls: type[T], environ: Mapping[str, str] | None = None) -> T:
    """Build ``cls`` from the environment; raises ``ConfigError`` naming each bad variable."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    problems: list[str] = []
    hints = typing.get_type_hints(cls)
    for spec in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = spec.metadata["env"]
        raw = environ.get(name)
        if raw is None or raw == "":
            if spec.default is dataclasses.MISSING:
                problems.append(
                    f"missing required environment variable {name} ({spec.metadata['doc']})"
                )
            continue
        try:
            values[spec.name] = _parse(raw, hints[spec.name])
        except ValueError as error:
            problems.append(f"environment variable {name} is invalid: {error}")
    if problems:
        raise ConfigError("; ".join(problems))
    return cls(**values)


def _parse(raw: str, annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if annotation is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"expected true or false, got {raw!r}")
    if annotation is int:
        return int(raw)
    if annotation is float:
        return float(raw)
    if typing.get_origin(annotation) is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def documentation_rows(cls: type) -> list[tuple[str, str, str]]:
    """(variable, default, description) for each setting of ``cls``."""
    rows = []
    for spec in dataclasses.fields(cls):
        if spec.default is dataclasses.MISSING:
            default = "required"
        elif spec.metadata.get("secret"):
            default = "(secret)"
        else:
            default = f"`{spec.default}`" if spec.default not in ("", None) else "empty"
        rows.append((spec.metadata["env"], default, spec.metadata["doc"]))
    return rows
