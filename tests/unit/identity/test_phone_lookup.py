"""Identity's LookupPhones over real gRPC on loopback: only comms' signed requests are answered,
only verified members' numbers come back, each read is audited, and no number reaches a log or
an event; comms' IdentityPhoneBook signs what it asks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.comms.sms import IdentityPhoneBook
from services.identity import bootstrap, handlers
from services.identity.settings import IdentityKeys
from shouwang.errors import Forbidden, InvalidArgument
from shouwang.identity.v1 import identity_pb2 as pb
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.rpc import GrpcServer, connect
from shouwang.runtime import embedded_adapters
from shouwang.service_auth import phone_lookup_content, signed_metadata, verified_service
from tests.support.api import new_person

KEY = b"k" * 32
ADMIN_PHONE = "13800000000"


class Identity:
    def __init__(self, data: Path, key: bytes) -> None:
        self.adapters = embedded_adapters(data)
        self.published: list = []
        publish = self.adapters.bus.publish
        self.adapters.bus.publish = lambda topic, events: (  # type: ignore[method-assign]
            self.published.extend(events),
            publish(topic, events),
        )
        self.service = bootstrap.build(
            self.adapters,
            keys=IdentityKeys.generated_in(data),
            admin_phone=ADMIN_PHONE,
            admin_password="Admin-Password-1",
            phone_lookup_key=key,
        )
        self.server = GrpcServer(self.service.bindings)
        self.server.start()
        self.channel = connect(self.server.address, timeout_s=5)
        self.stub = identity_pb2_grpc.IdentityServiceStub(self.channel)
        self.admin = pb.Actor(
            member_id=handlers.seed_admin(
                self.service.ports, phone=ADMIN_PHONE, password="Admin-Password-1"
            ),
            roles=["admin"],
        )

    def register(self, *, verify: bool) -> tuple[str, str]:
        person = new_person()
        reply = self.stub.RegisterMember(
            pb.RegisterMemberRequest(
                name=person["name"],
                id_number=person["id_number"],
                phone=person["phone"],
                password=person["password"],
                consent=pb.Consent(version="2026-11", accepted=True),
            )
        )
        if verify:
            self.stub.VerifyMember(
                pb.VerifyMemberRequest(
                    actor=self.admin, member_id=reply.member_id, decision="approve"
                )
            )
        return reply.member_id, "+86" + person["phone"]

    def close(self) -> None:
        self.channel.close()
        self.server.stop(0)
        self.service.close()
        self.adapters.close()


@pytest.fixture
def identity(tmp_path: Path) -> Iterator[Identity]:
    running = Identity(tmp_path, KEY)
    yield running
    running.close()


def lookup(identity: Identity, member_ids: list[str], *, key: bytes = KEY, service="comms"):
    metadata = signed_metadata(
        key,
        service=service,
        method="LookupPhones",
        content=phone_lookup_content(member_ids, "sms", "bl-1"),
    )
    request = pb.LookupPhonesRequest(member_ids=member_ids, purpose="sms", reference="bl-1")
    return identity.stub.LookupPhones(request, metadata=metadata)


def test_comms_gets_verified_members_numbers_and_each_read_is_audited(
    identity: Identity, caplog: pytest.LogCaptureFixture
):
    (a, phone_a), (b, phone_b) = identity.register(verify=True), identity.register(verify=True)
    pending, _ = identity.register(verify=False)
    before = len(identity.published)
    with caplog.at_level(logging.DEBUG):
        book = IdentityPhoneBook(identity.stub, KEY)
        found = book.phones([a, b, pending, "nobody"], reference="bl-1")
    assert found == {a: phone_a, b: phone_b}
    records = identity.service.ports.audit.records.find({"actor_id": "service:comms"})
    assert sorted((r["member_id"], r["field"], r["reason"]) for r in records) == sorted(
        [(a, "phone", "sms bl-1"), (b, "phone", "sms bl-1")]
    )
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "phones looked up" in logged
    assert phone_a[3:] not in logged and phone_b[3:] not in logged
    assert len(identity.published) == before  # a lookup publishes nothing


def test_unsigned_wrongly_signed_and_other_services_calls_are_refused(identity: Identity):
    member, _ = identity.register(verify=True)
    with pytest.raises(Forbidden):
        identity.stub.LookupPhones(pb.LookupPhonesRequest(member_ids=[member], purpose="sms"))
    with pytest.raises(Forbidden):
        lookup(identity, [member], key=b"x" * 32)
    with pytest.raises(Forbidden):
        lookup(identity, [member], service="tasks")
    # A signature made for one request does not hold for another.
    metadata = signed_metadata(
        KEY, service="comms", method="LookupPhones", content=phone_lookup_content([], "sms", "")
    )
    with pytest.raises(Forbidden):
        identity.stub.LookupPhones(
            pb.LookupPhonesRequest(member_ids=[member], purpose="sms"), metadata=metadata
        )
    with pytest.raises(InvalidArgument):
        lookup(identity, [f"m{i}" for i in range(1001)])
    assert identity.service.ports.audit.records.find({"actor_id": "service:comms"}) == []


def test_without_a_key_identity_answers_nobody(tmp_path: Path):
    running = Identity(tmp_path, b"")
    try:
        member, _ = running.register(verify=True)
        with pytest.raises(Forbidden):
            lookup(running, [member])
    finally:
        running.close()


def test_a_signature_is_good_only_while_fresh():
    content = phone_lookup_content(["m1"], "sms", "r")
    metadata = signed_metadata(
        KEY, service="comms", method="LookupPhones", content=content, now=1e9
    )
    check = dict(method="LookupPhones", content=content, allowed=("comms",))
    assert verified_service(KEY, metadata, now=1e9 + 30, **check) == "comms"
    assert verified_service(KEY, metadata, now=1e9 + 61, **check) is None
    assert verified_service(KEY, metadata, now=1e9, method="Other", content=content,
                            allowed=("comms",)) is None  # fmt: skip
