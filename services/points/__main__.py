"""Cluster mode: ``python -m services.points`` against Kafka and MongoDB."""

import sys
from pathlib import Path

from services.points import bootstrap
from services.points.ruleset import DEFAULT_RULES_FILE, RulesError, load_rules
from services.points.settings import PointsSettings
from shouwang.runtime import serve_cluster, settings_or_exit


def main() -> int:
    settings = settings_or_exit(PointsSettings)
    try:
        rules = load_rules(Path(settings.rules_file) if settings.rules_file else DEFAULT_RULES_FILE)
    except RulesError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    return serve_cluster(
        "points",
        settings,
        lambda adapters: bootstrap.build(
            adapters,
            rules=rules,
            identity_addr=settings.identity_addr,
            rpc_timeout_s=settings.rpc_timeout_s,
            reconcile_interval_s=settings.reconcile_interval_s,
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
