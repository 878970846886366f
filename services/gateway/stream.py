"""The push hub: this replica's copy of the task and report events, fanned out to its own open
Server-Sent-Events streams, with a bounded buffer of recent events for ``Last-Event-ID`` resume.

Each gateway replica consumes ``shouwang.tasks.v1`` and ``shouwang.reports.v1`` in its own consumer
group, so every replica sees every event and serves only its own connections. Fan-out never
blocks: each stream has a bounded queue, and a stream whose queue overflows (a client too slow to
read) is closed rather than slowing the others; the client reconnects with ``Last-Event-ID``.
A member holds a few streams at most (a new one closes their oldest), and ``StreamTickets`` lets
a browser open one without putting its access token in the URL.

Officers' streams also carry members' coarse positions (``shouwang.location.updated`` from the
location topic) for the live map, scoped by the member's team like task events by station, and
throttled per member. Positions carry no event id and skip the resume buffer: a reconnecting
map reloads ``GET /live/members`` instead, and thousands of positions would push the task
events a resume needs out of the buffer.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from services.gateway.auth import Caller
from services.gateway.resume import BadCursor, Cursor, parse_stream_id, stream_id
from shouwang.clock import Clock, rfc3339_of, to_millis
from shouwang.comms.v1 import comms_pb2
from shouwang.comms.v1 import events_pb2 as comms_events
from shouwang.errors import RateLimited
from shouwang.events import Event, LogPosition
from shouwang.location.v1 import events_pb2 as location_events
from shouwang.store import Collection
from shouwang.tasks.v1 import events_pb2
from shouwang.training.v1 import events_pb2 as training_events

HEARTBEAT = b": ping\n\n"
RESET_EVENT = "stream.reset"
# ReportApproved carries no station; it is learnt from the report's earlier events.
_REPORT_STATIONS_KEPT = 100_000
POSITION_EVENT = "shouwang.location.updated"
# Location publishes a member's position at most every 10 s or 50 m; the hub adds its own floor
# per member so a fast mover cannot flood officers' maps, and drops positions older than a map
# would show (a new consumer group starts at the beginning of the topic).
POSITION_EVERY_S = 5.0
POSITION_MAX_AGE_S = 120.0
_POSITIONS_KEPT = 100_000


@dataclass(frozen=True)
class Viewer:
    """Who holds a stream: a member, and for officers the stations their scope covers."""

    member_id: str
    officer: bool = False
    city_wide: bool = False
    station_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Audience:
    """Who may see an event: the members it concerns and the officers of its station; for a
    ``private`` event (a live call's), its members alone."""

    member_ids: frozenset[str]
    station_id: str
    private: bool = False

    def includes(self, viewer: Viewer) -> bool:
        if viewer.member_id in self.member_ids:
            return True
        if self.private:
            return False
        return viewer.officer and (viewer.city_wide or self.station_id in viewer.station_ids)


@dataclass(frozen=True)
class PushedEvent:
    seq: int
    event_id: str
    received_at: float  # monotonic, for the buffer's time window
    audience: Audience
    body: bytes  # the frame without its ``id:`` line
    position: LogPosition | None
    cursor: Cursor  # the hub's, once this event was pushed

    def frame(self, resumed_from: Cursor | None = None) -> bytes:
        """The SSE frame; for a stream resumed from a cursor, with that cursor merged into its
        id, so that a client reconnecting again is not sent what it had before the resume."""
        cursor = self.cursor if resumed_from is None else self.cursor.merged(resumed_from)
        return f"id: {stream_id(self.event_id, cursor)}\n".encode() + self.body


def audience_of(event: Event, report_stations: dict[str, str]) -> Audience:
    data = event.data
    if isinstance(data, events_pb2.TaskOffered):
        return Audience(frozenset(o.member_id for o in data.offers), data.station_id)
    if isinstance(data, events_pb2.TaskUpdated):
        members = set(data.participant_ids)
        if data.member_id:
            members.add(data.member_id)
        return Audience(frozenset(members), data.station_id)
    if isinstance(data, events_pb2.TaskClosed):
        return Audience(frozenset(c.member_id for c in data.claimants), data.station_id)
    if isinstance(data, events_pb2.ReportUpdated):
        return Audience(frozenset({data.member_id}), data.station_id)
    if isinstance(data, events_pb2.ReportApproved):
        return Audience(frozenset({data.member_id}), report_stations.get(data.report_id, ""))
    if isinstance(data, training_events.RollcallOpened):
        return Audience(frozenset(data.trainee_ids), data.station_id)
    if isinstance(
        data,
        training_events.TraineeCheckedIn
        | training_events.LeaveDecided
        | training_events.ShiftReminder
        | training_events.ShiftAttended,
    ):
        return Audience(frozenset({data.member_id}), data.station_id)
    if isinstance(data, comms_events.BulletinPublished | comms_events.GroupDrawing):
        return Audience(frozenset(data.recipient_ids), data.station_id)
    if isinstance(data, comms_pb2.GroupMessage):  # a group message's content, read from comms
        return Audience(frozenset(data.recipient_ids), data.station_id)
    if isinstance(data, comms_events.GroupCreated):
        return Audience(frozenset({data.created_by, *data.member_ids}), data.station_id)
    if isinstance(data, comms_pb2.LiveCallChanged | comms_pb2.LiveCallSignal):
        return Audience(frozenset(data.recipient_ids), "", private=True)
    return Audience(frozenset(), "")  # unknown payloads reach admins (city-wide) only


def sse_frame(*, event_type: str, event_id: str | None, data: object) -> bytes:
    """One SSE message; ``event_id=""`` clears the client's last id, ``None`` leaves it."""
    id_line = b"" if event_id is None else f"id: {event_id}\n".encode()
    return id_line + sse_body(event_type=event_type, data=data)


def sse_body(*, event_type: str, data: object) -> bytes:
    """An SSE message without its ``id:`` line."""
    return f"event: {event_type}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def event_json(message: Message) -> dict[str, Any]:
    """An event's data as the stream sends it: protobuf's JSON mapping, but with times in the
    API's one format (``rfc3339_of``) rather than the mapping's 0, 3, 6 or 9 fraction digits."""
    data = json_format.MessageToDict(message, preserving_proto_field_name=True)
    _times_on_the_wire(message, data)
    return data


def _times_on_the_wire(message: Message, data: dict[str, Any]) -> None:
    for descriptor, value in message.ListFields():
        kind = descriptor.message_type
        if kind is None or kind.GetOptions().map_entry or descriptor.is_extension:
            continue
        items = list(value) if descriptor.is_repeated else None
        if kind.full_name == Timestamp.DESCRIPTOR.full_name:
            on_wire = [rfc3339_of(v) for v in items] if items is not None else rfc3339_of(value)
            data[descriptor.name] = on_wire
        elif kind.file.package == "google.protobuf":
            continue  # well-known types (Struct, Value, Any, wrappers) map to JSON of their own
        elif items is not None:
            for item, item_data in zip(items, data[descriptor.name], strict=True):
                _times_on_the_wire(item, item_data)
        else:
            _times_on_the_wire(value, data[descriptor.name])


def _position_frame(data: location_events.LocationUpdated) -> bytes:
    return sse_frame(
        event_type=POSITION_EVENT,
        event_id=None,
        data={
            "member_id": data.member_id,
            "lat": data.lat,
            "lon": data.lon,
            "grid_id": data.grid_id,
            "team_id": data.team_id,
            "at": rfc3339_of(data.at),
        },
    )


class StreamsFull(Exception):
    """This replica holds as many streams as it has threads for."""


class Subscription:
    """One open stream's queue of frames; filled by the hub, drained by the stream's thread."""

    def __init__(self, viewer: Viewer, *, capacity: int, opened: int = 0) -> None:
        self.viewer = viewer
        self.opened = opened  # order of opening in the hub: the oldest is replaced first
        self._capacity = capacity
        self._frames: deque[bytes] = deque()
        self._changed = threading.Condition()
        self.closed_because: str | None = None
        # A stream resumed from another replica's cursor, until this hub's covers it: events
        # within it were sent before the resume and must not be sent again. Hub's lock.
        self.resumed_from: Cursor | None = None

    def offer(self, frame: bytes) -> bool:
        """Queue a frame without blocking; False (and the stream closes) when it is full."""
        with self._changed:
            if self.closed_because is not None:
                return False
            if len(self._frames) >= self._capacity:
                self._close("overflow")
                return False
            self._frames.append(frame)
            self._changed.notify()
            return True

    def close(self, reason: str) -> None:
        with self._changed:
            if self.closed_because is None:
                self._close(reason)

    def _close(self, reason: str) -> None:
        self.closed_because = reason
        self._frames.clear()
        self._changed.notify()

    def take(self, timeout_s: float) -> list[bytes] | None:
        """Every queued frame (``[]`` when none came within the timeout); None once closed."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._frames or self.closed_because is not None, timeout=timeout_s
            )
            if self.closed_because is not None:
                return None
            frames = list(self._frames)
            self._frames.clear()
            return frames


@dataclass
class _Recipients:
    by_member: dict[str, set[Subscription]] = field(default_factory=dict)
    by_station: dict[str, set[Subscription]] = field(default_factory=dict)
    city_wide: set[Subscription] = field(default_factory=set)

    def add(self, subscription: Subscription) -> None:
        viewer = subscription.viewer
        self.by_member.setdefault(viewer.member_id, set()).add(subscription)
        if viewer.officer and viewer.city_wide:
            self.city_wide.add(subscription)
        elif viewer.officer:
            for station_id in viewer.station_ids:
                self.by_station.setdefault(station_id, set()).add(subscription)

    def remove(self, subscription: Subscription) -> None:
        viewer = subscription.viewer
        _discard(self.by_member, viewer.member_id, subscription)
        self.city_wide.discard(subscription)
        for station_id in viewer.station_ids:
            _discard(self.by_station, station_id, subscription)

    def oldest_of(self, member_id: str) -> list[Subscription]:
        """The member's streams, oldest first."""
        return sorted(self.by_member.get(member_id, ()), key=lambda s: s.opened)

    def of(self, audience: Audience) -> set[Subscription]:
        found: set[Subscription] = set() if audience.private else set(self.city_wide)
        for member_id in audience.member_ids:
            found |= self.by_member.get(member_id, set())
        if not audience.private:
            found |= self.by_station.get(audience.station_id, set())
        return found


def _discard(index: dict[str, set[Subscription]], key: str, subscription: Subscription) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(subscription)
        if not members:
            del index[key]


@dataclass
class Opened:
    """A new stream: its subscription, the frames to send first, and whether it was reset."""

    subscription: Subscription
    first_frames: list[bytes]
    reset: bool


class StreamHub:
    def __init__(
        self,
        *,
        clock: Clock,
        max_streams: int = 2048,
        max_streams_per_member: int = 3,
        heartbeat_s: float = 15.0,
        buffer_events: int = 10_000,
        buffer_seconds: float = 600.0,
        queue_frames: int = 1_000,
        tickets: StreamTickets | None = None,
        position_every_s: float = POSITION_EVERY_S,
    ) -> None:
        self.clock = clock
        self.position_every_s = position_every_s
        # The stream routes reach the tickets through the hub, the one push object every route
        # module is given; None where no store is at hand (unit tests of the hub).
        self.tickets = tickets
        self.max_streams = max_streams
        self.max_streams_per_member = max_streams_per_member
        self.heartbeat_s = heartbeat_s  # read at each wait, so tests may shorten it
        self._buffer_events = buffer_events
        self._buffer_seconds = buffer_seconds
        self._queue_frames = queue_frames
        self._lock = threading.Lock()
        self._recent: deque[PushedEvent] = deque()
        self._seq_of: dict[str, int] = {}
        self._cursor = Cursor()  # every position handled, pushed or not
        self._forgotten = Cursor()  # positions no longer in the buffer (evicted, or too old)
        self._resumed: set[Subscription] = set()  # streams whose resumed_from is set
        self._next_seq = 0
        self._opened = 0
        self._recipients = _Recipients()
        self._streams: set[Subscription] = set()
        self._report_stations: OrderedDict[str, str] = OrderedDict()
        self._position_sent: OrderedDict[str, float] = OrderedDict()  # member -> monotonic
        self._closed = False

    @property
    def stream_count(self) -> int:
        with self._lock:
            return len(self._streams)

    # Bus side -------------------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        """Bus handler for the pushed topics; never raises for an event it cannot place."""
        self._learn_report_station(event)
        # A new consumer group starts at the beginning of the topic: history older than the
        # resume window is of no use to a stream, so it only warms the report stations.
        if (self.clock.now() - event.time).total_seconds() > self._buffer_seconds:
            self.skip(event)
            return
        data = event_json(event.data)
        data.pop("recipient_ids", None)  # each recipient learns it was addressed, not who else
        body = sse_body(event_type=event.type, data=data)
        with self._lock:
            audience = audience_of(event, self._report_stations)
            if self._handled(event):
                return  # at-least-once delivery: a redelivered event was already pushed
            if event.position is not None:
                self._cursor = self._cursor.advanced(event.position)
            pushed = PushedEvent(
                self._next_seq,
                event.id,
                time.monotonic(),
                audience,
                body,
                event.position,
                self._cursor,
            )
            self._next_seq += 1
            self._remember(pushed)
            frame = pushed.frame()
            overflowed = [
                s for s in self._recipients.of(audience) if not self._deliver(s, pushed, frame)
            ]
            for subscription in overflowed:
                self._forget(subscription)

    def skip(self, event: Event) -> None:
        """An event no stream will get (too old, or for the group pusher, unreadable): its
        position counts as handled and as forgotten, and a resumed stream whose client may have
        missed it is reset."""
        position = event.position
        if position is None:
            return
        with self._lock:
            if self._cursor.covers(position):
                return
            self._cursor = self._cursor.advanced(position)
            self._forgotten = self._forgotten.advanced(position)
            missed = [s for s in self._resumed if not s.resumed_from.covers(position)]  # type: ignore[union-attr]
            for subscription in missed:
                resumed_from = subscription.resumed_from.merged(self._cursor)  # type: ignore[union-attr]
                subscription.resumed_from = resumed_from
                if not subscription.offer(self._reset_frame(resumed_from)):
                    self._forget(subscription)

    def _handled(self, event: Event) -> bool:
        """Pushed already: still buffered, or (redelivered after a rebalance) at or before a
        position this hub has handled — each partition is read in order by one consumer."""
        if event.id in self._seq_of:
            return True
        return event.position is not None and self._cursor.covers(event.position)

    def _deliver(self, subscription: Subscription, pushed: PushedEvent, frame: bytes) -> bool:
        resumed_from = subscription.resumed_from
        if resumed_from is None:
            return subscription.offer(frame)
        if self._cursor.covers_all(resumed_from):
            subscription.resumed_from = None
            self._resumed.discard(subscription)
        if pushed.position is not None and resumed_from.covers(pushed.position):
            return True  # the client had it from the replica it resumed from
        return subscription.offer(pushed.frame(resumed_from))

    def on_position(self, event: Event) -> None:
        """Bus handler for the location topic: a member's coarse position to the officers whose
        scope holds the member's team (admins: all), at most every ``position_every_s``."""
        data = event.data
        if not isinstance(data, location_events.LocationUpdated):
            return
        if (self.clock.now() - event.time).total_seconds() > POSITION_MAX_AGE_S:
            return
        # Officers' scopes list their station and its teams, so a team id places the member.
        audience = Audience(frozenset(), data.team_id)
        now = time.monotonic()
        with self._lock:
            sent = self._position_sent.get(data.member_id)
            if sent is not None and now - sent < self.position_every_s:
                return
            self._position_sent[data.member_id] = now
            self._position_sent.move_to_end(data.member_id)
            while len(self._position_sent) > _POSITIONS_KEPT:
                self._position_sent.popitem(last=False)
            recipients = [s for s in self._recipients.of(audience) if s.viewer.officer]
            if not recipients:
                return  # most positions, when no officer of the team has a map open: no frame
            frame = _position_frame(data)
            overflowed = [s for s in recipients if not s.offer(frame)]
            for subscription in overflowed:
                self._forget(subscription)

    def _learn_report_station(self, event: Event) -> None:
        data = event.data
        if isinstance(data, events_pb2.ReportUpdated) and data.station_id:
            with self._lock:
                self._report_stations[data.report_id] = data.station_id
                self._report_stations.move_to_end(data.report_id)
                while len(self._report_stations) > _REPORT_STATIONS_KEPT:
                    self._report_stations.popitem(last=False)

    def _remember(self, pushed: PushedEvent) -> None:
        self._recent.append(pushed)
        self._seq_of[pushed.event_id] = pushed.seq
        horizon = pushed.received_at - self._buffer_seconds
        while self._recent and (
            len(self._recent) > self._buffer_events or self._recent[0].received_at < horizon
        ):
            forgotten = self._recent.popleft()
            del self._seq_of[forgotten.event_id]
            if forgotten.position is not None:
                self._forgotten = self._forgotten.advanced(forgotten.position)

    # Stream side ----------------------------------------------------------------------------

    def open(self, viewer: Viewer, *, last_event_id: str | None = None) -> Opened:
        """Register a stream; with ``last_event_id``, the buffered events after it it may see.

        An id with a cursor (what this hub sends, see ``resume``) replays the buffered events
        beyond the cursor, whichever replica sent it; a bare event id, the events after that
        one in this replica's buffer. Either resets the stream when the buffer no longer holds
        all that may have been missed.

        Registration and the replay snapshot happen under one lock, so an event arriving
        meanwhile is either replayed or queued, never both and never neither.

        A member already holding ``max_streams_per_member`` streams has their oldest closed
        (reason "replaced") rather than the new one refused: a client whose network changed
        reconnects at once even though the server has not yet noticed its old connection is
        dead (it does at the next write, up to a heartbeat later), and one member can still
        never hold more than a few of the replica's threads.
        """
        try:
            resume = parse_stream_id(last_event_id) if last_event_id else None
        except BadCursor:
            resume = ("", None)  # unreadable: reset, as for an event id the buffer does not hold
        with self._lock:
            if self._closed:
                raise StreamsFull
            held = self._recipients.oldest_of(viewer.member_id)
            replaced = held[: max(0, len(held) - self.max_streams_per_member + 1)]
            if len(self._streams) - len(replaced) >= self.max_streams:
                raise StreamsFull
            for old in replaced:
                old.close("replaced")
                self._forget(old)
            self._opened += 1
            subscription = Subscription(viewer, capacity=self._queue_frames, opened=self._opened)
            self._streams.add(subscription)
            self._recipients.add(subscription)
            if resume is None:
                return Opened(subscription, [], reset=False)
            event_id, resumed_from = resume
            if resumed_from is None:
                replay = self._replay_after(subscription.viewer, event_id)
                reset_to = self._cursor
            else:
                # Even after a reset, live events within the client's cursor are not sent again.
                self._resume_from(subscription, resumed_from)
                replay = self._replay_beyond(subscription.viewer, resumed_from)
                reset_to = self._cursor.merged(resumed_from)
            if replay is None:
                return Opened(subscription, [self._reset_frame(reset_to)], reset=True)
        return Opened(subscription, replay, reset=False)

    def _replay_after(self, viewer: Viewer, event_id: str) -> list[bytes] | None:
        """The buffered frames after a bare event id; None when it is no longer buffered."""
        seq = self._seq_of.get(event_id)
        if seq is None:
            return None
        start = seq - self._recent[0].seq + 1
        missed = (self._recent[i] for i in range(start, len(self._recent)))
        return [pushed.frame() for pushed in missed if pushed.audience.includes(viewer)]

    def _resume_from(self, subscription: Subscription, resumed_from: Cursor) -> None:
        """Until this hub has read past the client's cursor, live events within it are not
        sent again and the ids sent carry it."""
        if not self._cursor.covers_all(resumed_from):
            subscription.resumed_from = resumed_from
            self._resumed.add(subscription)

    def _replay_beyond(self, viewer: Viewer, resumed_from: Cursor) -> list[bytes] | None:
        """The buffered frames beyond a cursor; None when some it may need were forgotten."""
        if not resumed_from.covers_all(self._forgotten):
            return None
        return [
            pushed.frame(resumed_from)
            for pushed in self._recent
            if pushed.position is not None
            and not resumed_from.covers(pushed.position)
            and pushed.audience.includes(viewer)
        ]

    def _reset_frame(self, cursor: Cursor) -> bytes:
        newest = self._recent[-1].event_id if self._recent else ""
        return sse_frame(
            event_type=RESET_EVENT,
            event_id=stream_id(newest, cursor),
            data={"reason": "unknown Last-Event-ID; missed events cannot be replayed"},
        )

    def close_stream(self, subscription: Subscription) -> None:
        subscription.close("closed")
        with self._lock:
            self._forget(subscription)

    def _forget(self, subscription: Subscription) -> None:
        self._resumed.discard(subscription)
        if subscription in self._streams:
            self._streams.discard(subscription)
            self._recipients.remove(subscription)

    def close(self) -> None:
        """End every stream (their clients reconnect elsewhere) and accept no new ones."""
        with self._lock:
            self._closed = True
            streams, self._streams = self._streams, set()
            self._recipients = _Recipients()
            self._resumed = set()
        for subscription in streams:
            subscription.close("shutdown")


# Stream tickets -------------------------------------------------------------------------------

TICKET_SECONDS = 30
# Unredeemed tickets a member may hold at once; enough for a few tabs reconnecting together.
MAX_OPEN_TICKETS = 10


@dataclass(frozen=True)
class StreamGrant:
    """Who may open a stream, and until when (the expiry of the token that asked for it)."""

    caller: Caller
    expires_at: float  # epoch seconds


class StreamTickets:
    """Short-lived single-use tickets that open one stream each, so that a browser's
    ``EventSource`` (which cannot send headers) never puts an access token in a URL, where
    proxies and access logs keep it.

    Tickets are random and stored (only their SHA-256) in the gateway's store rather than signed:
    the gateway holds no signing key of its own, and a signed ticket would still need a shared
    record of spent tickets to be single-use across replicas. Each ticket is one document that
    whoever redeems it deletes; the store's delete is atomic, so of two replicas redeeming the
    same ticket exactly one wins (the mirror of the idempotency keys' insert-once).
    """

    def __init__(self, collection: Collection, clock: Clock) -> None:
        self.collection = collection
        self.clock = clock

    def ensure_indexes(self) -> None:
        self.collection.create_index([("expires_at", 1)])
        self.collection.create_index([("member_id", 1)])

    def issue(self, grant: StreamGrant) -> str:
        now_ms = to_millis(self.clock.now())
        self.collection.delete_many({"expires_at": {"$lt": now_ms}})
        caller = grant.caller
        if self.collection.count({"member_id": caller.member_id}) >= MAX_OPEN_TICKETS:
            raise RateLimited(
                detail="too many unused stream tickets; use one or wait for them to expire",
                retry_after_s=TICKET_SECONDS,
            )
        ticket = secrets.token_urlsafe(32)
        self.collection.insert(
            {
                "_id": _ticket_key(ticket),
                "member_id": caller.member_id,
                "roles": sorted(caller.roles),
                "org_id": caller.org_id,
                "status": caller.status,
                "token_version": caller.token_version,
                "grant_expires_at": grant.expires_at,
                "expires_at": now_ms + TICKET_SECONDS * 1000,
            }
        )
        return ticket

    def redeem(self, ticket: str) -> StreamGrant | None:
        """The grant of a valid, unspent ticket, spending it; None for any other ticket."""
        key = _ticket_key(ticket)
        document = self.collection.get(key)
        if document is None or not self.collection.delete(key):
            return None  # unknown, or spent (perhaps a moment ago by another replica)
        if document["expires_at"] < to_millis(self.clock.now()):
            return None
        caller = Caller(
            member_id=document["member_id"],
            roles=frozenset(document["roles"]),
            org_id=document["org_id"],
            status=document["status"],
            token_version=int(document["token_version"]),
        )
        return StreamGrant(caller, float(document["grant_expires_at"]))


def _ticket_key(ticket: str) -> str:
    # Only the hash is stored: the store, its backups and its logs never hold a usable ticket.
    return hashlib.sha256(ticket.encode()).hexdigest()


class EventStream:
    """The WSGI body of one stream: queued frames as they come, a heartbeat comment when idle.

    ``close()`` (called by the WSGI server, also when the body was never iterated) unregisters
    the stream; a stream whose client left is noticed at the next write, at most a heartbeat on.
    """

    def __init__(
        self,
        hub: StreamHub,
        opened: Opened,
        *,
        still_allowed: Callable[[], bool],
        preamble: bytes = b"retry: 3000\n\n",
    ) -> None:
        self._hub = hub
        self._subscription = opened.subscription
        self._pending = [preamble, *opened.first_frames]
        self._still_allowed = still_allowed

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._pending:
            chunk, self._pending = b"".join(self._pending), []
            return chunk
        frames = self._subscription.take(self._hub.heartbeat_s)
        if frames is None or not self._still_allowed():
            raise StopIteration
        return b"".join(frames) if frames else HEARTBEAT

    def close(self) -> None:
        self._hub.close_stream(self._subscription)


def frames_of(chunks: Iterable[bytes]) -> list[tuple[str, str, str]]:
    """Parse SSE bytes into (id, event, data) triples; for tests and tools."""
    found = []
    for block in b"".join(chunks).decode().split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            if name in ("id", "event", "data"):
                fields[name] = value
        if "event" in fields:
            found.append((fields.get("id", ""), fields["event"], fields.get("data", "")))
    return found
