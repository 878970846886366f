"""Cluster mode: ``python -m services.location`` against Kafka and MongoDB."""

import sys

from services.location import bootstrap
from shouwang.config import PlatformSettings
from shouwang.runtime import serve_cluster, settings_or_exit


def main() -> int:
    return serve_cluster("location", settings_or_exit(PlatformSettings), bootstrap.build)


if __name__ == "__main__":
    sys.exit(main())
