"""The gateway's bearer-token check: a token's signature is verified once and remembered, while its
expiry and revocation are still checked on every request."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from services.gateway import auth
from services.gateway.auth import TokenVerifier
from services.gateway.token_versions import TokenVersions
from services.identity.tokens import Claims, TokenIssuer
from shouwang.errors import Unauthenticated
from shouwang.identity.v1 import identity_pb2
from tests.support.api import wait_for

SEED = bytes(range(32))
CLAIMS = Claims(member_id="m1", roles=("member",), org_id="", status="verified", token_version=2)


class Identity:
    """Identity's signing keys, as the gateway asks for them."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def GetSigningKeys(self, request: object) -> identity_pb2.SigningKeys:  # noqa: N802
        key = identity_pb2.SigningKey(
            key_id=self.issuer.key_id, algorithm="EdDSA", public_key_pem=self.issuer.public_key_pem
        )
        return identity_pb2.SigningKeys(keys=[key])


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer(SEED, ttl_s=900)


@pytest.fixture
def verifier(issuer: TokenIssuer) -> TokenVerifier:
    versions = TokenVersions()
    versions._loaded.set()  # nothing revoked yet, as after loading an empty list
    return TokenVerifier(Identity(issuer), versions)  # type: ignore[arg-type]


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token whose signature PyJWT checks."""
    seen: list[str] = []
    real_decode = jwt.decode

    def counting(token: str, *args: object, **kwargs: object) -> dict:
        seen.append(token)
        return real_decode(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(auth.jwt, "decode", counting)
    return seen


def test_a_tokens_signature_is_verified_once_for_many_requests(
    issuer: TokenIssuer, verifier: TokenVerifier, decodes: list[str]
) -> None:
    token = issuer.issue(CLAIMS, now=datetime.now(UTC))
    callers = [verifier.verify(token) for _ in range(5)]
    assert {c.member_id for c in callers} == {"m1"} and callers[0].status == "verified"
    assert decodes == [token]


def test_a_remembered_token_is_refused_once_revoked(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.issue(CLAIMS, now=datetime.now(UTC))
    verifier.verify(token)
    verifier.versions.raise_to("m1", CLAIMS.token_version + 1)  # e.g. logged out elsewhere
    with pytest.raises(Unauthenticated, match="revoked"):
        verifier.verify(token)


def test_a_remembered_token_is_refused_once_it_expires(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    # Issued so that it expires within about a second from now.
    token = issuer.issue(CLAIMS, now=datetime.now(UTC) - timedelta(seconds=issuer.ttl_s - 1))
    verifier.verify(token)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    wait_for(lambda: time.time() >= exp, timeout_s=5, interval_s=0.05, what="the token's expiry")
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(token)


def test_a_forged_token_is_refused_even_when_its_claims_match_a_remembered_one(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    now = datetime.now(UTC)
    verifier.verify(issuer.issue(CLAIMS, now=now))
    forger = TokenIssuer(bytes(range(1, 33)), ttl_s=900)
    forged = jwt.encode(
        jwt.decode(forger.issue(CLAIMS, now=now), options={"verify_signature": False}),
        bytes(range(32)),
        algorithm="HS256",
        headers={"kid": issuer.key_id},
    )
    with pytest.raises(Unauthenticated, match="invalid"):
        verifier.verify(forged)
