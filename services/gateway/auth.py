"""Bearer-token checks done in the gateway without a network hop: identity's public keys are
fetched once over gRPC and cached by key id (an unknown key id triggers one refetch), and the
token's version is compared with the versions identity has announced."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import g, request

from services.gateway.token_versions import TokenVersions
from shouwang.errors import Forbidden, Unauthenticated
from shouwang.identity.v1 import identity_pb2, identity_pb2_grpc

ISSUER = "shouwang-identity"
OFFICER_ROLES = frozenset({"officer", "admin"})


@dataclass(frozen=True)
class Caller:
    member_id: str
    roles: frozenset[str]
    org_id: str
    status: str
    token_version: int

    @property
    def is_officer(self) -> bool:
        return bool(self.roles & OFFICER_ROLES)

    @property
    def actor(self) -> identity_pb2.Actor:
        return identity_pb2.Actor(
            member_id=self.member_id, roles=sorted(self.roles), org_id=self.org_id
        )


class TokenVerifier:
    def __init__(
        self, identity: identity_pb2_grpc.IdentityServiceStub, versions: TokenVersions
    ) -> None:
        self._identity = identity
        self.versions = versions
        self._keys: dict[str, object] = {}
        self._lock = threading.Lock()

    def verify(self, token: str) -> Caller:
        try:
            key_id = jwt.get_unverified_header(token).get("kid", "")
            claims = jwt.decode(
                token,
                self._public_key(key_id),
                algorithms=["EdDSA"],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.PyJWTError:
            raise Unauthenticated(detail="the access token is invalid or expired") from None
        caller = Caller(
            member_id=claims["sub"],
            roles=frozenset(claims.get("roles", [])),
            org_id=claims.get("org", ""),
            status=claims.get("st", ""),
            token_version=int(claims.get("tv", 0)),
        )
        if not self.versions.accepts(caller.member_id, caller.token_version):
            raise Unauthenticated(detail="the access token was revoked; refresh or log in again")
        return caller

    def _public_key(self, key_id: str) -> object:
        with self._lock:
            if key_id not in self._keys:
                reply = self._identity.GetSigningKeys(identity_pb2.GetSigningKeysRequest())
                for key in reply.keys:
                    self._keys[key.key_id] = load_pem_public_key(key.public_key_pem.encode())
            if key_id not in self._keys:
                raise jwt.InvalidKeyError("unknown key id")
            return self._keys[key_id]


def authenticate(verifier: TokenVerifier) -> Caller:
    """The caller of the current request, from ``Authorization: Bearer``; 401 without one."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(detail="send Authorization: Bearer <access token>")
    g.caller = verifier.verify(token.strip())
    return g.caller


def require_officer(caller: Caller) -> None:
    if not caller.is_officer:
        raise Forbidden(detail="only officers may do this")
