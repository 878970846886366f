"""Location's commands: duty, fix ingestion, queries' eligibility rules, geofences, tracks.

Ingestion is one pipeline whatever the path (HTTP via the gateway, gRPC streaming): validate
against this replica's live view, then publish the accepted fixes as one batch per member to the
internal topic. Every replica applies every batch to its own live view (``LiveView.apply``); one
replica per member — the shared ``location-tracks`` group — persists the track, the latest
position, presence and the derived public events (``TrackKeeper``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt

from services.location import model
from services.location.live_view import (
    BUSY_CHANGED,
    DUTY_CHANGED,
    FIXES_ACCEPTED,
    INTERNAL_TOPIC,
    Placement,
)
from services.location.ports import Ports
from services.location.repository import bucket_fixes
from shouwang.clock import timestamp_of_millis, to_millis, to_timestamp
from shouwang.errors import FieldError, Forbidden, InvalidArgument
from shouwang.events import Event
from shouwang.identity.v1 import events_pb2 as identity_events
from shouwang.location.v1 import events_pb2, location_pb2
from shouwang.store import Document

log = logging.getLogger(__name__)

PRESENCE_TOPIC = "shouwang.presence.v1"
SOURCE = "/shouwang/location"
GAP_WINDOW_MS = 5 * 60 * 1000


def start_duty(ports: Ports, request: location_pb2.DutyRequest) -> Document:
    """Go on duty (the gateway has checked the member is verified). Idempotent."""
    now = ports.clock.now()
    current = ports.duty.get(request.member_id)
    if current is not None and current.get("on_duty"):
        return current
    placement = {
        "team_id": request.team_id,
        "station_id": request.station_id,
        "grid_id": request.grid_id,
        "skills": sorted(set(request.skills)),
    }
    version = _next_duty_version(current, now)
    events = [
        (
            PRESENCE_TOPIC,
            Event(
                type="shouwang.member.duty_started",
                source=SOURCE,
                subject=request.member_id,
                time=now,
                data=events_pb2.DutyStarted(
                    member_id=request.member_id,
                    started_at=to_timestamp(now),
                    team_id=request.team_id,
                ),
            ),
        ),
        (INTERNAL_TOPIC, _duty_change(request.member_id, True, placement, now, version)),
    ]
    document = ports.duty.start(
        request.member_id,
        {
            "on_duty": True,
            "online": False,
            "started_at": to_millis(now),
            "last_seen": 0,
            "duty_version": version,
            **placement,
        },
        events,
    )
    # This replica's view takes its own change at once (the event, applied later, is the same
    # version); the other replicas' take it from the event.
    ports.view.go_on_duty(request.member_id, _placement(document), version=version)
    ports.outbox.flush(document)
    return document


def end_duty(ports: Ports, member_id: str) -> Document:
    now = ports.clock.now()
    current = ports.duty.get(member_id)
    if current is None or not current.get("on_duty"):
        raise Forbidden(detail="the member is not on duty")
    started_ms = current["started_at"]
    version = _next_duty_version(current, now)
    ended = events_pb2.DutyEnded(
        member_id=member_id,
        started_at=timestamp_of_millis(started_ms),
        ended_at=to_timestamp(now),
        team_id=current.get("team_id", ""),
        fix_gaps=_fix_gaps(ports, member_id, started_ms, to_millis(now)),
    )
    events = [
        (
            PRESENCE_TOPIC,
            Event(
                type="shouwang.member.duty_ended",
                source=SOURCE,
                subject=member_id,
                time=now,
                data=ended,
            ),
        ),
        (INTERNAL_TOPIC, _duty_change(member_id, False, current, now, version)),
    ]
    document = ports.duty.end(
        member_id,
        {"on_duty": False, "online": False, "ended_at": to_millis(now), "duty_version": version},
        events,
        # The duty read above: an end computed from it must not land on a later period (another
        # replica ended and started the duty meanwhile) with a version older than that start's.
        version_read=current.get("duty_version", 0),
    )
    if document is None:
        raise Forbidden(detail="the member is not on duty")
    # At once on this replica: its next batch from the member is refused (report_fixes).
    ports.view.go_off_duty(member_id, version=version)
    ports.outbox.flush(document)
    return document


def end_duty_of_suspended(ports: Ports, event: Event) -> None:
    """A member suspended by identity leaves duty at once: dispatch offers tasks only to members
    on duty, and the suspension must not wait for the member to end their shift."""
    status: identity_events.MemberStatusChanged = event.data  # type: ignore[assignment]
    current = ports.duty.get(status.member_id)
    if current is None or not current.get("on_duty"):
        return  # off duty already, or a redelivered suspension
    try:
        end_duty(ports, status.member_id)
    except Forbidden:
        return  # the member ended their duty meanwhile
    log.info("duty ended by suspension", extra={"member_id": status.member_id})


def report_fixes(
    ports: Ports,
    member_id: str,
    *,
    crs: str,
    fixes: Sequence[model.RawFix] | model.FixColumns,
) -> model.CheckedBatch:
    """Validate a batch and hand the accepted fixes to every replica as one event; only on-duty
    members are tracked (PIPL: location only while on shift)."""
    if not 1 <= len(fixes) <= model.MAX_FIXES_PER_BATCH:
        raise InvalidArgument(
            detail="send 1 to 500 fixes per call",
            errors=[FieldError("fixes", "must hold 1 to 500 fixes")],
        )
    if crs not in ("wgs84", "gcj02", "bd09"):
        raise InvalidArgument(
            detail="unknown crs", errors=[FieldError("crs", "must be wgs84, gcj02 or bd09")]
        )
    if not _on_duty(ports, member_id):
        raise Forbidden(detail="start duty first: location is only recorded while on duty")
    current = ports.view.index.get(member_id)
    previous = (
        model.LastFix(current.lat, current.lon, int(current.last_seen * 1000)) if current else None
    )
    columns = fixes if isinstance(fixes, model.FixColumns) else model.FixColumns.of(fixes)
    now = ports.clock.now()
    checked = model.check_batch(columns, crs=crs, previous=previous, now_ms=to_millis(now))
    if len(checked.accepted):
        batch = events_pb2.FixBatch(
            member_id=member_id, columns=fix_columns_message(checked.accepted, checked.flags)
        )
        ports.bus.publish(
            INTERNAL_TOPIC,
            [Event(type=FIXES_ACCEPTED, source=SOURCE, subject=member_id, time=now, data=batch)],
        )
    return checked


def _on_duty(ports: Ports, member_id: str) -> bool:
    """Whether to take a batch from the member. The sole replica counts who is on duty as it
    wrote it. Among several, a member this replica's view shows on duty is taken without a read:
    a read by batch was two thirds of the store's statements with 10,000 on duty (README
    "What is missing", #19). The view has this replica's own duty changes at once and the
    others' a moment later, from their events: a batch sent just after an end on another
    replica may be acknowledged, and the track keeper keeps none of its fixes taken after the
    end by the phone's clock. A member the view does not show is asked of the store (a start
    elsewhere, not yet seen)."""
    if not ports.duty.sole_writer and ports.view.on_duty(member_id):
        return True
    return ports.duty.is_on_duty(member_id)


def fix_columns_message(
    columns: model.FixColumns, flags: npt.NDArray[np.uint8] | None = None
) -> events_pb2.FixColumns:
    return events_pb2.FixColumns(
        lat=columns.lat.tolist(),
        lon=columns.lon.tolist(),
        ts_ms=columns.ts_ms.tolist(),
        accuracy_m=columns.accuracy_m.tolist(),
        speed_mps=columns.speed_mps.tolist(),
        heading_deg=columns.heading_deg.tolist(),
        flags=[] if flags is None else flags.tolist(),
    )


def set_busy(ports: Ports, member_id: str, busy: bool) -> None:
    ports.duty.set_busy(member_id, busy)
    ports.bus.publish(
        INTERNAL_TOPIC,
        [
            Event(
                type=BUSY_CHANGED,
                source=SOURCE,
                subject=member_id,
                time=ports.clock.now(),
                data=location_pb2.BusyChange(member_id=member_id, busy=busy),
            )
        ],
    )


def rebuild_live_view(ports: Ports) -> int:
    """Fill a fresh replica's view from the duty snapshot before it reports ready."""
    snapshot = ports.duty.snapshot()
    ports.view.remember_versions({duty["_id"]: duty.get("duty_version", 0) for duty in snapshot})
    members = [duty for duty in snapshot if duty.get("on_duty")]
    for duty in members:
        ports.view.go_on_duty(
            duty["_id"],
            _placement(duty),
            busy=duty.get("busy", False),
            version=duty.get("duty_version", 0),
        )
        if duty.get("last_seen"):
            ports.view.place(
                duty["_id"], duty["lat"], duty["lon"], duty["last_seen"] / 1000, suspect=False
            )
    return len(members)


