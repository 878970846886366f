"""Access tokens: short-lived EdDSA JWTs the gateway verifies locally with identity's public key."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ISSUER = "shouwang-identity"
ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class Claims:
    member_id: str
    roles: tuple[str, ...]
    org_id: str
    status: str
    token_version: int


class TokenIssuer:
    def __init__(self, seed: bytes, *, ttl_s: int) -> None:
        if ttl_s > 900:
            raise ValueError("access tokens live at most 15 minutes")
        self._private_key = Ed25519PrivateKey.from_private_bytes(seed)
        public = self._private_key.public_key()
        self.public_key_pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        raw_public = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = base64.urlsafe_b64encode(hashlib.sha256(raw_public).digest()[:9]).decode()
        self.ttl_s = ttl_s

    def issue(self, claims: Claims, *, now: datetime) -> str:
        payload = {
            "iss": ISSUER,
            "sub": claims.member_id,
            "roles": list(claims.roles),
            "org": claims.org_id,
            "st": claims.status,
            "tv": claims.token_version,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_s)).timestamp()),
        }
        return jwt.encode(
            payload, self._private_key, algorithm=ALGORITHM, headers={"kid": self.key_id}
        )
