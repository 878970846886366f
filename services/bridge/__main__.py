"""Cluster mode: ``python -m services.bridge``, republishing public topics to bureaus' topics."""

import sys
from pathlib import Path

from services.bridge import bootstrap
from services.bridge.policy import PolicyError, load_policy
from services.bridge.settings import BridgeSettings
from shouwang.runtime import serve_cluster, settings_or_exit


def main() -> int:
    settings = settings_or_exit(BridgeSettings)
    try:
        policies = load_policy(Path(settings.policy_file))
    except PolicyError as error:
        print(f"bridge: {error}", file=sys.stderr)
        return 2
    return serve_cluster(
        "bridge",
        settings,
        lambda adapters: bootstrap.build(
            adapters, policies=policies, master_key=settings.pseudonym_key
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
