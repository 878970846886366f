"""Phone numbers for the one SMS send they are looked up for (``LookupPhones``, callable by comms
only). Numbers are decrypted here and returned in the reply alone: never logged, never in an
event, never stored anywhere else. Each number read leaves an audit record (the member sees it in
their export), written before anything is decrypted, as for an administrator's reveal."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from services.identity.ports import Ports
from shouwang.clock import to_millis
from shouwang.errors import FieldError, InvalidArgument
from shouwang.ids import new_id

log = logging.getLogger(__name__)

MAX_LOOKUP = 1000
PURPOSES = ("sms",)


def lookup(
    ports: Ports, service: str, member_ids: Sequence[str], *, purpose: str, reference: str
) -> dict[str, str]:
    """member id -> E.164 number, for verified members with a phone on record."""
    wanted = list(dict.fromkeys(member_ids))
    errors = []
    if len(wanted) > MAX_LOOKUP:
        errors.append(FieldError("member_ids", f"at most {MAX_LOOKUP} per call"))
    if purpose not in PURPOSES:
        errors.append(FieldError("purpose", f"must be one of {', '.join(PURPOSES)}"))
    if errors:
        raise InvalidArgument(detail="the lookup is not one identity answers", errors=errors)
    found = [
        m
        for m in ports.members.get_many(wanted)
        if m.get("status") == "verified" and m.get("phone_sealed")
    ]
    if not found:
        return {}
    at = to_millis(ports.clock.now())
    ports.audit.add_many(
        [
            {
                "_id": new_id(),
                "actor_id": f"service:{service}",
                "member_id": member["_id"],
                "field": "phone",
                "reason": f"{purpose} {reference}".strip(),
                "at": at,
            }
            for member in found
        ]
    )
    log.info(
        "phones looked up",
        extra={"service": service, "purpose": purpose, "asked": len(wanted), "found": len(found)},
    )
    return {m["_id"]: ports.vault.decrypt(m["phone_sealed"], purpose="phone") for m in found}
