"""Cluster mode: ``python -m services.points`` against Kafka and MongoDB."""

import sys

from services.points import bootstrap
from shouwang.config import PlatformSettings
from shouwang.runtime import serve_cluster, settings_or_exit


def main() -> int:
    return serve_cluster("points", settings_or_exit(PlatformSettings), bootstrap.build)


if __name__ == "__main__":
    sys.exit(main())
