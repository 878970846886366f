"""Identity's member commands: register, verify, suspend, set roles, and scoped reads.

Each takes its ports as arguments. Status and role changes bump the member's token version, so
access tokens issued before the change stop working at once (the gateway learns the new version
from the event).

Who sees whom: a member sees themselves; an officer the members of their station and its teams;
an admin everyone; a member asking to join a team is also seen by that team's officers, who
decide on the move. A member registered without a team belongs to no station, so while such a
member is *pending* every officer sees them (lists, verifies, rejects or suspends them): someone
must decide on them, and the city has no other queue for them. Once decided, a member in no
station is the administrators' alone until they join a team.
"""

from __future__ import annotations

import logging
from typing import Any

from argon2 import PasswordHasher

from services.identity import grids as grid_rules
from services.identity import model
from services.identity.ports import Ports
from services.identity.repository import ID_NUMBER_INDEX, PHONE_INDEX
from services.identity.scope import (
    ADMIN,
    OFFICER,
    STATION,
    TEAM,
    TEAM_LEADER,
    Actor,
    Scope,
    scope_of,
    unknown_roles,
)
from shouwang import outbox
from shouwang.clock import to_millis, to_timestamp
from shouwang.errors import Conflict, FieldError, Forbidden, InvalidArgument, NotFound
from shouwang.events import Event
from shouwang.identity.v1 import events_pb2
from shouwang.ids import new_id
from shouwang.store import Document, DuplicateKey
from shouwang.store.paging import Page

log = logging.getLogger(__name__)

UNPLACED_AND_PENDING: dict[str, Any] = {"station_id": "", "status": "pending"}

TOPIC = "shouwang.identity.v1"
SOURCE = "/shouwang/identity"
PENDING, VERIFIED, REJECTED, SUSPENDED = "pending", "verified", "rejected", "suspended"
ERASED = "erased"
# Roles that act for others: only for members whose identity an officer has verified.
TRUSTED_ROLES = frozenset({TEAM_LEADER, OFFICER, ADMIN})
NO_ACTOR = Actor(member_id="", roles=frozenset(), org_id="")

# argon2id with RFC 9106's low-memory profile (t=2, m=19 MiB, p=1): ~25 ms per hash here.
PASSWORDS = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def register_member(ports: Ports, request: Any) -> Document:
    """Validate and store a new member; publishes ``shouwang.member.registered``."""
    now = ports.clock.now()
    registration, errors = model.validate_registration(
        name=request.name,
        id_number=request.id_number,
        phone=request.phone,
        password=request.password,
        team_id=request.team_id,
        skills=list(request.skills),
        consent_version=request.consent.version,
        consent_accepted=request.consent.accepted,
        today=now.date(),
    )
    team = ports.orgs.get(request.team_id)
    if request.team_id and (team is None or team["kind"] != TEAM):
        errors.append(FieldError("team_id", "is not a known team"))
    home = request.home if request.HasField("home") else None
    if home is not None and not (-90 <= home.lat <= 90 and -180 <= home.lon <= 180):
        errors.append(FieldError("home", "must be a WGS-84 point"))
    if registration is None or errors:
        raise InvalidArgument(detail="the registration has invalid fields", errors=errors)
    if request.validate_only:
        return {}
    member_id = new_id()
    station_id = team["parent_id"] if team else ""
    # Only the grid is kept, not the home point: where a member lives is not ours to store.
    grid_id = (
        grid_rules.deepest_grid_containing(home.lat, home.lon, _grid_shapes(ports)) if home else ""
    )
    registered = Event(
        type="shouwang.member.registered",
        source=SOURCE,
        subject=member_id,
        time=now,
        data=events_pb2.MemberRegistered(
            member_id=member_id,
            team_id=registration.team_id,
            station_id=station_id,
            status=PENDING,
            registered_at=to_timestamp(now),
        ),
    )
    vault = ports.vault
    document: Document = {
        "_id": member_id,
        "name": registration.name,
        ID_NUMBER_INDEX: vault.blind_index(registration.id_number, purpose="id_number"),
        PHONE_INDEX: vault.blind_index(registration.phone_e164, purpose="phone"),
        "id_number_sealed": vault.encrypt(registration.id_number, purpose="id_number"),
        "phone_sealed": vault.encrypt(registration.phone_e164, purpose="phone"),
        "id_number_masked": model.mask_id_number(registration.id_number),
        "phone_masked": model.mask_phone(registration.phone_e164),
        "password_hash": PASSWORDS.hash(registration.password),
        "roles": ["member"],
        "status": PENDING,
        "team_id": registration.team_id,
        "station_id": station_id,
        "org_id": registration.team_id,
        "grid_id": grid_id,
        "skills": list(registration.skills),
        "consent": {"version": registration.consent_version, "accepted_at": to_millis(now)},
        "registered_at": to_millis(now),
        "token_version": 1,
        **outbox.stage([(TOPIC, registered)]),
    }
    try:
        ports.members.add(document)
    except DuplicateKey as clash:
        field = "id_number" if "id_number" in clash.index else "phone"
        raise Conflict(
            detail=f"this {field.replace('_', ' ')} is already registered",
            errors=[FieldError(field, "already registered")],
        ) from None
    ports.outbox.flush(document)
    log.info("member registered", extra={"member_id": member_id})
    return document


