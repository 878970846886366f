"""The bridge's configuration."""

from __future__ import annotations

from dataclasses import dataclass

from shouwang.config import PlatformSettings, setting


@dataclass(frozen=True, kw_only=True)
class BridgeSettings(PlatformSettings):
    policy_file: str = setting(
        "BRIDGE_POLICY_FILE",
        doc="TOML file naming each bureau's topics, position precision and dropped fields "
        "(docs/bureau-streams.md).",
    )
    pseudonym_key: str = setting(
        "BRIDGE_PSEUDONYM_KEY",
        doc="Base64 of 32 random bytes; each bureau's pseudonym key derives from it. Changing it "
        "changes every pseudonym.",
        secret=True,
    )
