"""Cluster mode: ``python -m services.location`` against Kafka and MongoDB."""

import sys

from services.location import bootstrap
from services.location.settings import LocationSettings
from shouwang.runtime import serve_cluster, settings_or_exit


def main() -> int:
    settings = settings_or_exit(LocationSettings)
    return serve_cluster(
        "location",
        settings,
        lambda adapters: bootstrap.build(
            adapters,
            replica_id=settings.replica_name,
            track_retention_days=settings.track_retention_days,
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