def visible_member(ports: Ports, actor: Actor, member_id: str) -> Document:
    """The member if the actor may see them: themselves, or within an officer's scope. 404
    otherwise, so nobody learns that a member outside their scope exists."""
    member = ports.members.get(member_id)
    if member is None or not (member_id == actor.member_id or _in_scope(ports, actor, member)):
        raise NotFound(detail="no such member")
    return member


def list_members(
    ports: Ports,
    actor: Actor,
    *,
    status: str,
    team_id: str,
    grid_id: str,
    requested_team_id: str = "",
    page_size: int,
    page_token: str,
) -> Page:
    """One page of the members the officer may see (see the module's note), newest first."""
    scope = _officer_scope(ports, actor)
    conditions: list[dict[str, Any]] = []
    if not scope.city_wide:
        orgs = sorted(scope.org_ids)
        conditions.append(
            {
                "$or": [
                    {"station_id": {"$in": orgs}},
                    {"requested_team_id": {"$in": orgs}},
                    UNPLACED_AND_PENDING,
                ]
            }
        )
    filters = {"status": status, "team_id": team_id, "grid_id": grid_id}
    if requested_team_id:
        filters["requested_team_id"] = requested_team_id
    conditions += [{field: value} for field, value in filters.items() if value]
    query: dict[str, Any] = {"$and": conditions} if conditions else {}
    return ports.members.page(query, size=page_size, cursor=page_token)


def verify_member(ports: Ports, actor: Actor, member_id: str, *, decision: str) -> Document:
    if decision not in ("approve", "reject"):
        raise InvalidArgument(
            detail="decision must be approve or reject",
            errors=[FieldError("decision", "must be approve or reject")],
        )
    status = VERIFIED if decision == "approve" else REJECTED
    return _change_status(ports, actor, member_id, to=status, allowed_from=(PENDING,))


def suspend_member(ports: Ports, actor: Actor, member_id: str) -> Document:
    return _change_status(ports, actor, member_id, to=SUSPENDED, allowed_from=(PENDING, VERIFIED))


def set_roles(
    ports: Ports, actor: Actor, member_id: str, *, roles: list[str], org_id: str
) -> Document:
    """Admins make officers and team leaders; the org places the member (station or team).

    Only verified members take a role beyond ``member``; an admin cannot drop their own admin
    role, and the city always keeps one verified admin (409 otherwise)."""
    if not actor.is_admin:
        raise Forbidden(detail="only administrators assign roles")
    errors = []
    unknown = unknown_roles(roles)
    if not roles or unknown:
        errors.append(
            FieldError(
                "roles",
                f"must be a non-empty subset of member, team_leader, "
                f"officer, admin (unknown: {unknown})",
            )
        )
    org = ports.orgs.get(org_id)
    if org_id and org is None:
        errors.append(FieldError("org_id", "is not a known org"))
    if OFFICER in roles and ADMIN not in roles and (org is None or org["kind"] != STATION):
        errors.append(FieldError("org_id", "an officer needs a station"))
    if errors:
        raise InvalidArgument(detail="the roles cannot be assigned", errors=errors)
    member = visible_member(ports, actor, member_id)
    _check_role_change(ports, actor, member, set(roles))
    placement: dict[str, Any] = {"roles": sorted(set(roles))}
    if org is not None:
        placement["org_id"] = org["_id"]
        placement["station_id"] = org["_id"] if org["kind"] == STATION else org["parent_id"]
        if org["kind"] == TEAM:
            placement["team_id"] = org["_id"]
    return apply_change(
        ports,
        actor,
        member,
        placement,
        event_type="shouwang.member.roles_changed",
        expected={"token_version": member["token_version"]},
    )


def _check_role_change(ports: Ports, actor: Actor, member: Document, roles: set[str]) -> None:
    if roles & TRUSTED_ROLES and member["status"] != VERIFIED:
        raise Conflict(
            detail=f"the member is {member['status']}: only verified members may be team "
            "leaders, officers or administrators"
        )
    if ADMIN in member["roles"] and ADMIN not in roles:
        if member["_id"] == actor.member_id:
            raise Conflict(
                detail="administrators cannot remove their own admin role; ask another one"
            )
        if not ports.members.another_admin_exists(member["_id"]):
            raise Conflict(detail="the city must keep at least one administrator")


def bump_token_version(ports: Ports, member_id: str, *, actor: Actor = NO_ACTOR) -> int:
    """End every access token the member holds now (logout, a reused refresh token, a new
    password): the version is raised and announced, like a suspension's. Returns the new one."""
    for _ in range(5):  # another change to the member may win the race; read and retry
        member = ports.members.get(member_id)
        if member is None:
            return 0
        try:
            updated = apply_change(
                ports,
                actor,
                member,
                {},
                event_type="shouwang.member.sessions_revoked",
                expected={"token_version": member["token_version"]},
            )
        except Conflict:
            continue
        return int(updated["token_version"])
    raise Conflict(detail="the member changed meanwhile; try again")


