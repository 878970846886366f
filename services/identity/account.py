"""A member's rights over their own account (CONTRACT.md "Account rights"; PIPL arts. 44–47):
a new password, skills and a requested team, an export of what identity holds, and erasure.

Erasure keeps the member id as a pseudonym, so the points ledger and task history elsewhere stay
consistent, and removes or seals everything that names the person.
"""

from __future__ import annotations

import logging
from typing import Any

from services.identity import model, sessions
from services.identity.handlers import ADMIN, ERASED, apply_change, visible_member
from services.identity.ports import Ports
from services.identity.repository import ID_NUMBER_INDEX, PHONE_INDEX
from services.identity.scope import TEAM, Actor, scope_of
from shouwang.clock import to_millis
from shouwang.errors import Conflict, FieldError, InvalidArgument, NotFound, RateLimited
from shouwang.ids import new_id
from shouwang.store import Document

log = logging.getLogger(__name__)

# An export lists at most this many sessions and audit records, newest first: years of use.
EXPORT_LIMIT = 1000
EXPORT_REASON = "the member's own export (PIPL art. 45)"
# Wrong current passwords allowed per window: the same pace as failed logins per phone.
PASSWORD_ATTEMPTS_KEY = "password:{member_id}:{window}"


def change_password(ports: Ports, actor: Actor, *, current: str, new: str) -> sessions.Session:
    """Replace the password after checking the current one; every session ends (refresh
    families revoked, access tokens refused) and a fresh one is opened for the caller."""
    member = _own(ports, actor)
    _check_current_password(ports, member, current)
    problem = model.validate_password(new)
    if problem:
        raise InvalidArgument(
            detail="the new password is too weak", errors=[FieldError("new", problem)]
        )
    updated = ports.members.update(
        member["_id"],
        {"token_version": member["token_version"]},
        {"$set": {"password_hash": sessions.hash_password(new)}},
    )
    if updated is None:
        raise Conflict(detail="the account changed meanwhile; try again")
    sessions.end_other_sessions(ports, actor)
    log.info("password changed", extra={"member_id": member["_id"]})
    return sessions.open_session(ports, member["_id"])


def update_profile(
    ports: Ports, actor: Actor, *, skills: list[str] | None, team_id: str | None
) -> Document:
    """Skills change at once; a team change is only requested (``""`` withdraws a request) and
    waits for an officer of the new team's station."""
    member = _own(ports, actor)
    changes: dict[str, Any] = {}
    errors: list[FieldError] = []
    if skills is not None:
        problem = model.validate_skills(skills)
        if problem:
            errors.append(FieldError("skills", problem))
        changes["skills"] = sorted(set(skills))
    if team_id is not None:
        team = ports.orgs.get(team_id)
        if team_id and (team is None or team["kind"] != TEAM):
            errors.append(FieldError("team_id", "is not a known team"))
        elif team_id == member["team_id"]:
            errors.append(FieldError("team_id", "is already the member's team"))
        changes["requested_team_id"] = team_id
        changes["team_requested_at"] = to_millis(ports.clock.now())
    if errors:
        raise InvalidArgument(detail="the profile has invalid fields", errors=errors)
    if not changes:
        return member
    updated = ports.members.update(member["_id"], {}, {"$set": changes})
    if updated is None:
        raise NotFound(detail="no such member")
    return updated


