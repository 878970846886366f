"""Audited access to personal data: an administrator may read an unmasked ID number or phone
only with a reason, and the audit record is written before the value is decrypted."""

from __future__ import annotations

import logging

from services.identity.handlers import visible_member
from services.identity.ports import Ports
from services.identity.scope import Actor
from shouwang.clock import to_millis
from shouwang.errors import FieldError, Forbidden, InvalidArgument, NotFound
from shouwang.ids import new_id
from shouwang.store import Document
from shouwang.store.paging import Page

log = logging.getLogger(__name__)

REVEALABLE = {"id_number": "id_number_sealed", "phone": "phone_sealed"}


def reveal(ports: Ports, actor: Actor, member_id: str, *, field: str, reason: str) -> str:
    if not actor.is_admin:
        raise Forbidden(detail="only administrators may read unmasked personal data")
    errors = []
    if field not in REVEALABLE:
        errors.append(FieldError("field", "must be id_number or phone"))
    if len(reason.strip()) < 5:
        errors.append(FieldError("reason", "say why, in at least 5 characters"))
    if errors:
        raise InvalidArgument(detail="an unmasked read needs a field and a reason", errors=errors)
    member = visible_member(ports, actor, member_id)
    sealed = member.get(REVEALABLE[field])
    if not sealed:
        raise NotFound(detail=f"the member has no {field.replace('_', ' ')} on record")
    ports.audit.add(
        {
            "_id": new_id(),
            "actor_id": actor.member_id,
            "member_id": member_id,
            "field": field,
            "reason": reason.strip(),
            "at": to_millis(ports.clock.now()),
        }
    )
    log.info(
        "personal data revealed",
        extra={"actor_id": actor.member_id, "member_id": member_id, "field": field},
    )
    return ports.vault.decrypt(sealed, purpose=field)


def record_access(
    ports: Ports, actor: Actor, member_id: str, *, field: str, reason: str
) -> Document:
    """Audit an officer's read of personal data held elsewhere (a track); 404 outside scope."""
    if not actor.is_officer:
        raise Forbidden(detail="only officers may read members' personal data")
    if len(reason.strip()) < 5:
        raise InvalidArgument(
            detail="say why you need this", errors=[FieldError("reason", "at least 5 characters")]
        )
    visible_member(ports, actor, member_id)
    record = {
        "_id": new_id(),
        "actor_id": actor.member_id,
        "member_id": member_id,
        "field": field,
        "reason": reason.strip(),
        "at": to_millis(ports.clock.now()),
    }
    ports.audit.add(record)
    return record


def records(
    ports: Ports, actor: Actor, *, member_id: str, actor_id: str, page_size: int, page_token: str
) -> Page:
    if not actor.is_admin:
        raise Forbidden(detail="only administrators read the audit log")
    query = {
        key: value for key, value in (("member_id", member_id), ("actor_id", actor_id)) if value
    }
    return ports.audit.page(query, size=page_size, cursor=page_token)