def check_eligibility(ports: Ports, member_id: str) -> tuple[bool, str, str]:
    """(eligible, status, reason): only verified members go on duty and claim tasks."""
    member = ports.members.get(member_id)
    if member is None:
        return False, "", "no such member"
    if member["status"] != VERIFIED:
        return False, member["status"], f"member is {member['status']}, not verified"
    return True, member["status"], ""


def seed_admin(ports: Ports, *, phone: str, password: str) -> str:
    """Create the administrator officer unless an account with this phone exists (idempotent)."""
    phone_e164, problem = model.validate_mobile(phone)
    if problem or phone_e164 is None:
        raise InvalidArgument(detail=f"SHOUWANG_ADMIN_PHONE {problem}")
    problem = model.validate_password(password)
    if problem:
        raise InvalidArgument(detail=f"SHOUWANG_ADMIN_PASSWORD {problem}")
    phone_index = ports.vault.blind_index(phone_e164, purpose="phone")
    existing = ports.members.by_phone_index(phone_index)
    if existing is not None:
        return existing["_id"]
    now = ports.clock.now()
    member_id = new_id()
    try:
        ports.members.add(
            {
                "_id": member_id,
                "name": "Administrator",
                # The seeded admin has no ID number; a per-phone placeholder keeps the index unique.
                ID_NUMBER_INDEX: f"seeded:{phone_index}",
                PHONE_INDEX: phone_index,
                "phone_sealed": ports.vault.encrypt(phone_e164, purpose="phone"),
                "id_number_masked": "",
                "phone_masked": model.mask_phone(phone_e164),
                "password_hash": PASSWORDS.hash(password),
                "roles": [ADMIN, OFFICER],
                "status": VERIFIED,
                "team_id": "",
                "station_id": "",
                "org_id": "",
                "grid_id": "",
                "skills": [],
                "registered_at": to_millis(now),
                "token_version": 1,
            }
        )
    except DuplicateKey:  # another replica seeded it at the same moment
        existing = ports.members.by_phone_index(phone_index)
        assert existing is not None
        return existing["_id"]
    log.info("administrator seeded", extra={"member_id": member_id})
    return member_id


def _change_status(
    ports: Ports, actor: Actor, member_id: str, *, to: str, allowed_from: tuple[str, ...]
) -> Document:
    _officer_scope(ports, actor)
    member = visible_member(ports, actor, member_id)
    if member_id == actor.member_id:
        raise Forbidden(detail="officers cannot decide on their own account")
    if ADMIN in member["roles"] and not actor.is_admin:
        raise Forbidden(detail="only administrators act on administrators")
    if member["status"] not in allowed_from:
        raise Conflict(detail=f"the member is {member['status']}; cannot become {to}")
    return apply_change(
        ports,
        actor,
        member,
        {"status": to},
        event_type=f"shouwang.member.{to}",
        expected={"status": member["status"]},
    )


def apply_change(
    ports: Ports,
    actor: Actor,
    member: Document,
    changes: dict[str, Any],
    *,
    event_type: str,
    expected: dict[str, Any],
) -> Document:
    now = ports.clock.now()
    version = member["token_version"] + 1
    after = {**member, **changes}
    event = Event(
        type=event_type,
        source=SOURCE,
        subject=member["_id"],
        time=now,
        data=events_pb2.MemberStatusChanged(
            member_id=member["_id"],
            team_id=after["team_id"],
            station_id=after["station_id"],
            status=after["status"],
            roles=after["roles"],
            token_version=version,
            changed_at=to_timestamp(now),
            actor_id=actor.member_id,
        ),
    )
    updated = ports.members.update(
        member["_id"],
        expected,
        outbox.with_events(
            {"$set": {**changes, "token_version": version, "version_changed_at": to_millis(now)}},
            [(TOPIC, event)],
        ),
    )
    if updated is None:
        raise Conflict(detail="the member changed meanwhile; reload and try again")
    ports.outbox.flush(updated)
    log.info(
        "member changed",
        extra={"member_id": member["_id"], "change": event_type, "actor_id": actor.member_id},
    )
    return updated


def _officer_scope(ports: Ports, actor: Actor) -> Scope:
    if not actor.is_officer:
        raise Forbidden(detail="only officers may do this")
    return scope_of(actor, ports.orgs.tree())


def _in_scope(ports: Ports, actor: Actor, member: Document) -> bool:
    if not actor.is_officer:
        return False
    station_id = member.get("station_id", "")
    if not station_id and member["status"] == PENDING:
        return True  # unplaced and undecided: every officer's (see the module's note)
    scope = scope_of(actor, ports.orgs.tree())
    # A member asking to join one of the officer's teams is theirs to decide on.
    return scope.covers(station_id) or scope.covers(member.get("requested_team_id", ""))


def _grid_shapes(ports: Ports) -> list[grid_rules.GridShape]:
    return [
        grid_rules.GridShape(grid["_id"], grid["level"], grid_rules.polygon_of(grid["geometry"]))
        for grid in ports.grids.find({})
    ]
