"""The capacity benchmark's backlogs are real traffic: what location's own validation accepts, and
events the measured consumer groups handle rather than skip (bench/capacity/backlogs.py)."""

from __future__ import annotations

import numpy as np

from bench.capacity import backlogs
from services.comms.bootstrap import TASK_GROUP_EVENTS
from services.location import model
from services.location.live_view import INTERNAL_EVENTS, batch_columns
from services.points.handlers import TASK_EVENTS as POINTS_TASK_EVENTS
from services.training.patrol_windows import LOCATION_EVENTS
from shouwang.events import decode, encode
from shouwang.tasks.v1.event_types import TASK_EVENT_TYPES

MEMBERS = [f"member-{i}" for i in range(40)]


def test_fix_batches_pass_location_validation_as_posted_one_after_another():
    spots = {m: (30.27 + i * 1e-3, 120.15) for i, m in enumerate(MEMBERS[:5])}
    batches = backlogs.fix_batches(spots, batches=20, fixes_per_batch=10)
    previous: dict[str, model.LastFix] = {}
    for event in batches:
        batch = decode(encode(event), INTERNAL_EVENTS).data
        fixes, _ = batch_columns(batch)
        checked = model.check_batch(
            fixes,
            crs="wgs84",
            previous=previous.get(batch.member_id),
            now_ms=int(fixes.ts_ms[-1]) + 1_000,  # posted a second after its last fix
        )
        assert checked.rejected == []
        assert not checked.flags.any()
        previous[batch.member_id] = model.LastFix(
            float(fixes.lat[-1]), float(fixes.lon[-1]), int(fixes.ts_ms[-1])
        )
    assert len(batches) == 20 and {len(batch_columns(e.data)[0]) for e in batches} == {10}


def test_a_later_backlog_continues_after_the_previous_one():
    spots = {m: (30.27, 120.15) for m in MEMBERS[:3]}
    first = backlogs.fix_batches(spots, batches=6, fixes_per_batch=10)
    end = max(int(e.data.columns.ts_ms[-1]) for e in first)
    second = backlogs.fix_batches(spots, batches=6, fixes_per_batch=50, start_ms=end + 5_000)
    assert min(int(e.data.columns.ts_ms[0]) for e in second) > end


def test_task_lives_give_each_consumer_its_share_of_the_topic():
    events = [decode(encode(e), TASK_EVENT_TYPES) for e in backlogs.task_lives(30, MEMBERS)]
    assert len(events) == 30 * backlogs.EVENTS_PER_TASK
    types = [e.type for e in events]
    assert sum(t in POINTS_TASK_EVENTS for t in types) == 30  # one award per task
    assert sum(t in TASK_GROUP_EVENTS for t in types) == 60  # claimed, then closed
    for task_id in {e.subject for e in events}:
        own = [e.type.rsplit(".", 1)[1] for e in events if e.subject == task_id]
        assert own == ["created", "offered", "claimed", "arrived", "resolved", "closed"]


def test_position_updates_are_one_per_member_every_ten_seconds_in_time_order():
    events = backlogs.position_updates(MEMBERS[:4], minutes=2)
    assert len(events) == 4 * 12
    decoded = [decode(encode(e), LOCATION_EVENTS) for e in events]
    times = np.array([e.time.timestamp() for e in decoded])
    assert (np.diff(times) >= 0).all()
    first = [e for e in decoded if e.subject == MEMBERS[0]]
    assert set(np.diff([e.time.timestamp() for e in first])) == {backlogs.UPDATE_EVERY_S}
