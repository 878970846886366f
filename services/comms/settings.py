"""Comms' configuration."""

from __future__ import annotations

from dataclasses import dataclass

from services.comms.live_call_settings import LiveCallSettings
from shouwang.config import PlatformSettings, setting


@dataclass(frozen=True, kw_only=True)
class CommsSettings(LiveCallSettings, PlatformSettings):
    identity_addr: str = setting("IDENTITY_ADDR", doc="host:port of the identity gRPC service.")
    location_addr: str = setting("LOCATION_ADDR", doc="host:port of the location gRPC service.")
    training_addr: str = setting(
        "TRAINING_ADDR",
        "",
        doc="host:port of the training gRPC service (unset: cohort groups answer 503).",
    )
    phone_lookup_key: str = setting(
        "PHONE_LOOKUP_KEY",
        "",
        doc="Base64 key shared with identity, signing comms' phone lookups for SMS (unset: "
        "bulletins with sms: true are refused).",
        secret=True,
    )
    sms_provider: str = setting(
        "SMS_PROVIDER",
        "",
        doc="Where texts go: `http` (SMS_HTTP_*), `file` (SMS_FILE, JSON lines) or unset (none).",
    )
    sms_file: str = setting("SMS_FILE", "", doc="Path of the file provider's JSON lines.")
    sms_http_endpoint: str = setting(
        "SMS_HTTP_ENDPOINT", "", doc="URL the HTTP provider POSTs each text to (docs/comms.md)."
    )
    sms_http_key_id: str = setting(
        "SMS_HTTP_KEY_ID", "", doc="Key id sent as X-Sms-Key to the HTTP provider."
    )
    sms_http_secret: str = setting(
        "SMS_HTTP_SECRET",
        "",
        doc="Shared secret of the HTTP provider's X-Sms-Signature (HMAC-SHA256).",
        secret=True,
    )
    sms_per_hour: int = setting(
        "SMS_PER_HOUR", 3, doc="Texts one member (one number) receives at most per clock hour."
    )
