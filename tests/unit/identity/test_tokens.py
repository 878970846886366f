"""Identity's secrets: EdDSA access tokens, and sealed personal data with blind indexes."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.exceptions import InvalidTag

from services.identity.pii import PiiVault
from services.identity.tokens import ALGORITHM, ISSUER, Claims, TokenIssuer

SEED = bytes(range(32))
NOW = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
CLAIMS = Claims(
    member_id="m1",
    roles=("member", "team_leader"),
    org_id="team-1",
    status="verified",
    token_version=3,
)


def decoded(issuer: TokenIssuer, token: str) -> dict:
    """The token's claims, checked against ``issuer``'s public key (not against the clock)."""
    return jwt.decode(
        token,
        issuer.public_key_pem,
        algorithms=[ALGORITHM],
        issuer=ISSUER,
        options={"verify_exp": False},
    )


# Access tokens -----------------------------------------------------------------------------


def test_an_access_token_carries_the_members_claims() -> None:
    issuer = TokenIssuer(SEED, ttl_s=900)
    claims = decoded(issuer, issuer.issue(CLAIMS, now=NOW))
    assert claims["sub"] == "m1"
    assert claims["roles"] == ["member", "team_leader"]
    assert claims["org"] == "team-1"
    assert claims["st"] == "verified"
    assert claims["tv"] == 3
    assert claims["iss"] == ISSUER


def test_an_access_token_expires_after_its_ttl() -> None:
    issuer = TokenIssuer(SEED, ttl_s=600)
    claims = decoded(issuer, issuer.issue(CLAIMS, now=NOW))
    assert claims["iat"] == int(NOW.timestamp())
    assert claims["exp"] - claims["iat"] == 600


def test_an_expired_access_token_fails_verification() -> None:
    issuer = TokenIssuer(SEED, ttl_s=900)
    token = issuer.issue(CLAIMS, now=datetime.now(UTC) - timedelta(seconds=901))
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, issuer.public_key_pem, algorithms=[ALGORITHM], issuer=ISSUER)


def test_access_tokens_live_at_most_fifteen_minutes() -> None:
    with pytest.raises(ValueError, match="15 minutes"):
        TokenIssuer(SEED, ttl_s=901)


def test_an_access_token_names_its_signing_key() -> None:
    issuer = TokenIssuer(SEED, ttl_s=900)
    header = jwt.get_unverified_header(issuer.issue(CLAIMS, now=NOW))
    assert header["kid"] == issuer.key_id
    assert header["alg"] == ALGORITHM


def test_the_key_id_is_stable_for_a_seed_and_differs_between_seeds() -> None:
    assert TokenIssuer(SEED, ttl_s=900).key_id == TokenIssuer(SEED, ttl_s=60).key_id
    assert TokenIssuer(SEED, ttl_s=900).key_id != TokenIssuer(os.urandom(32), ttl_s=900).key_id


def test_a_token_from_another_key_fails_verification() -> None:
    ours, theirs = TokenIssuer(SEED, ttl_s=900), TokenIssuer(os.urandom(32), ttl_s=900)
    with pytest.raises(jwt.InvalidSignatureError):
        decoded(ours, theirs.issue(CLAIMS, now=NOW))


def test_the_public_key_is_pem_and_the_private_key_is_not_exposed() -> None:
    issuer = TokenIssuer(SEED, ttl_s=900)
    assert issuer.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE" not in issuer.public_key_pem


# Personal data -----------------------------------------------------------------------------


def vault(*, key: bytes = b"k" * 32, key_id: str = "k1", index_key: bytes = b"i" * 32) -> PiiVault:
    return PiiVault(key=key, key_id=key_id, blind_index_key=index_key)


def test_sealed_personal_data_opens_again() -> None:
    sealed = vault().encrypt("33038119900517123X", purpose="id_number")
    assert vault().decrypt(sealed, purpose="id_number") == "33038119900517123X"


def test_sealed_personal_data_holds_no_plaintext_and_names_its_key() -> None:
    sealed = vault(key_id="2026-11").encrypt("+8613900000001", purpose="phone")
    assert "13900000001" not in sealed
    assert sealed.startswith("2026-11:")


def test_sealing_the_same_value_twice_gives_different_ciphertexts() -> None:
    assert vault().encrypt("+8613900000001", purpose="phone") != vault().encrypt(
        "+8613900000001", purpose="phone"
    )


def test_a_ciphertext_cannot_be_opened_for_another_purpose() -> None:
    sealed = vault().encrypt("33038119900517123X", purpose="id_number")
    with pytest.raises(InvalidTag):
        vault().decrypt(sealed, purpose="phone")


def test_a_tampered_ciphertext_does_not_open() -> None:
    key_id, nonce, body = vault().encrypt("+8613900000001", purpose="phone").split(":")
    flipped = ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(InvalidTag):
        vault().decrypt(f"{key_id}:{nonce}:{flipped}", purpose="phone")


def test_a_ciphertext_sealed_with_an_unloaded_key_is_refused() -> None:
    sealed = vault(key_id="old").encrypt("+8613900000001", purpose="phone")
    with pytest.raises(KeyError, match="old"):
        vault(key_id="new").decrypt(sealed, purpose="phone")


def test_blind_indexes_are_deterministic() -> None:
    assert vault().blind_index("+8613900000001", purpose="phone") == vault().blind_index(
        "+8613900000001", purpose="phone"
    )


def test_blind_indexes_differ_between_values_purposes_and_keys() -> None:
    base = vault().blind_index("+8613900000001", purpose="phone")
    assert base != vault().blind_index("+8613900000002", purpose="phone")
    assert base != vault().blind_index("+8613900000001", purpose="id_number")
    assert base != vault(index_key=b"j" * 32).blind_index("+8613900000001", purpose="phone")


def test_a_blind_index_holds_no_plaintext() -> None:
    index = vault().blind_index("13900000001", purpose="phone")
    assert "13900000001" not in index
    assert len(index) == 64


@pytest.mark.parametrize(
    ("key", "index_key"),
    [(b"k" * 16, b"i" * 32), (b"k" * 33, b"i" * 32), (b"k" * 32, b"i" * 31)],
    ids=["short-key", "long-key", "short-index-key"],
)
def test_keys_of_the_wrong_size_are_refused(key: bytes, index_key: bytes) -> None:
    with pytest.raises(ValueError, match="32"):
        vault(key=key, index_key=index_key)
