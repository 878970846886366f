"""Identity's configuration: the platform settings plus the secrets that protect members."""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from shouwang.config import PlatformSettings, setting


@dataclass(frozen=True, kw_only=True)
class IdentityKeys:
    """Secrets of the identity service; base64 of 32 random bytes each."""

    pii_key: str = setting(
        "IDENTITY_PII_KEY", doc="AES-256-GCM key encrypting ID numbers and phones.", secret=True
    )
    pii_key_id: str = setting(
        "IDENTITY_PII_KEY_ID", "k1", doc="Id stored with each ciphertext, for key rotation."
    )
    blind_index_key: str = setting(
        "IDENTITY_BLIND_INDEX_KEY",
        doc="HMAC key of the blind indexes used for uniqueness and login lookup.",
        secret=True,
    )
    signing_key: str = setting(
        "IDENTITY_SIGNING_KEY", doc="Ed25519 private key seed signing access tokens.", secret=True
    )
    access_token_ttl_s: int = setting(
        "ACCESS_TOKEN_TTL_S", 900, doc="Lifetime of access tokens (at most 15 minutes)."
    )

    @classmethod
    def generated_in(cls, directory: Path) -> IdentityKeys:
        """Keys kept in ``directory`` for the embedded mode, created on first start (mode 0600)."""
        path = directory / "identity-keys.json"
        if not path.exists():
            directory.mkdir(parents=True, exist_ok=True)
            fresh = {
                name: base64.b64encode(secrets.token_bytes(32)).decode()
                for name in ("pii_key", "blind_index_key", "signing_key")
            }
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                json.dump(fresh, handle)
        return cls(**json.loads(path.read_text()))


@dataclass(frozen=True, kw_only=True)
class IdentitySettings(PlatformSettings, IdentityKeys):
    admin_phone: str = setting(
        "SHOUWANG_ADMIN_PHONE", "", doc="Phone of the administrator seeded at start-up (optional)."
    )
    admin_password: str = setting(
        "SHOUWANG_ADMIN_PASSWORD", "", doc="Password of the seeded administrator.", secret=True
    )
    phone_lookup_key: str = setting(
        "PHONE_LOOKUP_KEY",
        "",
        doc="Base64 key shared with comms, which signs its phone lookups for SMS with it "
        "(unset: lookups are refused and bulletins go without SMS).",
        secret=True,
    )

    @property
    def keys(self) -> IdentityKeys:
        return IdentityKeys(
            pii_key=self.pii_key,
            pii_key_id=self.pii_key_id,
            blind_index_key=self.blind_index_key,
            signing_key=self.signing_key,
            access_token_ttl_s=self.access_token_ttl_s,
        )
