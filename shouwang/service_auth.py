"""Service-to-service calls that only one named service may make (today: comms asking identity
for phone numbers). gRPC here runs without caller identities (plain channels inside the cluster,
with NetworkPolicies), so such a call carries an HMAC-SHA256 over what it asks, made with a key
the two services share (``PHONE_LOOKUP_KEY``; in the embedded mode a fresh random key per
process):

    x-shouwang-service:   the calling service's name
    x-shouwang-timestamp: epoch seconds
    x-shouwang-signature: hex HMAC-SHA256(key, "<service>\\n<method>\\n<timestamp>\\n<content>")

``content`` is a canonical text of the request chosen by the method (its member ids, purpose and
reference), so the signature holds for exactly that request; the receiver accepts it within
``MAX_SKEW_S`` of its own clock. Without a key every such call is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable, Sequence

SERVICE_HEADER = "x-shouwang-service"
TIMESTAMP_HEADER = "x-shouwang-timestamp"
SIGNATURE_HEADER = "x-shouwang-signature"
MAX_SKEW_S = 60


def _digest(key: bytes, service: str, method: str, timestamp: str, content: str) -> str:
    message = f"{service}\n{method}\n{timestamp}\n{content}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_metadata(
    key: bytes, *, service: str, method: str, content: str, now: float | None = None
) -> tuple[tuple[str, str], ...]:
    """The metadata to send with the call."""
    timestamp = str(int(time.time() if now is None else now))
    return (
        (SERVICE_HEADER, service),
        (TIMESTAMP_HEADER, timestamp),
        (SIGNATURE_HEADER, _digest(key, service, method, timestamp, content)),
    )


def verified_service(
    key: bytes,
    metadata: Iterable[tuple[str, str | bytes]] | None,
    *,
    method: str,
    content: str,
    allowed: Sequence[str],
    now: float | None = None,
) -> str | None:
    """The calling service's name when its signature is good, fresh and it is ``allowed``;
    None otherwise (and always without a key)."""
    if not key:
        return None
    headers = {k: v if isinstance(v, str) else v.decode("latin-1") for k, v in metadata or ()}
    service = headers.get(SERVICE_HEADER, "")
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "")
    if service not in allowed or not timestamp.isdigit():
        return None
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_SKEW_S:
        return None
    expected = _digest(key, service, method, timestamp, content)
    return service if hmac.compare_digest(expected, signature) else None


def phone_lookup_content(member_ids: Sequence[str], purpose: str, reference: str) -> str:
    """The canonical text of a LookupPhones request (ids cannot hold a newline)."""
    return "\n".join([purpose, reference, *member_ids])
