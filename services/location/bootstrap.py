"""Composition root of the location service: adapters in, a service out; no I/O at import."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.location import duty_history, grpc_api, handlers
from services.location.live_view import (
    DUTY_CHANGED,
    FIXES_ACCEPTED,
    INTERNAL_EVENTS,
    INTERNAL_TOPIC,
    WENT_OFFLINE,
    LiveView,
)
from services.location.ports import Ports
from services.location.presence import OfflineSweep
from services.location.repository import (
    DutyRepository,
    DutySessionRepository,
    GeofenceRepository,
    TrackRepository,
)
from services.location.track_keeper import TrackKeeper
from shouwang.identity.v1 import events_pb2 as identity_events
from shouwang.outbox import Outbox
from shouwang.rpc import ServiceBinding
from shouwang.runtime import Adapters
from shouwang.scheduler import Periodic

IDENTITY_TOPIC = "shouwang.identity.v1"
SWEEP_EVERY_S = 15.0
PURGE_EVERY_S = 3600.0
SAVE_POSITIONS_EVERY_S = 5.0


@dataclass
class LocationService:
    ports: Ports
    keeper: TrackKeeper | None  # None where another process keeps the tracks
    sweep: OfflineSweep | None = None  # None in a process that only keeps tracks
    jobs: list[Periodic] = field(default_factory=list)
    bindings: list[ServiceBinding] = field(default_factory=list)

    def close(self) -> None:
        for job in self.jobs:
            job.stop()
        self.ports.outbox.stop()
        if self.keeper is not None:
            self.keeper.positions.save_all()


def build(
    adapters: Adapters,
    *,
    replica_id: str = "embedded",
    track_retention_days: int = 30,
    keep_tracks: bool = True,
    sole_replica: bool = False,
) -> LocationService:
    """The service; with ``keep_tracks`` false this replica leaves the shared ``location-tracks``
    group to another process (the all-in-one's ``allinone.track_keeper``); ``sole_replica``: no
    other replica starts or ends duty (``DutyRepository``'s ``sole_writer``)."""
    ports = _ports(adapters, track_retention_days=track_retention_days, sole_replica=sole_replica)
    for repository in (ports.duty, ports.tracks, ports.fences, ports.sessions):
        repository.ensure_indexes()
    ports.outbox.recover()
    ports.outbox.start_recovery()
    handlers.rebuild_live_view(ports)
    # Every replica needs every change for its own live view: a group of its own.
    live_group = f"location-live-{replica_id}"
    adapters.bus.subscribe(
        INTERNAL_TOPIC,
        group=live_group,
        handler=ports.view.apply,
        payload_types=INTERNAL_EVENTS,
        batch_handler=ports.view.apply_many,
        # A city's fixes may reach the index a moment late, a dispatch behind them may not; a
        # member's duty or busy change goes at once.
        background={FIXES_ACCEPTED},
    )
    keeper = subscribe_track_keeper(adapters, ports) if keep_tracks else None
    jobs = [_saving_positions(keeper)] if keeper else []
    adapters.bus.subscribe(
        IDENTITY_TOPIC,
        group="location-suspensions",
        handler=lambda event: handlers.end_duty_of_suspended(ports, event),
        payload_types={"shouwang.member.suspended": identity_events.MemberStatusChanged},
    )
    # Finished periods on duty, kept for statistics: once per period, by whichever replica.
    adapters.bus.subscribe(
        handlers.PRESENCE_TOPIC,
        group="location-duty-sessions",
        handler=lambda event: duty_history.record_session(ports, event),
        payload_types=duty_history.PRESENCE_EVENTS,
    )
    sweep = OfflineSweep(ports, live_group=live_group)
    jobs += [
        Periodic("presence-sweep", SWEEP_EVERY_S, sweep.run).start(),
        Periodic("track-retention", PURGE_EVERY_S, lambda: handlers.purge_tracks(ports)).start(),
        Periodic(
            "duty-session-retention", PURGE_EVERY_S, lambda: duty_history.purge_sessions(ports)
        ).start(),
    ]
    return LocationService(
        ports=ports, keeper=keeper, sweep=sweep, jobs=jobs, bindings=[grpc_api.binding(ports)]
    )


def keep_tracks(adapters: Adapters) -> LocationService:
    """Only the track keeper, for a process that does nothing else (``allinone.track_keeper``):
    the service's indexes and live view are the process serving location's calls."""
    ports = _ports(adapters)
    keeper = subscribe_track_keeper(adapters, ports, only_keeper=True)
    return LocationService(ports=ports, keeper=keeper, jobs=[_saving_positions(keeper)])


def subscribe_track_keeper(
    adapters: Adapters, ports: Ports, *, only_keeper: bool = False
) -> TrackKeeper:
    """Tracks, presence and public events once per batch: one group shared by all replicas.
    It takes the duty changes too: they tell it when its checkpoints of positions lapse."""
    keeper = TrackKeeper(ports, only_keeper=only_keeper)
    adapters.bus.subscribe(
        INTERNAL_TOPIC,
        group="location-tracks",
        handler=keeper.on_batch,
        payload_types={
            event_type: INTERNAL_EVENTS[event_type]
            for event_type in (FIXES_ACCEPTED, DUTY_CHANGED, WENT_OFFLINE)
        },
        batch_handler=keeper.on_batches,
        background={FIXES_ACCEPTED},
    )
    return keeper


def _saving_positions(keeper: TrackKeeper) -> Periodic:
    """The positions the track keeper's batches left unwritten, once per checkpoint interval."""
    return Periodic(
        "position-checkpoints", SAVE_POSITIONS_EVERY_S, keeper.positions.save_due
    ).start()


def _ports(
    adapters: Adapters, *, track_retention_days: int = 30, sole_replica: bool = False
) -> Ports:
    store = adapters.store
    duty = DutyRepository(store, sole_writer=sole_replica)
    return Ports(
        duty=duty,
        tracks=TrackRepository(store),
        fences=GeofenceRepository(store),
        bus=adapters.bus,
        outbox=Outbox(adapters.bus, duty.duty, adapters.clock),
        view=LiveView(),
        clock=adapters.clock,
        track_retention_days=track_retention_days,
        sessions=DutySessionRepository(store),
    )
