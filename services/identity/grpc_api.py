"""Identity's gRPC servicer: protobuf in, commands, protobuf out. Errors map in shouwang.rpc."""

from __future__ import annotations

from datetime import UTC

import grpc

from services.identity import account, audit, directory, grids, handlers, phones, sessions
from services.identity.ports import Ports
from services.identity.scope import Actor
from shouwang.clock import timestamp_of_millis, to_millis
from shouwang.errors import Forbidden, NotFound
from shouwang.identity.v1 import identity_pb2 as pb
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.rpc import ServiceBinding
from shouwang.service_auth import phone_lookup_content, verified_service
from shouwang.store import Document

Context = grpc.ServicerContext


class IdentityServicer(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, ports: Ports, *, phone_lookup_key: bytes = b"") -> None:
        self.ports = ports
        self.phone_lookup_key = phone_lookup_key

    # Members -------------------------------------------------------------------------------
    def RegisterMember(self, request, context: Context):
        document = handlers.register_member(self.ports, request)
        if request.validate_only:
            return pb.RegisterMemberResponse()
        return pb.RegisterMemberResponse(member_id=document["_id"], status=document["status"])

    def GetMember(self, request, context: Context):
        if request.HasField("actor"):
            member = handlers.visible_member(self.ports, _actor(request.actor), request.member_id)
        else:
            member = self.ports.members.get(request.member_id)
        if member is None:
            raise NotFound(detail="no such member")
        return member_message(member)

    def GetMembers(self, request, context: Context):
        members = self.ports.members.get_many(list(request.member_ids))
        return pb.MemberList(members=[member_message(m) for m in members])

    def ListMembers(self, request, context: Context):
        members = handlers.list_members(
            self.ports,
            _actor(request.actor),
            status=request.status,
            team_id=request.team_id,
            grid_id=request.grid_id,
            requested_team_id=request.requested_team_id,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.MemberList(
            members=[member_message(m) for m in members.items],
            next_page_token=members.next_cursor,
        )

    def VerifyMember(self, request, context: Context):
        member = handlers.verify_member(
            self.ports, _actor(request.actor), request.member_id, decision=request.decision
        )
        return member_message(member)

    def SuspendMember(self, request, context: Context):
        member = handlers.suspend_member(self.ports, _actor(request.actor), request.member_id)
        return member_message(member)

    def SetRoles(self, request, context: Context):
        member = handlers.set_roles(
            self.ports,
            _actor(request.actor),
            request.member_id,
            roles=list(request.roles),
            org_id=request.org_id,
        )
        return member_message(member)

    def CheckEligibility(self, request, context: Context):
        eligible, status, reason = handlers.check_eligibility(self.ports, request.member_id)
        return pb.Eligibility(eligible=eligible, status=status, reason=reason)

    # Account rights ------------------------------------------------------------------------
    def ChangePassword(self, request, context: Context):
        session = account.change_password(
            self.ports,
            _actor(request.actor),
            current=request.current_password,
            new=request.new_password,
        )
        return self._session(session)

    def UpdateProfile(self, request, context: Context):
        member = account.update_profile(
            self.ports,
            _actor(request.actor),
            skills=list(request.skills.skills) if request.HasField("skills") else None,
            team_id=request.team_id if request.HasField("team_id") else None,
        )
        return member_message(member)

    def DecideTeamChange(self, request, context: Context):
        member = account.decide_team_change(
            self.ports, _actor(request.actor), request.member_id, approve=request.approve
        )
        return member_message(member)

    def ExportMember(self, request, context: Context):
        held = account.export(self.ports, _actor(request.actor))
        member = held["member"]
        consent = member.get("consent", {})
        return pb.MemberExport(
            member=member_message(member),
            id_number=held["id_number"],
            phone=held["phone"],
            consent=pb.ConsentRecord(
                version=consent.get("version", ""),
                accepted_at=timestamp_of_millis(consent["accepted_at"])
                if "accepted_at" in consent
                else None,
            ),
            sessions=[
                pb.SessionRecord(
                    session_id=family["_id"],
                    started_at=timestamp_of_millis(family["created_at"]),
                    revoked=family["revoked"],
                )
                for family in held["sessions"]
            ],
            audit=[audit_message(record) for record in held["audit"]],
        )

    def EraseMember(self, request, context: Context):
        return member_message(account.erase(self.ports, _actor(request.actor)))

    # Sessions ------------------------------------------------------------------------------
    def Login(self, request, context: Context):
        session = sessions.login(
            self.ports,
            phone=request.phone,
            password=request.password,
            client_address=request.client_address,
        )
        return self._session(session)

    def Refresh(self, request, context: Context):
        outcome = sessions.refresh(self.ports, refresh_token=request.refresh_token)
        if isinstance(outcome, sessions.FamilyRevoked):
            return pb.RefreshResponse(
                revoked=pb.MemberTokenVersion(
                    member_id=outcome.member_id, token_version=outcome.token_version
                )
            )
        return pb.RefreshResponse(session=self._session(outcome))

    def Logout(self, request, context: Context):
        version = sessions.logout(
            self.ports, _actor(request.actor), refresh_token=request.refresh_token
        )
        return pb.LogoutResponse(token_version=version)

    def GetSigningKeys(self, request, context: Context):
        tokens = self.ports.tokens
        return pb.SigningKeys(
            keys=[
                pb.SigningKey(
                    key_id=tokens.key_id, algorithm="EdDSA", public_key_pem=tokens.public_key_pem
                )
            ]
        )

    def ListTokenVersions(self, request, context: Context):
        since_ms = to_millis(request.changed_since.ToDatetime(tzinfo=UTC))
        return pb.TokenVersionList(
            versions=[
                pb.MemberTokenVersion(member_id=member_id, token_version=version)
                for member_id, version in self.ports.members.token_versions_changed_since(since_ms)
            ]
        )

    def _session(self, session: sessions.Session) -> pb.Session:
        return pb.Session(
            access_token=session.access_token,
            expires_in=self.ports.tokens.ttl_s,
            refresh_token=session.refresh_token,
            member=member_message(session.member),
        )

    # Organisations and grids ---------------------------------------------------------------
    def CreateOrg(self, request, context: Context):
        org = directory.create_org(
            self.ports,
            _actor(request.actor),
            name=request.name,
            kind=request.kind,
            parent_id=request.parent_id,
        )
        return org_message(org)

    def ListOrgs(self, request, context: Context):
        orgs = directory.list_orgs(
            self.ports,
            _actor(request.actor),
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.OrgList(
            orgs=[org_message(o) for o in orgs.items], next_page_token=orgs.next_cursor
        )

    def ResolveScope(self, request, context: Context):
        scope = directory.resolve_scope(self.ports, _actor(request.actor))
        return pb.Scope(city_wide=scope.city_wide, org_ids=sorted(scope.org_ids))

    def CreateGrid(self, request, context: Context):
        grid = directory.create_grid(
            self.ports,
            _actor(request.actor),
            name=request.name,
            level=request.level,
            parent_id=request.parent_id,
            geometry_json=request.geometry_json,
        )
        return grid_message(grid)

    def ListGrids(self, request, context: Context):
        found = directory.list_grids(
            self.ports,
            _actor(request.actor),
            level=request.level,
            parent_id=request.parent_id,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.GridList(
            grids=[grid_message(g) for g in found.items], next_page_token=found.next_cursor
        )

    # Audited personal data -----------------------------------------------------------------
    def RevealPersonalData(self, request, context: Context):
        value = audit.reveal(
            self.ports,
            _actor(request.actor),
            request.member_id,
            field=request.field,
            reason=request.reason,
        )
        return pb.PersonalData(member_id=request.member_id, field=request.field, value=value)

    def ListAuditRecords(self, request, context: Context):
        found = audit.records(
            self.ports,
            _actor(request.actor),
            member_id=request.member_id,
            actor_id=request.actor_id,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.AuditRecordList(
            records=[audit_message(r) for r in found.items], next_page_token=found.next_cursor
        )

    def RecordAccess(self, request, context: Context):
        record = audit.record_access(
            self.ports,
            _actor(request.actor),
            request.member_id,
            field=request.field,
            reason=request.reason,
        )
        return audit_message(record)

    # Service to service --------------------------------------------------------------------
    def LookupPhones(self, request, context: Context):
        member_ids, purpose, reference = (
            list(request.member_ids),
            request.purpose,
            request.reference,
        )
        service = verified_service(
            self.phone_lookup_key,
            context.invocation_metadata(),
            method="LookupPhones",
            content=phone_lookup_content(member_ids, purpose, reference),
            allowed=("comms",),
        )
        if service is None:
            raise Forbidden(detail="only the comms service looks phones up")
        found = phones.lookup(self.ports, service, member_ids, purpose=purpose, reference=reference)
        return pb.PhoneList(phones=[pb.MemberPhone(member_id=m, phone=p) for m, p in found.items()])


def _actor(actor: pb.Actor) -> Actor:
    return Actor(member_id=actor.member_id, roles=frozenset(actor.roles), org_id=actor.org_id)


def member_message(member: Document) -> pb.Member:
    return pb.Member(
        member_id=member["_id"],
        name=member["name"],
        phone_masked=member["phone_masked"],
        id_number_masked=member["id_number_masked"],
        roles=member["roles"],
        status=member["status"],
        team_id=member["team_id"],
        station_id=member.get("station_id", ""),
        org_id=member.get("org_id", ""),
        grid_id=member.get("grid_id", ""),
        skills=member["skills"],
        token_version=member["token_version"],
        requested_team_id=member.get("requested_team_id", ""),
        registered_at=timestamp_of_millis(member["registered_at"]),
    )


def audit_message(record: Document) -> pb.AuditRecord:
    return pb.AuditRecord(
        audit_id=record["_id"],
        actor_id=record["actor_id"],
        member_id=record["member_id"],
        field=record["field"],
        reason=record["reason"],
        at=timestamp_of_millis(record["at"]),
    )


def org_message(org: Document) -> pb.Org:
    return pb.Org(org_id=org["_id"], name=org["name"], kind=org["kind"], parent_id=org["parent_id"])


def grid_message(grid: Document) -> pb.Grid:
    return pb.Grid(
        grid_id=grid["_id"],
        name=grid["name"],
        level=grid["level"],
        parent_id=grid["parent_id"],
        geometry_json=grids.geometry_json(grid["geometry"]),
    )


def binding(ports: Ports, *, phone_lookup_key: bytes = b"") -> ServiceBinding:
    return ServiceBinding(
        add=identity_pb2_grpc.add_IdentityServiceServicer_to_server,
        servicer=IdentityServicer(ports, phone_lookup_key=phone_lookup_key),
        full_name=pb.DESCRIPTOR.services_by_name["IdentityService"].full_name,
    )
