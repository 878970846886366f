"""Personal data at rest: AES-GCM ciphertexts tagged with their key id (so keys can rotate) and
keyed HMAC blind indexes (so uniqueness and login work without decrypting anything)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class PiiVault:
    def __init__(self, *, key: bytes, key_id: str, blind_index_key: bytes) -> None:
        if len(key) != 32 or len(blind_index_key) < 32:
            raise ValueError("PII keys must be 32 random bytes")
        self._aead = AESGCM(key)
        self._key_id = key_id
        self._blind_index_key = blind_index_key

    def encrypt(self, plaintext: str, *, purpose: str) -> str:
        """``key_id:nonce:ciphertext``; ``purpose`` is bound as associated data so an ID number's
        ciphertext cannot be passed off as a phone's."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), purpose.encode())
        return ":".join([self._key_id, _b64(nonce), _b64(sealed)])

    def decrypt(self, token: str, *, purpose: str) -> str:
        key_id, nonce, sealed = token.split(":")
        if key_id != self._key_id:
            raise KeyError(f"ciphertext was sealed with key {key_id}, which is not loaded")
        return self._aead.decrypt(_unb64(nonce), _unb64(sealed), purpose.encode()).decode()

    def blind_index(self, value: str, *, purpose: str) -> str:
        digest = hmac.new(self._blind_index_key, f"{purpose}\x00{value}".encode(), hashlib.sha256)
        return digest.hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
