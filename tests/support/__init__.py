"""Helpers shared by the test suites: real test servers and per-test names."""

from .servers import FerretDB, KafkaBroker, ServerStartError, running_ferretdb, unique_name

__all__ = ["FerretDB", "KafkaBroker", "ServerStartError", "running_ferretdb", "unique_name"]
