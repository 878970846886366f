"""Cluster mode: ``python -m services.identity`` against Kafka and MongoDB."""

import base64
import sys

from services.identity import bootstrap
from services.identity.settings import IdentitySettings
from shouwang.runtime import serve_cluster, settings_or_exit


def main() -> int:
    settings = settings_or_exit(IdentitySettings)
    return serve_cluster(
        "identity",
        settings,
        lambda adapters: bootstrap.build(
            adapters,
            keys=settings.keys,
            admin_phone=settings.admin_phone,
            admin_password=settings.admin_password,
            phone_lookup_key=base64.b64decode(settings.phone_lookup_key),
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
