"""The location service on the embedded adapters: duty, ingestion through the internal topic,
presence, geofence events, tracks and retention, and a replica rebuilding its live view."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from services.location import bootstrap, grpc_api, handlers, model, positions, presence
from services.location.bootstrap import LocationService
from services.location.live_view import FIXES_ACCEPTED, INTERNAL_TOPIC, LiveView, Placement
from shouwang.clock import ManualClock, to_millis
from shouwang.errors import Forbidden, InvalidArgument
from shouwang.events import Event
from shouwang.location.v1 import events_pb2
from shouwang.location.v1 import location_pb2 as pb
from shouwang.runtime import Adapters, embedded_adapters
from tests.support.api import wait_for

START = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
PUBLIC_TYPES = {
    "shouwang.member.duty_started": events_pb2.DutyStarted,
    "shouwang.member.duty_ended": events_pb2.DutyEnded,
    "shouwang.member.went_offline": events_pb2.PresenceChanged,
    "shouwang.member.came_online": events_pb2.PresenceChanged,
    "shouwang.location.updated": events_pb2.LocationUpdated,
    "shouwang.geofence.entered": events_pb2.GeofenceCrossed,
    "shouwang.geofence.exited": events_pb2.GeofenceCrossed,
}


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, event_type: str) -> list[Event]:
        with self._lock:
            return [e for e in self.events if e.type == event_type]


class Running:
    def __init__(
        self, data: Path, clock: ManualClock, *, sole_replica: bool = False, bus: bool = True
    ) -> None:
        self.adapters: Adapters = embedded_adapters(data)
        self.adapters.clock = clock
        self.recorder = Recorder()
        for topic in ("shouwang.presence.v1", "shouwang.location.v1"):
            self.adapters.bus.subscribe(
                topic, group="test-recorder", handler=self.recorder, payload_types=PUBLIC_TYPES
            )
        self.service: LocationService = bootstrap.build(self.adapters, sole_replica=sole_replica)
        if bus:  # else nothing published reaches a consumer: the view has only what is applied
            self.adapters.bus.start()

    @property
    def ports(self):  # type: ignore[no-untyped-def]
        return self.service.ports

    def stop(self) -> None:
        self.service.close()
        self.adapters.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(autouse=True)
def sweep_when_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests run the presence sweep themselves: its job, on a timer of real seconds, would
    flip members at any moment the manual clock has been moved on; the same for the periodic
    position writes."""
    monkeypatch.setattr(bootstrap, "SWEEP_EVERY_S", 3600.0)
    monkeypatch.setattr(bootstrap, "SAVE_POSITIONS_EVERY_S", 3600.0)


@pytest.fixture
def running(tmp_path: Path, clock: ManualClock) -> Iterator[Running]:
    service = Running(tmp_path, clock)
    yield service
    service.stop()


@pytest.fixture
def sole(tmp_path: Path, clock: ManualClock) -> Iterator[Running]:
    """The replica that starts and ends every duty, as in the all-in-one."""
    service = Running(tmp_path, clock, sole_replica=True)
    yield service
    service.stop()


def on_duty(running: Running, member_id: str, *, skills: tuple[str, ...] = ()) -> None:
    handlers.start_duty(
        running.ports,
        pb.DutyRequest(member_id=member_id, team_id="t1", station_id="s1", skills=skills),
    )


def report(running: Running, member_id: str, lat: float, lon: float, *, ago_s: float = 0) -> None:
    now = to_millis(running.ports.clock.now())
    handlers.report_fixes(
        running.ports,
        member_id,
        crs="wgs84",
        fixes=[model.RawFix(lat=lat, lon=lon, ts_ms=int(now - ago_s * 1000))],
    )


def nearest(running: Running, lat: float, lon: float, k: int = 5) -> list[str]:
    from services.location import queries

    request = pb.NearestRequest(lat=lat, lon=lon, k=k, radius_m=5000)
    return [
        m
        for m, _ in queries.nearest(
            running.ports.view, request, now_s=running.ports.clock.now().timestamp()
        )
    ]


def test_fixes_from_members_off_duty_are_refused(running: Running) -> None:
    with pytest.raises(Forbidden):
        report(running, "m1", 27.8, 120.65)