def purge_tracks(ports: Ports) -> int:
    """Delete track buckets past the retention period (FerretDB has no TTL indexes)."""
    cutoff = to_millis(ports.clock.now()) - ports.track_retention_days * 86_400_000
    return ports.tracks.delete_before(cutoff)


def track(ports: Ports, member_id: str, *, from_ms: int, to_ms: int) -> list[events_pb2.Fix]:
    fixes = [
        fix
        for bucket in ports.tracks.between(member_id, from_ms=from_ms, to_ms=to_ms)
        for fix in bucket_fixes(bucket)
        if from_ms <= fix.ts_ms <= to_ms
    ]
    return sorted(fixes, key=lambda f: f.ts_ms)


def _fix_gaps(ports: Ports, member_id: str, started_ms: int, ended_ms: int) -> int:
    """5-minute windows of the duty period without a single fix."""
    covered = {
        (fix.ts_ms - started_ms) // GAP_WINDOW_MS
        for bucket in ports.tracks.between(member_id, from_ms=started_ms, to_ms=ended_ms)
        for fix in bucket_fixes(bucket)
        if started_ms <= fix.ts_ms <= ended_ms
    }
    windows = max(0, (ended_ms - started_ms) // GAP_WINDOW_MS)
    return int(sum(1 for window in range(windows) if window not in covered))


def _placement(document: Document) -> Placement:
    return Placement(
        document.get("team_id", ""),
        document.get("station_id", ""),
        document.get("grid_id", ""),
        tuple(document.get("skills", ())),
    )


def _next_duty_version(current: Document | None, now: datetime) -> int:
    """Above the stored version and at least the time in ms: ordered per member even when the
    replicas' clocks disagree (each change reads the stored duty first)."""
    return max(to_millis(now), (current or {}).get("duty_version", 0) + 1)


def _duty_change(member_id: str, on_duty: bool, placement: dict, now, version: int) -> Event:  # type: ignore[type-arg, no-untyped-def]
    return Event(
        type=DUTY_CHANGED,
        source=SOURCE,
        subject=member_id,
        time=now,
        data=location_pb2.DutyChange(
            member_id=member_id,
            on_duty=on_duty,
            team_id=placement.get("team_id", ""),
            station_id=placement.get("station_id", ""),
            grid_id=placement.get("grid_id", ""),
            skills=placement.get("skills", []),
            at=to_timestamp(now),
            duty_version=version,
        ),
    )
