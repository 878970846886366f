"""Cluster mode: ``python -m services.tasks`` against Kafka and MongoDB."""

import sys

from services.tasks import bootstrap
from shouwang.config import PlatformSettings
from shouwang.runtime import serve_cluster, settings_or_exit


def main() -> int:
    return serve_cluster("tasks", settings_or_exit(PlatformSettings), bootstrap.build)


if __name__ == "__main__":
    sys.exit(main())