@pytest.mark.parametrize("replica", ["sole", "running"])
def test_a_replica_takes_fixes_of_members_on_duty_without_reading_the_store(
    replica: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sole replica from its count of who it wrote on duty; one among others from its view."""
    service: Running = request.getfixturevalue(replica)
    on_duty(service, "m1")
    monkeypatch.setattr(service.ports.duty, "get", lambda member_id: pytest.fail("read"))
    report(service, "m1", 27.8, 120.65)


def test_on_the_sole_replica_no_fix_passes_after_an_end_whatever_its_live_view_shows(
    sole: Running,
) -> None:
    """The live view is fed by the bus, so it may show a member on duty after the end (a start's
    event published again, or replayed after a crash): the fix is refused all the same."""
    on_duty(sole, "m1")
    handlers.end_duty(sole.ports, "m1")
    on_duty(sole, "m1")
    handlers.end_duty(sole.ports, "m1")
    wait_for(lambda: not sole.ports.view.on_duty("m1"), what="the end in the live view")
    sole.ports.view.go_on_duty("m1", Placement("t1", "s1", "", ()), version=2**62)  # however

    with pytest.raises(Forbidden):
        report(sole, "m1", 27.8, 120.65)


def test_a_restarted_sole_replica_knows_who_is_on_duty_from_the_store(
    tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Running(tmp_path, clock, sole_replica=True)
    on_duty(first, "m1")
    on_duty(first, "m2")
    handlers.end_duty(first.ports, "m2")
    first.stop()

    restarted = Running(tmp_path, clock, sole_replica=True)
    try:
        monkeypatch.setattr(restarted.ports.duty, "get", lambda member_id: None)  # not asked
        report(restarted, "m1", 27.8, 120.65)
        with pytest.raises(Forbidden):
            report(restarted, "m2", 27.8, 120.65)
    finally:
        restarted.stop()


def test_an_end_that_fails_to_be_written_leaves_the_member_to_the_store(
    sole: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_duty(sole, "m1")

    def unavailable(*args: object) -> None:
        raise RuntimeError("the store is down")

    with monkeypatch.context() as outage:
        outage.setattr(sole.ports.duty.duty, "find_one_and_update", unavailable)
        with pytest.raises(RuntimeError):
            handlers.end_duty(sole.ports, "m1")
    read = sole.ports.duty.get
    asked: list[str] = []
    monkeypatch.setattr(sole.ports.duty, "get", lambda m: asked.append(m) or read(m))
    report(sole, "m1", 27.8, 120.65)  # the store still says on duty
    assert asked == ["m1"]  # no longer counted on duty here: the store was asked


def test_a_replica_among_others_asks_the_store_of_members_its_view_does_not_show(
    running: Running,
) -> None:
    """A start on another replica, its event not seen here yet."""
    running.ports.duty.start("m1", {"on_duty": True, "started_at": 0}, [])
    assert not running.ports.view.on_duty("m1")
    report(running, "m1", 27.8, 120.65)
    with pytest.raises(Forbidden):
        report(running, "m2", 27.8, 120.65)


def test_a_replica_applies_its_own_duty_changes_to_its_view_at_once(
    tmp_path: Path, clock: ManualClock
) -> None:
    """Not waiting for their events (here never delivered): a batch right after an end on this
    replica is refused."""
    replica = Running(tmp_path, clock, bus=False)
    try:
        on_duty(replica, "m1")
        assert replica.ports.view.on_duty("m1")
        handlers.end_duty(replica.ports, "m1")
        assert not replica.ports.view.on_duty("m1")
        with pytest.raises(Forbidden):
            report(replica, "m1", 27.8, 120.65)
    finally:
        replica.stop()


def report_across_the_end(running: Running, ended_ms: int, *, before_ms: int) -> None:
    """A batch another replica took: one fix ``before_ms`` before the end, one 5 s after."""
    handlers.report_fixes(
        running.ports,
        "m1",
        crs="wgs84",
        fixes=[
            model.RawFix(lat=27.8, lon=120.65, ts_ms=ended_ms - before_ms),
            model.RawFix(lat=27.8001, lon=120.65, ts_ms=ended_ms + 5_000),
        ],
    )


def test_after_an_end_on_another_replica_no_fix_taken_after_it_is_kept(
    running: Running, clock: ManualClock
) -> None:
    """The end's event has not reached this replica's view: the batch is taken, and the track
    keeper keeps its fix taken before the end, not the one after."""
    on_duty(running, "m1")
    wait_for(lambda: running.ports.view.on_duty("m1"), what="m1 on duty in the live view")
    ended_ms = to_millis(clock.now())
    running.ports.duty.end("m1", {"on_duty": False, "ended_at": ended_ms}, [])  # elsewhere
    clock.advance(10)
    report_across_the_end(running, ended_ms, before_ms=5_000)
    wait_for(
        lambda: handlers.track(running.ports, "m1", from_ms=0, to_ms=2**62),
        what="the batch's track stored",
    )
    track = handlers.track(running.ports, "m1", from_ms=0, to_ms=2**62)  # one write: whole
    assert [fix.ts_ms for fix in track] == [ended_ms - 5_000]
    stored = running.ports.duty.get("m1")  # the batch's position undone: as the end left it
    assert "lat" not in stored and stored["last_seen"] == 0 and not stored["online"]


def test_an_end_read_before_another_replica_ended_and_started_again_changes_nothing(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The end's version, computed from its read, would be older than the new start's: the
    views would ignore it while the store said off duty."""
    on_duty(running, "m1")
    fix_gaps = handlers._fix_gaps

    def meanwhile_elsewhere(*args: object) -> int:
        monkeypatch.setattr(handlers, "_fix_gaps", fix_gaps)
        handlers.end_duty(running.ports, "m1")
        on_duty(running, "m1")
        return 0

    monkeypatch.setattr(handlers, "_fix_gaps", meanwhile_elsewhere)
    with pytest.raises(Forbidden):
        handlers.end_duty(running.ports, "m1")
    assert running.ports.duty.get("m1")["on_duty"]
    assert running.ports.view.on_duty("m1")


def test_a_starting_replica_ignores_duty_changes_older_than_the_stored_ones(
    tmp_path: Path, clock: ManualClock
) -> None:
    """Also for members off duty: a start replayed while the replica catches up (or published
    again by an outbox's recovery) does not put them back on duty."""
    first = Running(tmp_path, clock)
    on_duty(first, "m1")
    started = first.ports.duty.get("m1")["duty_version"]
    clock.advance(1)
    handlers.end_duty(first.ports, "m1")
    first.stop()
    restarted = Running(tmp_path, clock, bus=False)
    try:
        restarted.ports.view.go_on_duty("m1", Placement("t1", "s1", "", ()), version=started)
        assert not restarted.ports.view.on_duty("m1")
    finally:
        restarted.stop()


def test_the_live_view_ignores_a_duty_change_older_than_one_it_applied() -> None:
    """A start's event published again after the end must not put the member back on duty."""
    view = LiveView()
    placement = Placement("t1", "s1", "", ())
    view.go_on_duty("m1", placement, version=10)
    view.go_off_duty("m1", version=11)
    view.go_on_duty("m1", placement, version=10)  # the start again
    assert not view.on_duty("m1")
    view.go_on_duty("m1", placement, version=12)
    assert view.on_duty("m1")
    view.go_off_duty("m1")  # without a version (from before versions): not where one is known
    assert view.on_duty("m1")


def test_duty_versions_rise_even_when_the_clock_goes_back(
    running: Running, clock: ManualClock
) -> None:
    on_duty(running, "m1")
    started = running.ports.duty.get("m1")["duty_version"]
    clock.advance(-60)  # this replica's clock behind the one that started the duty
    handlers.end_duty(running.ports, "m1")
    ended = running.ports.duty.get("m1")["duty_version"]
    assert ended > started
    assert not running.ports.view.on_duty("m1")


def test_going_on_duty_publishes_duty_started(running: Running) -> None:
    on_duty(running, "m1")
    wait_for(lambda: running.recorder.of("shouwang.member.duty_started"), what="duty_started")


def test_reported_fixes_reach_the_live_view_nearest_first(running: Running) -> None:
    for member, offset in (("near", 0.001), ("far", 0.01), ("mid", 0.005)):
        on_duty(running, member)
        report(running, member, 27.8 + offset, 120.65)
    wait_for(lambda: len(nearest(running, 27.8, 120.65)) == 3, what="three members indexed")
    assert nearest(running, 27.8, 120.65) == ["near", "mid", "far"]


def test_busy_members_are_not_offered(running: Running) -> None:
    for member in ("a", "b"):
        on_duty(running, member)
        report(running, member, 27.8, 120.65)
    handlers.set_busy(running.ports, "a", True)
    wait_for(lambda: nearest(running, 27.8, 120.65) == ["b"], what="busy member excluded")


def test_member_without_fix_for_two_minutes_goes_offline_and_back(
    running: Running, clock: ManualClock
) -> None:
    on_duty(running, "m1")
    report(running, "m1", 27.8, 120.65)
    wait_for(lambda: running.recorder.of("shouwang.member.came_online"), what="came online")
    wait_for(lambda: running.ports.duty.get("m1").get("online"), what="online in the snapshot")
    wait_for(lambda: in_view_at(running, "m1"), what="in the live view")
    clock.advance(model.OFFLINE_AFTER_S + 1)
    assert running.service.sweep.run() == 1
    assert running.service.sweep.run() == 0
    wait_for(lambda: running.recorder.of("shouwang.member.went_offline"), what="went offline")
    report(running, "m1", 27.8, 120.65)
    wait_for(
        lambda: len(running.recorder.of("shouwang.member.came_online")) == 2,
        what="back online on the next fix",
    )


def test_entering_a_registered_geofence_publishes_entered(running: Running) -> None:
    on_duty(running, "m1")
    report(running, "m1", 27.81, 120.65, ago_s=30)
    running.service.ports.fences.save(
        {
            "_id": "fence-1",
            "ref": "task-1",
            "area": {"circle": {"lat": 27.8, "lon": 120.65, "radius_m": 200}},
            "member_ids": ["m1"],
            "expires_at": to_millis(START) + 3_600_000,
        }
    )
    running.service.keeper.refresh_fences(force=True)
    report(running, "m1", 27.8, 120.65)
    entered = wait_for(lambda: running.recorder.of("shouwang.geofence.entered"), what="entered")
    assert entered[0].data.ref == "task-1" and entered[0].data.member_id == "m1"


def test_location_updates_are_throttled_per_member(running: Running, clock: ManualClock) -> None:
    on_duty(running, "m1")
    for step in range(6):  # a fix every 2 s, 5 m apart: one update per 10 s
        report(running, "m1", 27.8 + step * 0.00005, 120.65)
        clock.advance(2)
    wait_for(
        lambda: len(handlers.track(running.ports, "m1", from_ms=0, to_ms=2**62)) == 6,
        what="all six fixes stored",
    )
    wait_for(lambda: len(running.recorder.of("shouwang.location.updated")) >= 2, what="updates")
    updates = running.recorder.of("shouwang.location.updated")
    assert [u.data.at.seconds - updates[0].data.at.seconds for u in updates] == [0, 10]
    assert updates[0].data.lat == round(updates[0].data.lat, 3)  # coarse, not a trace


def test_tracks_are_kept_then_deleted_after_retention(running: Running, clock: ManualClock) -> None:
    on_duty(running, "m1")
    report(running, "m1", 27.8, 120.65)
    start_ms = to_millis(START)
    wait_for(
        lambda: handlers.track(
            running.ports, "m1", from_ms=start_ms - 60_000, to_ms=start_ms + 60_000
        ),
        what="track stored",
    )
    clock.advance(31 * 86_400)
    assert handlers.purge_tracks(running.ports) == 1
    assert handlers.track(running.ports, "m1", from_ms=0, to_ms=2**62) == []


def test_duty_end_reports_uncovered_five_minute_windows(
    running: Running, clock: ManualClock
) -> None:
    on_duty(running, "m1")
    report(running, "m1", 27.8, 120.65)
    wait_for(lambda: handlers.track(running.ports, "m1", from_ms=0, to_ms=2**62), what="track")
    clock.advance(20 * 60)  # 4 windows, only the first has a fix
    handlers.end_duty(running.ports, "m1")
    ended = wait_for(lambda: running.recorder.of("shouwang.member.duty_ended"), what="ended")
    assert ended[0].data.fix_gaps == 3


def test_restarted_replica_gives_the_same_answers(tmp_path: Path, clock: ManualClock) -> None:
    first = Running(tmp_path, clock)
    for member, offset in (("a", 0.001), ("b", 0.002), ("c", 0.003)):
        on_duty(first, member)
        report(first, member, 27.8 + offset, 120.65)
    wait_for(
        lambda: all(first.ports.duty.get(m).get("last_seen") for m in "abc"), what="positions saved"
    )
    # The live view follows the fixes through the bus, apart from the saved positions.
    before = wait_for(
        lambda: found if len(found := nearest(first, 27.8, 120.65)) == 3 else None,
        what="the three members in the live view",
    )
    first.stop()
    second = Running(tmp_path, clock)
    try:
        assert nearest(second, 27.8, 120.65) == before == ["a", "b", "c"]
    finally:
        second.stop()


@pytest.mark.parametrize(
    ("from_ms", "to_ms"), [(0, 2**62), (10_000, 5_000), (0, 24 * 3600 * 1000 + 1)]
)
def test_a_track_is_read_a_day_at_most_whoever_asks(
    running: Running, from_ms: int, to_ms: int
) -> None:
    servicer = grpc_api.LocationServicer(running.ports)
    request = pb.GetTrackRequest(member_id="m1", from_ms=from_ms, to_ms=to_ms)
    with pytest.raises(InvalidArgument) as refused:
        servicer.GetTrack(request, None)
    assert [error.field for error in refused.value.errors] == ["to"]


def stored_last_seen(running: Running, member_id: str) -> int:
    return running.ports.duty.get(member_id).get("last_seen", 0)


def in_view_at(running: Running, member_id: str) -> int:
    """The time of the member's fix in the live view, in ms (0: not there)."""
    position = running.ports.view.index.get(member_id)
    return round(position.last_seen * 1000) if position else 0


def one_fix_then_silence(running: Running, clock: ManualClock) -> None:
    """m1 on duty, one fix stored and in the live view, then 2 minutes without one."""
    on_duty(running, "m1")
    report(running, "m1", 27.8, 120.65)
    wait_for(lambda: stored_last_seen(running, "m1"), what="the position written")
    wait_for(lambda: in_view_at(running, "m1"), what="in the live view")
    clock.advance(model.OFFLINE_AFTER_S + 1)


def track_times(running: Running, member_id: str) -> list[int]:
    return [fix.ts_ms for fix in handlers.track(running.ports, member_id, from_ms=0, to_ms=2**62)]


def two_batches_5_s_apart(running: Running, clock: ManualClock, member_id: str = "m1") -> int:
    """On duty, then two batches handled one after the other; the second's time in ms."""
    on_duty(running, member_id)
    report(running, member_id, 27.8, 120.65)
    wait_for(lambda: track_times(running, member_id), what="the first batch stored")
    clock.advance(5)
    report(running, member_id, 27.8005, 120.65)
    wait_for(lambda: len(track_times(running, member_id)) == 2, what="both batches stored")
    return to_millis(clock.now())


def test_a_member_sending_has_their_position_written_once_per_checkpoint(
    running: Running, clock: ManualClock
) -> None:
    """Every fix in the track, one position write per interval, off the keeper's path (issue
    #19: a write per batch was what kept the keeper a quarter behind with 10,000 on duty); a
    member sending a batch every 100 s (as in bench.dispatch) stays online though the stored
    position is minutes old: the sweep goes by the live view."""
    clock.advance(model.OFFLINE_AFTER_S)  # past the sweep's wait after the replica started
    on_duty(running, "m1")
    first_ms = to_millis(clock.now())
    for sent in range(1, 4):
        report(running, "m1", 27.8, 120.65, ago_s=sent)
        wait_for(lambda n=sent: len(track_times(running, "m1")) == n, what="the batch stored")
        sent_ms = to_millis(clock.now()) - sent * 1_000
        wait_for(lambda t=sent_ms: in_view_at(running, "m1") == t, what="the batch in the view")
        clock.advance(positions.CHECKPOINT_S / 3)
        assert running.service.sweep.run() == 0
    assert stored_last_seen(running, "m1") == first_ms - 1_000
    assert running.service.keeper.positions.save_due() == 1
    assert stored_last_seen(running, "m1") == to_millis(clock.now()) - 100_000 - 3_000
    report(running, "m1", 27.8, 120.65)
    wait_for(lambda: len(track_times(running, "m1")) == 4, what="the fourth fix stored")
    assert running.service.keeper.positions.save_due() == 0
    assert running.ports.duty.get("m1")["online"]
    assert len(running.recorder.of("shouwang.member.came_online")) == 1
    assert not running.recorder.of("shouwang.member.went_offline")


def test_a_member_whose_store_position_is_fresher_than_the_view_is_left_online(
    running: Running, clock: ManualClock
) -> None:
    """This view behind (its consumer slow): the keeper has stored a later fix than it shows."""
    one_fix_then_silence(running, clock)
    running.ports.duty.record_position("m1", lat=27.8, lon=120.65, ts_ms=to_millis(clock.now()))
    assert running.service.sweep.run() == 0
    assert running.ports.duty.get("m1")["online"]


def test_members_found_offline_are_not_taken_first_again(
    running: Running, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One flip a run: the second run takes the other member, not the one already offline."""
    monkeypatch.setattr(presence, "_FLIPPED_PER_RUN", 1)
    for member in ("a", "b"):
        on_duty(running, member)
        report(running, member, 27.8, 120.65)
    wait_for(lambda: all(stored_last_seen(running, m) for m in "ab"), what="both online")
    wait_for(lambda: all(in_view_at(running, m) for m in "ab"), what="both in the live view")
    clock.advance(model.OFFLINE_AFTER_S + 1)
    assert [running.service.sweep.run() for _ in range(3)] == [1, 1, 0]
    assert not any(running.ports.duty.get(m)["online"] for m in "ab")


def test_a_member_stored_online_after_the_sweep_asked_is_asked_again_2_minutes_later(
    running: Running, clock: ManualClock
) -> None:
    """The track keeper behind the view: the member's only batch stored after the sweep found
    them not online."""
    on_duty(running, "m1")
    fix_ms = to_millis(clock.now())
    running.ports.view.place("m1", 27.8, 120.65, fix_ms / 1000, suspect=False)  # keeper not yet
    clock.advance(model.OFFLINE_AFTER_S + 1)
    assert running.service.sweep.run() == 0
    running.ports.duty.record_position("m1", lat=27.8, lon=120.65, ts_ms=fix_ms)  # caught up
    assert running.service.sweep.run() == 0
    clock.advance(model.OFFLINE_AFTER_S)
    assert running.service.sweep.run() == 1


def test_the_sweep_waits_until_its_view_has_caught_up_with_the_topic(
    tmp_path: Path, clock: ManualClock
) -> None:
    """A starting replica's view replays the fixes since its group's last commit."""
    replica = Running(tmp_path, clock, bus=False)
    try:
        on_duty(replica, "m1")
        replica.ports.view.place("m1", 27.8, 120.65, clock.now().timestamp(), suspect=False)
        clock.advance(model.OFFLINE_AFTER_S + 1)
        assert replica.service.sweep.run() == 0
        replica.adapters.bus.start()
        wait_for(
            lambda: replica.adapters.bus.caught_up(replica.service.sweep.live_group),
            what="the view caught up",
        )
        replica.ports.duty.record_position("m1", lat=27.8, lon=120.65, ts_ms=1)  # online, long ago
        assert replica.service.sweep.run() == 1
    finally:
        replica.stop()


def test_a_starting_replicas_sweep_waits_for_the_members_next_batches(
    running: Running, clock: ManualClock
) -> None:
    """Its view starts from the stored checkpoints, up to an interval old."""
    one_fix_then_silence(running, clock)
    restarted = presence.OfflineSweep(running.ports, live_group=running.service.sweep.live_group)
    assert restarted.run() == 0
    clock.advance(model.OFFLINE_AFTER_S)
    assert restarted.run() == 1


def test_the_last_position_of_a_member_gone_quiet_is_written_after_the_interval(
    running: Running, clock: ManualClock
) -> None:
    last_ms = two_batches_5_s_apart(running, clock)
    clock.advance(positions.QUIET_AFTER_S - 1)
    running.service.keeper.positions.save_due()  # (or the periodic job, whichever first)
    assert stored_last_seen(running, "m1") == last_ms - 5_000
    clock.advance(1)
    running.service.keeper.positions.save_due()
    assert stored_last_seen(running, "m1") == last_ms
    assert running.ports.duty.get("m1")["lat"] == 27.8005


def test_a_periodic_write_finding_the_duty_ended_makes_the_next_batch_read_it(
    running: Running, clock: ManualClock
) -> None:
    """An end made on another replica, its event not out: a batch taken on the checkpoint
    keeps its fix after the end in the track (the window left open), until the write at the
    interval, conditional on the duty, is not made; the next batch's fix is neither kept nor
    derived from, and no fix after the end is in the duty document."""
    two_batches_5_s_apart(running, clock)
    ended_ms = to_millis(clock.now())
    version = running.ports.duty.get("m1")["duty_version"] + 1
    running.ports.duty.end(
        "m1", {"on_duty": False, "ended_at": ended_ms, "duty_version": version}, []
    )
    clock.advance(positions.CHECKPOINT_S - 60)
    in_the_window_ms = to_millis(clock.now())
    report(running, "m1", 27.81, 120.65)
    wait_for(lambda: len(track_times(running, "m1")) == 3, what="the batch on the checkpoint")
    clock.advance(60)
    assert running.service.keeper.positions.save_due() == 0
    assert running.ports.duty.get("m1")["lat"] == 27.8
    report(running, "m1", 27.82, 120.65)
    on_duty(running, "m2")  # handled after m1's batch: once it is in m2's track
    report(running, "m2", 27.8, 120.65)
    wait_for(lambda: track_times(running, "m2"), what="the batch after it handled")
    assert track_times(running, "m1") == [ended_ms - 5_000, ended_ms, in_the_window_ms]
    assert running.ports.duty.get("m1")["lat"] == 27.8
    assert (
        max(
            u.data.at.ToMilliseconds()
            for u in running.recorder.of("shouwang.location.updated")
            if u.data.member_id == "m1"
        )
        <= in_the_window_ms
    )


def test_a_periodic_write_leaves_a_newer_position_another_keeper_stored(
    running: Running, clock: ManualClock
) -> None:
    """The member's partition moved to another replica, whose keeper wrote a later fix."""
    last_ms = two_batches_5_s_apart(running, clock)
    running.ports.duty.record_position("m1", lat=27.9, lon=120.65, ts_ms=last_ms + 1_000)
    clock.advance(positions.QUIET_AFTER_S)
    assert running.service.keeper.positions.save_due() == 0
    assert running.ports.duty.get("m1")["lat"] == 27.9


def test_the_position_not_yet_written_is_written_when_the_sweep_flips_the_member(
    running: Running, clock: ManualClock
) -> None:
    """The flip's event may reach the keeper before the quiet write: the last position stays."""
    two_batches_5_s_apart(running, clock)
    wait_for(lambda: in_view_at(running, "m1"), what="in the live view")
    clock.advance(model.OFFLINE_AFTER_S + 1)
    assert running.service.sweep.run() == 1
    wait_for(
        lambda: running.ports.duty.get("m1")["lat"] == 27.8005, what="the last position written"
    )


def test_a_clean_stop_writes_every_position_not_yet_written(
    tmp_path: Path, clock: ManualClock
) -> None:
    first = Running(tmp_path, clock)
    two_batches_5_s_apart(first, clock)
    first.stop()
    second = Running(tmp_path, clock, bus=False)
    try:
        assert second.ports.duty.get("m1")["lat"] == 27.8005
    finally:
        second.stop()


def test_fixes_after_an_end_taken_before_its_event_came_leave_the_track_with_it(
    running: Running, clock: ManualClock
) -> None:
    """The keeper takes a batch on its checkpoint, without a read: one that reached it before
    the end's event keeps its fixes stamped after the end until that event removes them."""
    on_duty(running, "m1")
    report(running, "m1", 27.8, 120.65)
    wait_for(lambda: track_times(running, "m1"), what="the first fix stored")
    started_ms = to_millis(clock.now())
    clock.advance(5)
    ended = clock.now()
    ended_ms = to_millis(ended)
    running.ports.duty.end("m1", {"on_duty": False, "ended_at": ended_ms}, [])  # event not out
    clock.advance(10)
    report_across_the_end(running, ended_ms, before_ms=1_000)
    wait_for(lambda: len(track_times(running, "m1")) == 3, what="the batch kept on the checkpoint")
    running.ports.bus.publish(
        INTERNAL_TOPIC, [handlers._duty_change("m1", False, {}, ended, ended_ms)]
    )
    wait_for(
        lambda: track_times(running, "m1") == [started_ms, ended_ms - 1_000],
        what="the fix taken after the end gone, the others kept",
    )


def test_duty_state_shows_the_live_views_last_fix_beyond_the_checkpoint(
    running: Running, clock: ManualClock
) -> None:
    latest_ms = two_batches_5_s_apart(running, clock)
    wait_for(lambda: in_view_at(running, "m1") == latest_ms, what="the live view at the latest fix")
    state = grpc_api.LocationServicer(running.ports).GetDutyState(
        pb.GetDutyStateRequest(member_id="m1"), None
    )
    assert state.last_seen.ToMilliseconds() == latest_ms > stored_last_seen(running, "m1")


def test_a_checkpoint_does_not_stand_once_the_live_view_knows_another_duty(
    running: Running, clock: ManualClock
) -> None:
    """The end made on this replica (its view at once), its event not out yet: a batch another
    replica took meanwhile is read against the store, and nothing is derived from its fix
    stamped after the end."""
    on_duty(running, "m1")
    report(running, "m1", 27.8, 120.65)
    wait_for(lambda: track_times(running, "m1"), what="the first fix stored")
    clock.advance(5)
    ended_ms = to_millis(clock.now())
    version = running.ports.duty.get("m1")["duty_version"] + 1
    running.ports.duty.end(
        "m1", {"on_duty": False, "ended_at": ended_ms, "duty_version": version}, []
    )
    running.ports.view.go_off_duty("m1", version=version)
    clock.advance(10)
    late = model.FixColumns.of([model.RawFix(lat=27.81, lon=120.65, ts_ms=ended_ms + 5_000)])
    columns = handlers.fix_columns_message(late, np.zeros(1, dtype=np.uint8))
    batch = events_pb2.FixBatch(member_id="m1", columns=columns)
    running.ports.bus.publish(
        INTERNAL_TOPIC,
        [Event(type=FIXES_ACCEPTED, source="/test", subject="m1", time=clock.now(), data=batch)],
    )
    # handled after the batch: once it is in m2's track, m1's batch was handled
    marker = events_pb2.FixBatch(member_id="m2", columns=columns)
    on_duty(running, "m2")
    running.ports.bus.publish(
        INTERNAL_TOPIC,
        [Event(type=FIXES_ACCEPTED, source="/test", subject="m2", time=clock.now(), data=marker)],
    )
    wait_for(lambda: track_times(running, "m2"), what="the batch after it handled")
    assert track_times(running, "m1") == [ended_ms - 5_000]
    assert [
        u.data.at.ToMilliseconds()
        for u in running.recorder.of("shouwang.location.updated")
        if u.data.member_id == "m1"
    ] == [ended_ms - 5_000]


def test_an_ends_event_handled_again_after_a_later_period_leaves_that_periods_fixes(
    running: Running, clock: ManualClock
) -> None:
    on_duty(running, "m1")
    clock.advance(5)
    first_end = clock.now()
    handlers.end_duty(running.ports, "m1")
    clock.advance(60)
    on_duty(running, "m1")
    report(running, "m1", 27.8, 120.65)
    later_ms = to_millis(clock.now())
    wait_for(lambda: track_times(running, "m1") == [later_ms], what="the later period's fix")
    clock.advance(5)
    handlers.end_duty(running.ports, "m1")
    running.ports.bus.publish(  # the first end's event again (redelivered)
        INTERNAL_TOPIC, [handlers._duty_change("m1", False, {}, first_end, 1)]
    )
    on_duty(running, "m2")
    report(running, "m2", 27.8, 120.65)
    wait_for(lambda: track_times(running, "m2"), what="a batch after the event handled")
    assert track_times(running, "m1") == [later_ms]


def test_once_stopping_each_position_is_written_as_it_comes(
    running: Running, clock: ManualClock
) -> None:
    """The bus may hand over a run while it closes, after the keeper saved what it held."""
    on_duty(running, "m1")
    report(running, "m1", 27.8, 120.65)
    wait_for(lambda: track_times(running, "m1"), what="the first batch stored")
    running.service.keeper.positions.save_all()
    for sent in (2, 3):
        clock.advance(5)
        report(running, "m1", 27.8005, 120.65)
        wait_for(lambda n=sent: len(track_times(running, "m1")) == n, what="the batch stored")
    assert stored_last_seen(running, "m1") == to_millis(clock.now())
