"""Composition root of the gateway: clients and its own small store in, a WSGI app out."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from flask import Flask

from services.gateway import token_versions
from services.gateway.app import create_app
from services.gateway.auth import TokenVerifier
from services.gateway.clients import Clients
from services.gateway.context import GatewayContext
from services.gateway.routes.comms import group_pusher
from services.gateway.stream import POSITION_EVENT, StreamHub, StreamTickets
from services.gateway.token_versions import TokenVersions
from shouwang.bus import EventBus
from shouwang.comms.v1.event_types import (
    BULLETIN_EVENT_TYPES,
    BULLETINS_TOPIC,
    GROUP_EVENT_TYPES,
    GROUPS_TOPIC,
    LIVE_CALL_EVENT_TYPES,
    LIVE_CALLS_TOPIC,
)
from shouwang.http import IdempotencyKeys
from shouwang.ids import new_id
from shouwang.location.v1 import events_pb2 as location_events
from shouwang.metrics import Readiness
from shouwang.runtime import Adapters
from shouwang.tasks.v1.event_types import (
    REPORT_EVENT_TYPES,
    REPORTS_TOPIC,
    TASK_EVENT_TYPES,
    TASKS_TOPIC,
)
from shouwang.training.v1.event_types import TRAINING_EVENT_TYPES, TRAINING_TOPIC

IDEMPOTENCY_KEYS = "gateway_idempotency_keys"
STREAM_TICKETS = "gateway_stream_tickets"
LOCATION_TOPIC = "shouwang.location.v1"
# Open push streams per replica; docs/push-stream.md has the measurements behind the number.
DEFAULT_MAX_STREAMS = 2048


@dataclass
class Gateway:
    app: Flask
    clients: Clients
    hub: StreamHub

    @property
    def max_streams(self) -> int:
        """Streams this replica holds at most; its HTTP server needs a thread for each."""
        return self.hub.max_streams

    def close_streams(self) -> None:
        """End the open streams (before stopping the HTTP server, whose threads they hold)."""
        self.hub.close()

    def close(self) -> None:
        self.hub.close()
        self.clients.close()


def build(
    adapters: Adapters,
    *,
    clients: Clients,
    readiness: Readiness,
    max_body_bytes: int,
    max_streams: int = DEFAULT_MAX_STREAMS,
    serve_metrics: bool = False,
) -> Gateway:
    idempotency = IdempotencyKeys(adapters.store.collection(IDEMPOTENCY_KEYS), adapters.clock)
    idempotency.ensure_indexes()
    versions = TokenVersions()
    # Each replica needs every version bump, so each is its own consumer group.
    adapters.bus.subscribe(
        token_versions.IDENTITY_TOPIC,
        group=f"gateway-{new_id()}",
        handler=versions.on_member_changed,
        payload_types=token_versions.VERSION_EVENTS,
    )
    # Likewise every replica pushes every task and report event to its own streams.
    # Tickets are shared by the replicas through the store, so any replica redeems any ticket.
    tickets = StreamTickets(adapters.store.collection(STREAM_TICKETS), adapters.clock)
    tickets.ensure_indexes()
    hub = StreamHub(clock=adapters.clock, max_streams=max_streams, tickets=tickets)
    push_group = f"gateway-push-{new_id()}"
    pushed = (
        (TASKS_TOPIC, TASK_EVENT_TYPES),
        (REPORTS_TOPIC, REPORT_EVENT_TYPES),
        (TRAINING_TOPIC, TRAINING_EVENT_TYPES),
        (BULLETINS_TOPIC, BULLETIN_EVENT_TYPES),
    )
    for topic, types in pushed:
        adapters.bus.subscribe(topic, group=push_group, handler=hub.on_event, payload_types=types)
    # Group messages travel without their content: the pusher reads it from comms.
    adapters.bus.subscribe(
        GROUPS_TOPIC,
        group=push_group,
        handler=group_pusher(clients, adapters.clock, hub.on_event, hub.skip),
        payload_types=GROUP_EVENT_TYPES,
    )
    # Live calls' changes and signals, to the call's two parties only. Read from the start like
    # the task events (a group joining "at the end" skips what is published while it joins, a
    # call's ringing included); the hub drops what is older than its resume window.
    adapters.bus.subscribe(
        LIVE_CALLS_TOPIC,
        group=push_group,
        handler=hub.on_event,
        payload_types=LIVE_CALL_EVENT_TYPES,
    )
    # Members' positions for officers' live maps; the other location events stay out.
    adapters.bus.subscribe(
        LOCATION_TOPIC,
        group=push_group,
        handler=hub.on_position,
        payload_types={POSITION_EVENT: location_events.LocationUpdated},
        from_latest=True,  # old positions are dropped anyway: do not read days of them
        background={POSITION_EVENT},  # a marker on a map may move a moment later
    )
    readiness.add_check("push_caught_up", partial(_require_caught_up, adapters.bus, push_group))
    readiness.add_check(
        "token_versions",
        lambda: versions.ensure_loaded(clients.identity, now=adapters.clock.now()),
    )
    context = GatewayContext(
        clients=clients,
        verifier=TokenVerifier(clients.identity, versions),
        idempotency=idempotency,
        hub=hub,
        blobs=adapters.blobs,
    )
    app = create_app(
        context, readiness=readiness, max_body_bytes=max_body_bytes, serve_metrics=serve_metrics
    )
    return Gateway(app=app, clients=clients, hub=hub)


class CatchingUp(Exception):
    """The push consumers are still reading what their topics held when the gateway started."""


def _require_caught_up(bus: EventBus, group: str) -> None:
    # A new push group reads the topics from their start (the resume window is rebuilt from
    # them). Until it is through, a stream that reconnects would get a reset and then, live,
    # events it already had (offers twice); so the gateway serves only once it is through.
    if not bus.caught_up(group):
        raise CatchingUp(group)
