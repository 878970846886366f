"""The demo of ``shouwang up`` (unless ``--no-demo``): a simulated patrol night run in-process,
as a client of the gateway's own HTTP API.

The simulation needs an administrator to create its stations, teams and grids and to verify
its members. ``SHOUWANG_ADMIN_PHONE`` / ``SHOUWANG_ADMIN_PASSWORD`` name one when set; otherwise
the demo seeds its own, explicitly: phone ``DEMO_ADMIN_PHONE`` with a random password kept in
``<data dir>/demo-admin.json`` (mode 0600), so the accounts of a previous night still log in
after a restart. Nothing of this happens with ``--no-demo``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from allinone.settings import AllInOneSettings

if TYPE_CHECKING:
    from simulator import Simulation

log = logging.getLogger(__name__)

DEMO_ADMIN_PHONE = "13700000000"
DEMO_ADMIN_FILE = "demo-admin.json"
DEMO_MEMBERS = 300
DEMO_SEED = 1


def with_demo_admin(settings: AllInOneSettings, data_dir: Path) -> AllInOneSettings:
    """``settings`` with an administrator for the demo: the configured one, else the demo's own
    (created on first use, its password in the data dir)."""
    if settings.admin_phone and settings.admin_password:
        return settings
    path = data_dir / DEMO_ADMIN_FILE
    if path.exists():
        saved = json.loads(path.read_text())
    else:
        # Letters and digits of both cases: the password policy wants two kinds of character.
        saved = {"phone": DEMO_ADMIN_PHONE, "password": "Demo-" + secrets.token_urlsafe(18)}
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(saved, handle)
        log.info("seeded the demo's administrator", extra={"file": str(path)})
    return dataclasses.replace(
        settings, admin_phone=saved["phone"], admin_password=saved["password"]
    )


def start_demo(
    url: str, settings: AllInOneSettings, *, members: int = DEMO_MEMBERS, seed: int = DEMO_SEED
) -> Simulation:
    """Start the night against the running gateway at ``url`` (setup goes on in the
    background, with a progress line on standard error)."""
    # Imported here: an image or install without the simulator still runs --no-demo.
    from simulator import Simulation, SimulationSettings

    return Simulation(
        SimulationSettings(
            url=url,
            admin_phone=settings.admin_phone,
            admin_password=settings.admin_password,
            members=members,
            seed=seed,
        )
    ).start()
