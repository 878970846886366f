"""The points service's configuration: the platform settings, its rules file and identity."""

from __future__ import annotations

from dataclasses import dataclass

from shouwang.config import PlatformSettings, setting


@dataclass(frozen=True, kw_only=True)
class PointsSettings(PlatformSettings):
    rules_file: str = setting(
        "POINTS_RULES_FILE",
        "",
        doc="Points rules (TOML, see docs/points-rules.md); empty = the bundled rules/v2.toml.",
    )
    identity_addr: str = setting(
        "IDENTITY_ADDR",
        "",
        doc="host:port of identity, for the names on leaderboards; empty = names left blank.",
    )
    reconcile_interval_s: float = setting(
        "POINTS_RECONCILE_INTERVAL_S",
        3600.0,
        doc="How often balances and boards are recomputed from the ledger; 0 = never.",
    )
