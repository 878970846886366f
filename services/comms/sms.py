"""The SMS port: templated texts to members, a per-number rate limit, opt-out and a delivery
log, over a provider adapter — ``HttpSmsProvider`` (a configurable endpoint, each request signed
with HMAC-SHA256) or ``FileSmsProvider`` (JSON lines in a file, for the embedded mode and tests).

Phone numbers are never in comms' collections, events or logs: a ``PhoneBook`` (identity's
``LookupPhones``, at send time, ``IdentityPhoneBook``) gives them for the one send, the delivery
log keeps the member id and the outcome. A member has one number, so the rate limit per number is
kept per member. The log holds one entry per reference and member, so a send retried after a
crash (or by a second replica) skips whoever was already handled.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from shouwang.clock import Clock, to_millis
from shouwang.identity.v1 import identity_pb2
from shouwang.ids import new_id
from shouwang.service_auth import phone_lookup_content, signed_metadata
from shouwang.store import ASCENDING, Collection, DocumentStore, DuplicateKey

# One segment of a GSM/UCS-2 text message holds 70 Chinese characters.
MAX_TEXT = 70
KIND_LABELS = {
    "alert": "预警",
    "news": "警情通报",
    "wanted": "协查通报",
    "case_notice": "案件通报",
    "knowledge": "安全知识",
}
TEMPLATES = {
    "bulletin": "【守望】{label}：{title}。详见守望App。回复TD退订",
}


class SmsError(Exception):
    """The provider refused or could not be reached."""


class SmsProvider(Protocol):
    def send(self, to: str, text: str, *, reference: str) -> str:
        """Hand one text to the provider; its message id."""
        ...


class PhoneBook(Protocol):
    def phones(self, member_ids: Sequence[str], *, reference: str) -> Mapping[str, str]:
        """The numbers of these members that have one (identity resolves them at send time)."""
        ...


class IdentityPhoneBook:
    """Identity's ``LookupPhones``, signed with the key comms and identity share
    (``shouwang/service_auth.py``), 1000 members a call. The numbers live in the reply only."""

    BATCH = 1000

    def __init__(self, identity: object, key: bytes) -> None:
        self.identity, self.key = identity, key

    def phones(self, member_ids: Sequence[str], *, reference: str) -> Mapping[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(member_ids), self.BATCH):
            batch = list(member_ids[start : start + self.BATCH])
            metadata = signed_metadata(
                self.key,
                service="comms",
                method="LookupPhones",
                content=phone_lookup_content(batch, "sms", reference),
            )
            reply = self.identity.LookupPhones(  # type: ignore[attr-defined]
                identity_pb2.LookupPhonesRequest(
                    member_ids=batch, purpose="sms", reference=reference
                ),
                metadata=metadata,
            )
            found |= {p.member_id: p.phone for p in reply.phones}
        return found


def render(template: str, **params: str) -> str:
    """The template filled in, cut to one message."""
    text = TEMPLATES[template].format(**params)
    if len(text) <= MAX_TEXT:
        return text
    title = params.get("title", "")
    overflow = len(text) - MAX_TEXT
    if title and len(title) > overflow + 1:
        return TEMPLATES[template].format(**{**params, "title": title[: -overflow - 1] + "…"})
    return text[: MAX_TEXT - 1] + "…"


class FileSmsProvider:
    """Appends each text as a JSON line to ``path``: the embedded mode's outbox, read by tests."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, to: str, text: str, *, reference: str) -> str:
        message_id = new_id()
        line = json.dumps(
            {"id": message_id, "to": to, "text": text, "reference": reference},
            ensure_ascii=False,
        )
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
        return message_id


