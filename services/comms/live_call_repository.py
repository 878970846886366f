"""Live calls <-> documents: ``comms_live_calls`` holds each call (its audit record, with its
changes' events in the outbox) and ``comms_live_call_lines`` one document per member in a live
call, whose unique ``_id`` is what makes "one live call per member" hold across replicas. The
lines are also the live calls' index: the sweep and the task and suspension consumers read them
(a handful) and then each call by ``_id``, never the ever-growing audit (FerretDB 1.x scans a
collection for any filter but ``_id``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from services.comms.live_call import LiveCall, Status
from shouwang.errors import Conflict
from shouwang.events import Event
from shouwang.outbox import Outbox, stage, with_events
from shouwang.store import ASCENDING, DESCENDING, Collection, DocumentStore, DuplicateKey
from shouwang.store.paging import Page, read_page

Events = Sequence[tuple[str, Event]]
OutboxFactory = Callable[[Collection], Outbox]


class LiveCallRepository:
    def __init__(self, store: DocumentStore, *, outbox: OutboxFactory) -> None:
        self.calls: Collection = store.collection("comms_live_calls")
        self.lines: Collection = store.collection("comms_live_call_lines")
        self.outbox = outbox(self.calls)

    def ensure_indexes(self) -> None:
        self.calls.create_index([("station_id", ASCENDING), ("created_at", DESCENDING)])
        self.calls.create_index([("member_id", ASCENDING), ("created_at", DESCENDING)])
        self.calls.create_index([("officer_id", ASCENDING), ("created_at", DESCENDING)])
        self.calls.create_index([("status", ASCENDING)])
        self.lines.create_index([("officer_id", ASCENDING)])
        self.lines.create_index([("task_id", ASCENDING)])

    def start(self, call: LiveCall, events: Events) -> LiveCall:
        """Take the member's line and save the ringing call; 409 while the member is in one."""
        self._take_line(call)
        document = {**_document(call), **stage(events)}
        self.calls.insert(document)
        self.outbox.flush(document)
        return call

    def _take_line(self, call: LiveCall) -> None:
        line = {
            "_id": call.member_id,
            "call_id": call.call_id,
            "officer_id": call.officer_id,
            "task_id": call.task_id,
        }
        for _ in range(2):
            try:
                self.lines.insert(line)
                return
            except DuplicateKey:
                held = self.lines.get(call.member_id)
                holder = self.get(held["call_id"]) if held else None
                if holder is not None and holder.live:
                    raise Conflict(detail="the member is in another live call") from None
                # The line outlived its call (a replica died between the two writes): free it.
                if held is not None:
                    self.lines.delete(call.member_id)
        raise Conflict(detail="the member is in another live call")

    def save(self, before: LiveCall, after: LiveCall, events: Events) -> LiveCall:
        """Write a change made from ``before``; 409 when the call changed meanwhile."""
        fields = {k: v for k, v in _document(after).items() if k != "_id"}
        saved = self.calls.find_one_and_update(
            {"_id": before.call_id, "status": before.status.value},
            with_events({"$set": fields}, events),
        )
        if saved is None:
            raise Conflict(detail="the call changed meanwhile; read it again")
        self.outbox.flush(saved)
        if not after.live:
            self._free_line(after)
        return after

    def _free_line(self, call: LiveCall) -> None:
        held = self.lines.get(call.member_id)
        if held is not None and held["call_id"] == call.call_id:
            self.lines.delete(call.member_id)

    def get(self, call_id: str) -> LiveCall | None:
        document = self.calls.get(call_id)
        return None if document is None else _call(document)

    def live_calls(self, query: dict[str, Any] | None = None) -> list[LiveCall]:
        """Calls ringing or connected (the sweep's and the consumers' work list), by their
        lines; ``query`` on ``member_id``, ``officer_id`` or ``task_id``."""
        wanted = {("_id" if k == "member_id" else k): v for k, v in (query or {}).items()}
        calls = (self.get(line["call_id"]) for line in self.lines.find(wanted))
        return [c for c in calls if c is not None and c.live]

    def page(
        self,
        *,
        station_ids: Sequence[str] | None,
        party_id: str,
        member_id: str,
        size: int,
        cursor: str,
    ) -> Page:
        """Calls newest first: those ``party_id`` took part in, plus (officers) those of
        ``station_ids`` (None: every station); narrowed to ``member_id``'s when given."""
        mine: list[dict[str, Any]] = [{"officer_id": party_id}, {"member_id": party_id}]
        if station_ids is None:
            query: dict[str, Any] = {}
        elif station_ids:
            query = {"$or": [*mine, {"station_id": {"$in": list(station_ids)}}]}
        else:
            query = {"$or": mine}
        if member_id:
            query = (
                {"$and": [query, {"member_id": member_id}]} if query else {"member_id": member_id}
            )
        page = read_page(self.calls, query, sort_field="created_at", size=size, cursor=cursor)
        return Page(items=[_call(d) for d in page.items], next_cursor=page.next_cursor)


def _document(call: LiveCall) -> dict[str, Any]:
    fields = asdict(call)
    return {
        "_id": fields.pop("call_id"),
        **{k: v for k, v in fields.items() if k != "created_at_ms"},
        "status": call.status.value,
        "end_reason": str(call.end_reason),
        "created_at": call.created_at_ms,
    }


def _call(document: dict[str, Any]) -> LiveCall:
    return LiveCall(
        call_id=document["_id"],
        officer_id=document["officer_id"],
        member_id=document["member_id"],
        station_id=document["station_id"],
        task_id=document["task_id"],
        status=Status(document["status"]),
        created_at_ms=document["created_at"],
        accepted_at_ms=document["accepted_at_ms"],
        ended_at_ms=document["ended_at_ms"],
        ended_by=document["ended_by"],
        end_reason=document["end_reason"],
    )
