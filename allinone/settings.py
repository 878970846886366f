"""The all-in-one's configuration: the settings of each service that the embedded mode honours,
each the service's own (same variable, default and meaning) — inherited where the service offers
them as a group (tasks' waves), otherwise taken from its settings class by ``same_as`` — so no
default is repeated here."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from services.comms.live_call_settings import LiveCallSettings
from services.gateway.settings import GatewaySettings
from services.identity.settings import IdentitySettings
from services.tasks.settings import WaveSettings
from shouwang.config import PlatformSettings, setting


def same_as(settings: type, name: str) -> Any:
    """The field ``name`` of a service's ``settings``, declared again for the all-in-one."""
    spec = next(f for f in dataclasses.fields(settings) if f.name == name)
    return setting(
        spec.metadata["env"],
        spec.default,
        doc=spec.metadata["doc"],
        secret=spec.metadata["secret"],
    )


@dataclass(frozen=True, kw_only=True)
class AllInOneSettings(WaveSettings, LiveCallSettings):
    log_level: str = same_as(PlatformSettings, "log_level")
    admin_phone: str = same_as(IdentitySettings, "admin_phone")
    admin_password: str = same_as(IdentitySettings, "admin_password")
    max_body_bytes: int = same_as(GatewaySettings, "max_body_bytes")
    http_threads: int = same_as(GatewaySettings, "http_threads")
    requests_at_once: int = setting(
        "GATEWAY_REQUESTS_AT_ONCE",
        4,
        doc="Ordinary requests run at once, the others waiting their turn in arrival order, "
        "batches of fixes after all others (0: no limit; push streams never wait). The "
        "services run in the gateway's interpreter, so more at once only share it more ways: "
        "in turns the first come are answered first.",
    )
    bus_idle_poll_s: float = setting(
        "SHOUWANG_BUS_IDLE_POLL_S",
        0.02,
        doc="How seldom, at most, a consumer of the embedded bus looks for another process's "
        "events on a topic gone quiet, backing off from every 20 ms to this (this process's own "
        "events wake it at once). Measured on 2 cores under full load, 0.25 took ~18 % less CPU "
        "per fix and accepted ~12 % more fixes (means of 18 runs and 10); but on a VM whose "
        "idle CPUs halt, the claim race's slowest winners with 1,000 on duty were told at p99 "
        "84-111 ms instead of 63-71: the polls keep the CPUs awake (a separate process waking "
        "every millisecond brought the back-off's 237 ms back to 78, README). The track "
        "keeper's process keeps polling every 20 ms.",
    )
    interpreter_on_one_core: bool = setting(
        "SHOUWANG_INTERPRETER_ONE_CORE",
        True,
        doc="Run the all-in-one's threads on one CPU (chosen at random) and its track "
        "keeper's process on the others. Its Python runs on one core at a time anyway; spread "
        "over two, every hand-over of the interpreter between threads woke the other core, "
        "which cost 39 % of its CPU time in the kernel under full load against 20 % pinned, "
        "and 1.5x the fixes per second (false: threads and process run on any CPU).",
    )
    track_keeper_process: bool = setting(
        "SHOUWANG_TRACK_KEEPER_PROCESS",
        True,
        doc="Store tracks (location's track keeper) in a second process beside the all-in-one, "
        "which has the cores for it, instead of in its own interpreter (false: one process).",
    )