@dataclass(frozen=True)
class HttpSmsProvider:
    """POSTs ``{to, text, reference}`` as JSON to ``endpoint`` with the headers
    ``X-Sms-Key`` (the key id), ``X-Sms-Timestamp`` (epoch seconds) and ``X-Sms-Signature``
    (hex HMAC-SHA256 with ``secret`` of ``<timestamp>\\n<body>``); a 2xx reply's JSON
    ``message_id`` is the provider's id."""

    endpoint: str
    key_id: str
    secret: bytes
    timeout_s: float = 5.0

    def send(self, to: str, text: str, *, reference: str) -> str:
        body = json.dumps(
            {"to": to, "text": text, "reference": reference}, ensure_ascii=False
        ).encode()
        stamp = str(int(time.time()))
        signature = hmac.new(self.secret, stamp.encode() + b"\n" + body, hashlib.sha256)
        request = urllib.request.Request(
            self.endpoint,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Sms-Key": self.key_id,
                "X-Sms-Timestamp": stamp,
                "X-Sms-Signature": signature.hexdigest(),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                return str(json.loads(reply.read() or b"{}").get("message_id", ""))
        except (OSError, ValueError) as error:  # URLError and HTTPError are OSErrors
            raise SmsError(type(error).__name__) from None


def signature_valid(secret: bytes, timestamp: str, body: bytes, signature: str) -> bool:
    """What a provider (or a test standing in for one) checks."""
    expected = hmac.new(secret, timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


@dataclass(frozen=True)
class Delivery:
    member_id: str
    status: str  # sent | opted_out | rate_limited | no_phone | failed


class SmsService:
    """Sends a template to members: opted-out members and those over the limit are skipped,
    each outcome is logged (member id, template, reference, status; never the number)."""

    def __init__(
        self,
        store: DocumentStore,
        provider: SmsProvider,
        phone_book: PhoneBook,
        clock: Clock,
        *,
        per_hour: int = 3,
    ) -> None:
        self.provider, self.phone_book, self.clock, self.per_hour = (
            provider,
            phone_book,
            clock,
            per_hour,
        )
        self.optouts: Collection = store.collection("comms_sms_optouts")
        self.counts: Collection = store.collection("comms_sms_counts")
        self.log: Collection = store.collection("comms_sms_log")

    def ensure_indexes(self) -> None:
        self.log.create_index([("reference", ASCENDING)])
        self.log.create_index([("member_id", ASCENDING)])

    def opt_out(self, member_id: str, *, out: bool = True) -> None:
        if out:
            self.optouts.find_one_and_update(
                {"_id": member_id}, {"$set": {"at": to_millis(self.clock.now())}}, upsert=True
            )
        else:
            self.optouts.delete(member_id)

    def send(
        self, member_ids: Sequence[str], template: str, *, reference: str, **params: str
    ) -> list[Delivery]:
        """Text each member once per ``reference`` (members logged under it already are left
        as they were: a retried send does not text them again)."""
        text = render(template, **params)
        now = self.clock.now()
        done = {
            d["member_id"]: d["status"]
            for d in self.log.find({"_id": {"$in": [log_key(reference, m) for m in member_ids]}})
        }
        fresh = [m for m in dict.fromkeys(member_ids) if m not in done]
        wanted = [m for m in fresh if self.optouts.get(m) is None]
        outcomes = {m: "opted_out" for m in fresh if m not in wanted}
        allowed = [m for m in wanted if self._take_slot(m, now)]
        outcomes |= {m: "rate_limited" for m in wanted if m not in allowed}
        try:
            phones = self.phone_book.phones(allowed, reference=reference) if allowed else {}
        except Exception:
            for member_id in allowed:  # nobody was texted: their slots are theirs again
                self._give_back_slot(member_id, now)
            raise
        for member_id in allowed:
            phone = phones.get(member_id)
            if not phone:
                outcomes[member_id] = "no_phone"
                continue
            try:
                provider_id = self.provider.send(phone, text, reference=reference)
            except SmsError:
                outcomes[member_id] = "failed"
                continue
            outcomes[member_id] = "sent"
            self._log(member_id, template, reference, "sent", now, provider_id)
        for member_id, status in outcomes.items():
            if status != "sent":
                self._log(member_id, template, reference, status, now, "")
        outcomes |= done
        return [Delivery(m, outcomes[m]) for m in dict.fromkeys(member_ids)]

    def deliveries(self, reference: str) -> list[Delivery]:
        found = self.log.find({"reference": reference}, sort=[("_id", ASCENDING)])
        return [Delivery(d["member_id"], d["status"]) for d in found]

    def _take_slot(self, member_id: str, now: datetime) -> bool:
        """One of the member's ``per_hour`` texts this clock hour, if any is left."""
        hour = to_millis(now) // 3_600_000
        counted = self.counts.find_one_and_update(
            {"_id": f"{member_id}:{hour}"},
            {"$inc": {"count": 1}, "$setOnInsert": {"hour": hour}},
            upsert=True,
        )
        return counted is not None and counted["count"] <= self.per_hour

    def _give_back_slot(self, member_id: str, now: datetime) -> None:
        hour = to_millis(now) // 3_600_000
        self.counts.find_one_and_update({"_id": f"{member_id}:{hour}"}, {"$inc": {"count": -1}})

    def _log(
        self, member_id: str, template: str, reference: str, status: str, at: datetime, pid: str
    ) -> None:
        document = {
            "_id": log_key(reference, member_id),
            "member_id": member_id,
            "template": template,
            "reference": reference,
            "status": status,
            "provider_id": pid,
            "at": to_millis(at),
        }
        with contextlib.suppress(DuplicateKey):  # another replica handled this member here
            self.log.insert(document)


def log_key(reference: str, member_id: str) -> str:
    return f"{reference}:{member_id}"


def provider_from(settings: object) -> SmsProvider | None:
    """The provider ``SMS_PROVIDER`` names (``http``, ``file``), or None when it is unset."""
    kind = getattr(settings, "sms_provider", "")
    if kind == "file":
        return FileSmsProvider(Path(settings.sms_file))  # type: ignore[attr-defined]
    if kind == "http":
        return HttpSmsProvider(
            endpoint=settings.sms_http_endpoint,  # type: ignore[attr-defined]
            key_id=settings.sms_http_key_id,  # type: ignore[attr-defined]
            secret=settings.sms_http_secret.encode(),  # type: ignore[attr-defined]
        )
    if kind:
        raise ValueError(f"SMS_PROVIDER must be http, file or unset, not {kind!r}")
    return None
