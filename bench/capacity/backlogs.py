"""Backlogs of real events, shaped like a city's traffic, for the consumer groups to drain.

Each is a list of ``Event``s built from the contract's protobuf payloads and encoded by the
platform's own codec (``shouwang.events.encode``), so a consumer cannot tell them from events its
peers published: a task's life (created, offered to 3, claimed, arrived, resolved, closed) on
``shouwang.tasks.v1``; members' throttled positions (one ``location.updated`` every 10 s, the
track keeper's rule for a walking member) on ``shouwang.location.v1``; and fix batches on the
internal topic for members location has on duty.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from google.protobuf.message import Message

from services.location import model as location_model
from services.location.handlers import fix_columns_message
from services.location.live_view import FIXES_ACCEPTED
from shouwang.clock import from_millis, to_timestamp
from shouwang.events import Event
from shouwang.ids import new_id
from shouwang.location.v1 import events_pb2 as location_events
from shouwang.tasks.v1 import events_pb2 as task_events

TASKS_TOPIC = "shouwang.tasks.v1"
LOCATION_TOPIC = "shouwang.location.v1"
EVENTS_PER_TASK = 6
UPDATE_EVERY_S = 10  # location.updated at most every 10 s (or 50 m) per member
FIX_EVERY_S = 5  # a phone's fix every 5 s: 100,000 on duty send 20,000 fixes/s
CENTRE = (30.2741, 120.1551)


def task_lives(
    tasks: int, members: Sequence[str], *, stations: int = 20, seed: int = 3
) -> list[Event]:
    """``tasks`` whole task lives, ``EVENTS_PER_TASK`` events each, interleaved the way a busy
    city's tasks overlap (each task's events in order: the topic is keyed by task id)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    lives = []
    for i in range(tasks):
        task_id = new_id()
        station = f"station-{i % stations}"
        offered = rng.sample(list(members), 3)
        claimant = offered[0]
        lat, lon = _spot(rng)
        title = "check a report at this spot"
        at = to_timestamp(now)

        common = {
            "task_id": task_id,
            "station_id": station,
            "participant_ids": offered,
            "at": at,
            "title": title,
            "priority": 2,
        }

        def updated(change: str, status: str, member: str = "", seconds: float = 0.0) -> Event:
            data = task_events.TaskUpdated(
                status=status,
                member_id=member,
                seconds=seconds,
                **common,  # noqa: B023 - called only within this iteration
            )
            return _task_event(change, data.task_id, data, now)

        offers = [
            task_events.Offer(member_id=m, distance_m=100.0 * (k + 1), wave=1)
            for k, m in enumerate(offered)
        ]
        lives.append(
            [
                updated("created", "dispatching"),
                _task_event(
                    "offered",
                    task_id,
                    task_events.TaskOffered(
                        task_id=task_id,
                        wave=1,
                        offers=offers,
                        radius_m=3000.0,
                        station_id=station,
                        title=title,
                        priority=2,
                        lat=lat,
                        lon=lon,
                        expires_at=to_timestamp(now + timedelta(hours=1)),
                    ),
                    now,
                ),
                updated("claimed", "claimed", claimant, seconds=20.0),
                updated("arrived", "on_scene", claimant, seconds=150.0),
                updated("resolved", "resolved", claimant),
                _task_event(
                    "closed",
                    task_id,
                    task_events.TaskClosed(
                        task_id=task_id,
                        priority=2,
                        points=10,
                        claimants=[
                            task_events.Claimant(
                                member_id=claimant, arrival_seconds=150, arrived=True
                            )
                        ],
                        closed_at=at,
                        station_id=station,
                        officer_id="officer-bench",
                    ),
                    now,
                ),
            ]
        )
    # Interleave: the k-th events of a window of 50 tasks, then the next step of each.
    events: list[Event] = []
    for first in range(0, len(lives), 50):
        window = lives[first : first + 50]
        for step in range(EVENTS_PER_TASK):
            events += [life[step] for life in window]
    return events


def _task_event(change: str, task_id: str, data: Message, now: datetime) -> Event:
    return Event(
        type=f"shouwang.task.{change}",
        source="/shouwang/tasks",
        subject=task_id,
        data=data,
        time=now,
    )


def position_updates(members: Sequence[str], *, minutes: int) -> list[Event]:
    """Each member's ``location.updated`` every ``UPDATE_EVERY_S`` over the last ``minutes``
    minutes, in time order across members (as the track keeper publishes them)."""
    rng = random.Random(5)
    spots = {m: _spot(rng) for m in members}
    now_s = int(datetime.now(UTC).timestamp())
    first_s = now_s - minutes * 60
    events = []
    for t in range(first_s, now_s, UPDATE_EVERY_S):
        at = from_millis(t * 1000)
        for member in members:
            lat, lon = spots[member]
            drift = (t - first_s) * 1.5 / 111_320  # walking north at 1.5 m/s
            events.append(
                Event(
                    type="shouwang.location.updated",
                    source="/shouwang/location",
                    subject=member,
                    time=at,
                    data=location_events.LocationUpdated(
                        member_id=member,
                        lat=round(lat + drift, 3),
                        lon=round(lon, 3),
                        team_id="team-1",
                        at=to_timestamp(at),
                    ),
                )
            )
    return events


def fix_batches(
    members: dict[str, tuple[float, float]],
    *,
    batches: int,
    fixes_per_batch: int,
    start_ms: int = 0,
) -> list[Event]:
    """``batches`` accepted fix batches on the internal topic, spread over ``members`` (on duty
    in location at the given spots), a fix every ``FIX_EVERY_S`` each, every batch carrying the
    fixes since the member's previous one. The members stand at their spots (within 2 m), so they
    stay where dispatch expects them; the timeline starts now (or at ``start_ms`` if later),
    after any fix location holds: a batch older than the position shown would take a cheaper
    path than a real one."""
    ids = list(members)
    per_member = math.ceil(batches / len(ids))
    now_ms = max(start_ms, int(datetime.now(UTC).timestamp() * 1000))
    offsets_ms = np.arange(fixes_per_batch, dtype=np.int64) * FIX_EVERY_S * 1000
    events: list[Event] = []
    for k in range(per_member):
        for member in ids:
            if len(events) == batches:
                return events
            lat0, lon0 = members[member]
            ts = now_ms + k * fixes_per_batch * FIX_EVERY_S * 1000 + offsets_ms
            angle = ts / 60_000  # a slow circle of 2 m: standing, as phones report it
            n = fixes_per_batch
            columns = location_model.FixColumns(
                lat0 + 2.0 * np.sin(angle) / 111_320,
                lon0 + 2.0 * np.cos(angle) / (111_320 * math.cos(math.radians(lat0))),
                ts,
                np.full(n, 8.0),
                np.full(n, 0.2),
                np.zeros(n),
            )
            batch = location_events.FixBatch(
                member_id=member,
                columns=fix_columns_message(columns, np.zeros(n, dtype=np.uint8)),
            )
            events.append(
                Event(
                    type=FIXES_ACCEPTED,
                    source="/shouwang/location",
                    subject=member,
                    time=from_millis(int(ts[-1])),
                    data=batch,
                )
            )
    return events


def _spot(rng: random.Random, side_km: float = 20.0) -> tuple[float, float]:
    north, east = rng.uniform(-side_km / 2, side_km / 2), rng.uniform(-side_km / 2, side_km / 2)
    lat = CENTRE[0] + north / 111.32
    return lat, CENTRE[1] + east / (111.32 * math.cos(math.radians(CENTRE[0])))
