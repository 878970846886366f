"""Identity's commands. Each takes its ports as arguments and returns plain values."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from services.identity import model
from services.identity.pii import PiiVault
from services.identity.repository import ID_NUMBER_INDEX, PHONE_INDEX, MemberRepository
from services.identity.tokens import Claims, TokenIssuer
from shouwang import outbox
from shouwang.clock import Clock, to_millis, to_timestamp
from shouwang.errors import Conflict, InvalidArgument, Unauthenticated
from shouwang.events import Event
from shouwang.identity.v1 import identity_pb2
from shouwang.ids import new_id
from shouwang.outbox import Outbox
from shouwang.store import Document, DuplicateKey

log = logging.getLogger(__name__)

TOPIC = "shouwang.identity.v1"
SOURCE = "/shouwang/identity"
REGISTERED = "shouwang.member.registered"

# argon2id, RFC 9106's second recommended option scaled to a 2-core box: ~50 ms per hash.
PASSWORDS = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@dataclass(frozen=True)
class Ports:
    members: MemberRepository
    outbox: Outbox
    vault: PiiVault
    tokens: TokenIssuer
    clock: Clock


def register_member(
    ports: Ports,
    request: identity_pb2.RegisterMemberRequest,
    *,
    roles: tuple[str, ...] = ("member",),
    status: str = "pending",
) -> Document:
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
    if registration is None:
        raise InvalidArgument(detail="the registration has invalid fields", errors=errors)
    member_id = new_id()
    registered = Event(
        type=REGISTERED,
        source=SOURCE,
        subject=member_id,
        time=now,
        data=identity_pb2.MemberRegistered(
            member_id=member_id,
            team_id=registration.team_id,
            status=status,
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
        "roles": list(roles),
        "status": status,
        "team_id": registration.team_id,
        "skills": list(registration.skills),
        "consent": {"version": registration.consent_version, "accepted_at": to_millis(now)},
        "registered_at": to_millis(now),
        "token_version": 1,
        **outbox.stage(TOPIC, [registered]),
    }
    try:
        ports.members.add(document)
    except DuplicateKey as clash:
        field = "id_number" if "id_number" in clash.index else "phone"
        raise Conflict(
            detail=f"this {field.replace('_', ' ')} is already registered",
            errors=[model.FieldError(field, "already registered")],
        ) from None
    ports.outbox.flush(document)
    log.info("member registered", extra={"member_id": member_id})
    return document


def login(ports: Ports, *, phone: str, password: str) -> tuple[str, Document]:
    """Check credentials; returns a fresh access token and the member."""
    wrong = Unauthenticated(detail="wrong phone number or password")
    phone_e164, problem = model.validate_mobile(phone)
    if problem or phone_e164 is None:
        raise wrong
    member = ports.members.by_phone_index(ports.vault.blind_index(phone_e164, purpose="phone"))
    if member is None:
        PASSWORDS.hash(password)  # same cost whether or not the phone exists: no enumeration
        raise wrong
    try:
        PASSWORDS.verify(member["password_hash"], password)
    except (VerifyMismatchError, InvalidHashError):
        raise wrong from None
    claims = Claims(
        member_id=member["_id"],
        roles=tuple(member["roles"]),
        org_id=member.get("team_id", ""),
        token_version=member["token_version"],
    )
    return ports.tokens.issue(claims, now=ports.clock.now()), member


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
                "roles": ["admin", "officer"],
                "status": "verified",
                "team_id": "",
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
