"""Bearer-token checks done in the gateway without a network hop: identity's public keys are
fetched once over gRPC and cached by key id (an unknown key id triggers one refetch), and the
token's version is compared with the versions identity has announced.

A token whose signature was verified is remembered until it expires: a phone sends the same
token with every request for up to 15 minutes, and decoding and verifying it again cost more
CPU than the rest of a small request's handling. Expiry and the token's version (revocation)
are still checked on every request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import g, request

from services.gateway.token_versions import TokenVersions
from shouwang.errors import Forbidden, Unauthenticated
from shouwang.identity.v1 import identity_pb2, identity_pb2_grpc

ISSUER = "shouwang-identity"
REMEMBERED_TOKENS = 10_000  # a few MB; beyond that the oldest are verified again
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
        self._verified: OrderedDict[str, tuple[Caller, int]] = OrderedDict()  # token -> its exp
        self._verified_lock = threading.Lock()

    def verify(self, token: str) -> Caller:
        with self._verified_lock:
            remembered = self._verified.get(token)
        # Expired as PyJWT says (exp <= now), on the same clock.
        if remembered is not None and remembered[1] > time.time():
            caller = remembered[0]
        else:
            caller = self._verify_signature(token)
        if not self.versions.accepts(caller.member_id, caller.token_version):
            raise Unauthenticated(detail="the access token was revoked; refresh or log in again")
        return caller

    def _verify_signature(self, token: str) -> Caller:
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
        with self._verified_lock:
            self._verified[token] = (caller, int(claims["exp"]))
            while len(self._verified) > REMEMBERED_TOKENS:
                self._verified.popitem(last=False)
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