def decide_team_change(ports: Ports, actor: Actor, member_id: str, *, approve: bool) -> Document:
    """An officer of the requested team's station moves the member there, or turns it down."""
    member = visible_member(ports, actor, member_id)
    requested = member.get("requested_team_id", "")
    if not requested:
        raise Conflict(detail="the member has not asked to change team")
    team = ports.orgs.get(requested)
    if team is None or not scope_of(actor, ports.orgs.tree()).covers(team["_id"]):
        raise NotFound(detail="no such team change in your scope")
    if not approve:
        declined = ports.members.update(
            member_id, {"requested_team_id": requested}, {"$set": {"requested_team_id": ""}}
        )
        if declined is None:
            raise Conflict(detail="the request changed meanwhile; reload and try again")
        return declined
    placement: dict[str, Any] = {
        "team_id": team["_id"],
        "station_id": team["parent_id"],
        "requested_team_id": "",
    }
    if member.get("org_id", "") in ("", member["team_id"]):
        placement["org_id"] = team["_id"]  # an officer's org stays their station
    return apply_change(
        ports,
        actor,
        member,
        placement,
        event_type="shouwang.member.team_changed",
        expected={"requested_team_id": requested, "token_version": member["token_version"]},
    )


def export(ports: Ports, actor: Actor) -> dict[str, Any]:
    """Everything identity holds about the caller, unmasked for them; the export is audited."""
    member = _own(ports, actor)
    reads = ports.audit.page({"member_id": member["_id"]}, size=EXPORT_LIMIT, cursor="").items
    ports.audit.add(
        {
            "_id": new_id(),
            "actor_id": actor.member_id,
            "member_id": member["_id"],
            "field": "export",
            "reason": EXPORT_REASON,
            "at": to_millis(ports.clock.now()),
        }
    )
    log.info("personal data exported", extra={"member_id": member["_id"]})
    return {
        "member": member,
        "id_number": _unsealed(ports, member, "id_number"),
        "phone": _unsealed(ports, member, "phone"),
        "sessions": ports.sessions.families_of(member["_id"], limit=EXPORT_LIMIT),
        "audit": reads,  # the reads before this export, which is itself audited
    }


def erase(ports: Ports, actor: Actor) -> Document:
    """Remove or seal what names the person; the member id stays as a pseudonym, the status
    becomes ``erased``, every session ends and ``shouwang.member.erased`` says so (no personal
    data in it). The city's last administrator cannot erase themselves (409)."""
    member = _own(ports, actor)
    if ADMIN in member["roles"] and not ports.members.another_admin_exists(member["_id"]):
        raise Conflict(detail="the city's last administrator cannot erase their account")
    erased = apply_change(
        ports,
        actor,
        member,
        {
            "name": "",
            # The unique indexes need a value: one that matches nobody and frees the number.
            ID_NUMBER_INDEX: f"erased:{member['_id']}",
            PHONE_INDEX: f"erased:{member['_id']}",
            "id_number_sealed": "",
            "phone_sealed": "",
            "id_number_masked": "",
            "phone_masked": "",
            "password_hash": "",
            "grid_id": "",
            "skills": [],
            "roles": ["member"],
            "requested_team_id": "",
            "status": ERASED,
            "erased_at": to_millis(ports.clock.now()),
        },
        event_type="shouwang.member.erased",
        expected={"token_version": member["token_version"]},
    )
    ports.sessions.revoke_member(member["_id"])
    return erased


def _own(ports: Ports, actor: Actor) -> Document:
    member = ports.members.get(actor.member_id)
    if member is None or member["status"] == ERASED:
        raise NotFound(detail="no such member")
    return member


def _check_current_password(ports: Ports, member: Document, current: str) -> None:
    limits = ports.login_limits
    window = to_millis(ports.clock.now()) // (limits.window_s * 1000)
    key = PASSWORD_ATTEMPTS_KEY.format(member_id=member["_id"], window=window)
    if ports.login_failures.count(key) >= limits.per_phone:
        raise RateLimited(
            detail="too many wrong passwords; try again later", retry_after_s=limits.window_s
        )
    if not sessions.check_password(member, current):
        ports.login_failures.record(key, window_ends_ms=(window + 1) * limits.window_s * 1000)
        raise InvalidArgument(
            detail="the current password is wrong",
            errors=[FieldError("current", "is not the account's password")],
        )


def _unsealed(ports: Ports, member: Document, field: str) -> str:
    sealed = member.get(f"{field}_sealed", "")
    return ports.vault.decrypt(sealed, purpose=field) if sealed else ""
