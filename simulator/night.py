"""A patrol night driven through the public HTTP API and ``/stream``, as the apps would drive it.

One engine thread owns every simulated member's state (position, route, what they are doing)
and a timetable of what happens next; the HTTP calls run on a small pool of workers whose
answers come back to the engine through its inbox, and one reader thread holds every member's
push stream. So the threads and connections are bounded whatever the number of members.

Time: the plan's delays and speeds are in simulated seconds, divided by ``speed`` on the wall
clock. Fixes carry wall-clock times (the server refuses others), so a member's speed in
wall-clock terms is capped below the location service's plausibility limit.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import logging
import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TextIO
from urllib.parse import urlsplit

from simulator.client import Http, Reply, Session
from simulator.patroller import Patroller
from simulator.photo import multipart, photo
from simulator.plan import Decision, Member, Plan, credentials, make_plan
from simulator.stream import StreamReader
from simulator.streets import offset
from simulator.town import SetupFailed, Town

log = logging.getLogger(__name__)

OFFICER_LABEL = "demo-officer"
# Wall-clock metres per second a member may appear to move: the location service flags fixes
# implying more than 300 km/h, so a fast-forwarded rider is slowed down to stay well below.
MAX_WALL_SPEED_MPS = 70.0
# Going off duty when the night stops: tries per member (0.5, 1, 2 s apart) and the wait for each.
OFF_DUTY_TRIES = 4
OFF_DUTY_WAIT_S = 60.0
TASK_TITLES = ("可疑人员徘徊", "邻里纠纷", "电动车乱停放", "老人走失", "消防通道堵塞", "醉酒人员")
TIP_CATEGORIES = ("safety_hazard", "crime_clue", "traffic", "fire", "dispute", "other")
TIP_TEXTS = {
    "safety_hazard": "井盖缺失,有坠落危险",
    "crime_clue": "有人深夜撬电动车锁",
    "traffic": "路口红绿灯故障",
    "fire": "楼道堆放杂物,有火灾隐患",
    "dispute": "商户与顾客发生争执",
    "other": "路灯不亮",
}


@dataclass(frozen=True, kw_only=True)
class SimulationSettings:
    url: str
    admin_phone: str
    admin_password: str
    members: int = 300
    seed: int = 1
    speed: float = 1.0
    workers: int = 6  # HTTP workers, and so connections
    fix_every_s: float = 5.0  # wall-clock seconds between a member's fixes
    post_every_s: float = 15.0  # wall-clock seconds between a member's batches of fixes
    tip_every_s: float = 120.0  # simulated seconds between tips, on average (city-wide)
    dispatch_every_s: float = 240.0  # simulated seconds between the officer's tasks
    review_every_s: float = 60.0  # simulated seconds between the officer's rounds
    rollcall_every_s: float = 3600.0
    patrol_log_every_s: float = 1800.0  # simulated, per trainee or rostered member
    summary_every_s: float = 60.0  # wall-clock seconds between progress lines
    progress: TextIO | None = field(default=sys.stderr, repr=False)

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValueError("speed must be positive")
        if self.members < 1:
            raise ValueError("members must be at least 1")


class Simulation:
    """``start()`` sets up the night in the background and runs it until ``stop()``."""

    def __init__(self, settings: SimulationSettings) -> None:
        self.settings = settings
        self.plan: Plan = make_plan(settings.seed, members=settings.members)
        self.http = Http(settings.url)
        parts = urlsplit(settings.url)
        self.officer_password = credentials(settings.admin_password, settings.seed, "officer")
        self.counts: Counter[str] = Counter()
        self.ready = threading.Event()
        self.failed: BaseException | None = None
        self._stop = threading.Event()
        self._inbox: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._pool = ThreadPoolExecutor(settings.workers, thread_name_prefix="sim-http")
        self._reader = StreamReader(
            parts.hostname or "127.0.0.1",
            parts.port or 80,
            on_event=lambda owner, kind, data: self._inbox.put(
                lambda: self._on_event(owner, kind, data)
            ),
            on_closed=lambda owner: self._inbox.put(lambda: self._on_stream_closed(owner)),
        )
        self._thread = threading.Thread(target=self._run, name="sim-engine", daemon=True)
        self.patrollers: dict[str, Patroller] = {}
        self._enrolled: list[Patroller] = []  # on duty so far, from the setup's workers
        self._enrolled_lock = threading.Lock()
        # Every enrolment submitted: a stop during setup waits for those under way, whose
        # members may be on duty already although they are not yet in _enrolled.
        self._enrolments: list[Future[Patroller | None]] = []
        self.admin = Session(
            self.http, phone=settings.admin_phone, password=settings.admin_password
        )
        self.officer = Session(
            self.http, phone=self.plan.officer.phone, password=self.officer_password
        )
        self.cohort: dict[str, Any] = {}
        self._rollcalls_opened = 0
        # The town's own events, each an independent stream so one does not shift the other.
        self._tips, self._dispatches = self.plan.rng("tips"), self.plan.rng("dispatches")

    # Lifecycle ----------------------------------------------------------------------------------

    @property
    def officer_login(self) -> str:
        return (
            f"{OFFICER_LABEL} ({self.plan.officer.name}): phone {self.plan.officer.phone}, "
            f"password {self.officer_password}"
        )

    @property
    def officer_hint(self) -> dict[str, str]:
        """What a console's login page may show while this night runs on its server."""
        return {
            "officer": OFFICER_LABEL,
            "name": self.plan.officer.name,
            "phone": self.plan.officer.phone,
            "password": self.officer_password,
        }

    def start(self) -> Simulation:
        self._thread.start()
        return self

    def stop(self, *, end_duty: bool = False) -> None:
        """Stop the night; with ``end_duty`` every member goes off duty first."""
        self._stop.set()
        self._thread.join(timeout=30)
        self._reader.stop()
        if end_duty:
            wait(list(self._enrolments), timeout=OFF_DUTY_WAIT_S)  # those under way finish
            with self._enrolled_lock:  # everyone who went on duty, setup finished or not
                enrolled = list(self._enrolled)
            ends = [self._pool.submit(_go_off_duty, p) for p in enrolled]
            for end in ends:  # each is bounded by its few tries
                with contextlib.suppress(TimeoutError):
                    end.result(timeout=OFF_DUTY_WAIT_S)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def wait_ready(self, timeout_s: float) -> bool:
        """True once every member is on duty and the night runs; raises if setup failed."""
        ended = self.ready.wait(timeout_s)
        if self.failed is not None:
            raise SetupFailed(str(self.failed)) from self.failed
        return ended

    def _run(self) -> None:
        try:
            self._set_up()
        except BaseException as error:
            self.failed = error
            log.error("the simulation could not be set up: %s", error)
            self._say(f"simulation: setup failed: {error}")
            self.ready.set()
            return
        self.ready.set()
        self._say(
            f"simulation: {len(self.patrollers)} members on duty "
            f"(seed {self.settings.seed}, speed {self.settings.speed:g})"
        )
        try:
            self._loop()
        except Exception:
            log.exception("the simulation stopped on an error")

    def _say(self, line: str, *, end: str = "\n") -> None:
        if self.settings.progress is not None:
            print(line, end=end, file=self.settings.progress, flush=True)

    def _progress(self, done: int, total: int) -> None:
        """One line rewritten in place on a terminal; a line per tenth in a log file."""
        line = f"simulation: {done}/{total} members registered, verified, on duty"
        terminal = self.settings.progress is not None and self.settings.progress.isatty()
        if terminal:
            self._say("\r" + line, end="" if done < total else "\n")
        elif done == total or done % max(1, total // 10) == 0:
            self._say(line)

    # Setup ------------------------------------------------------------------------------------

    def _set_up(self) -> None:
        town = Town(
            self.http,
            self.plan,
            admin=self.admin,
            officer=self.officer,
            secret=self.settings.admin_password,
        )
        town.log_in_administrator()
        self._say("simulation: stations, teams and grids")
        town.set_up_orgs_and_grids()
        town.set_up_officer()
        self._enrol_everyone(town)
        if not self.patrollers:
            raise SetupFailed("no member could go on duty")
        self.cohort = town.set_up_class(list(self.patrollers.values()))
        self.counts["shifts"] = town.set_up_roster(list(self.patrollers.values()))
        now = time.monotonic()
        for patroller in self.patrollers.values():
            self._reader.open(patroller.key, patroller.session.access_token)
            stagger = patroller.member.index % 5
            patroller.next_fix_at = now + stagger * self.settings.fix_every_s / 5
            patroller.next_post_at = now + stagger * self.settings.post_every_s / 5
        self._reader.start()

    def _enrol_everyone(self, town: Town) -> None:
        """Enrol the members a few at a time (the workers stay free for other calls), and keep
        those already on duty fresh while the rest register: a long setup must not leave
        the first ones stale (offline after 2 minutes without a fix)."""
        waiting = iter(self.plan.members)
        enrolling: set[Future[Patroller | None]] = set()
        done, refreshed_at = 0, time.monotonic()
        while True:
            while len(enrolling) < 2 * self.settings.workers:
                member = next(waiting, None)
                if member is None:
                    break
                enrolment = self._pool.submit(self._enrol, town, member)
                enrolling.add(enrolment)
                self._enrolments.append(enrolment)
            if not enrolling:
                return
            if self._stop.is_set():
                raise SetupFailed("stopped during setup")
            finished, enrolling = wait(enrolling, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in finished:
                done += 1
                patroller = future.result()
                if patroller is not None:
                    self.patrollers[patroller.key] = patroller
                self._progress(done, len(self.plan.members))
            if time.monotonic() - refreshed_at > 30:
                refreshed_at = time.monotonic()
                for patroller in list(self.patrollers.values()):
                    fix = {"fixes": [patroller.fix(0.0)]}
                    self._pool.submit(patroller.session.post, "/location", fix)

    def _enrol(self, town: Town, member: Member) -> Patroller | None:
        patroller = None if self._stop.is_set() else town.enrol(member)
        if patroller is not None:
            with self._enrolled_lock:
                self._enrolled.append(patroller)
        return patroller

    # The engine ---------------------------------------------------------------------------------

    def _loop(self) -> None:
        sim = self.settings
        self._every(1.0, self._move_everyone, wall=True)
        self._after(self._dispatches.expovariate(2 / sim.dispatch_every_s), self._dispatch)
        self._after(self._tips.expovariate(1 / sim.tip_every_s), self._tip)
        self._every(sim.review_every_s, self._review_round)
        self._every(sim.summary_every_s, self._summarise, wall=True)
        if self.cohort:
            self._after(5.0, self._open_rollcall)
        for patroller in self.patrollers.values():
            if patroller.shift_id or patroller.member.trainee:
                first = patroller.rng.uniform(0.2, 1.0) * sim.patrol_log_every_s
                self._after(first, lambda p=patroller: self._file_patrol_log(p))
        while not self._stop.is_set():
            now = time.monotonic()
            while self._timers and self._timers[0][0] <= now:
                _, _, action = heapq.heappop(self._timers)
                self._perform(action)
            wait = min(0.25, max(0.0, self._timers[0][0] - now)) if self._timers else 0.25
            try:
                self._perform(self._inbox.get(timeout=wait))
                for _ in range(1000):  # then the timers again, however busy the inbox
                    self._perform(self._inbox.get_nowait())
            except queue.Empty:
                pass

    def _perform(self, action: Callable[[], None]) -> None:
        """One step of the night; a step that fails is logged, and the night goes on."""
        try:
            action()
        except Exception:
            log.exception("a simulated step failed")
            self.counts["steps_failed"] += 1

    def _after(self, sim_s: float, action: Callable[[], None], *, wall: bool = False) -> None:
        """Run ``action`` on the engine thread after ``sim_s`` simulated (or wall) seconds."""
        delay = sim_s if wall else sim_s / self.settings.speed
        heapq.heappush(self._timers, (time.monotonic() + delay, next(self._sequence), action))

    def _every(self, sim_s: float, action: Callable[[], None], *, wall: bool = False) -> None:
        def again() -> None:
            self._after(sim_s, again, wall=wall)  # first: a failing action still recurs
            action()

        self._after(sim_s, again, wall=wall)

    def _call(
        self,
        work: Callable[[], Any],
        then: Callable[[Any], None] | None = None,
        *,
        failed: Callable[[], None] | None = None,
    ) -> None:
        """Run ``work`` (HTTP) on a worker, then ``then(result)`` back on the engine thread
        (``failed()`` instead when the call raised)."""

        def job() -> None:
            if self._stop.is_set():
                return
            try:
                result = work()
            except Exception as error:  # a connection refused, a server gone away
                log.warning("simulated call failed: %s", error)
                self._inbox.put(lambda: self.counts.update(["call_errors"]))
                if failed is not None:
                    self._inbox.put(failed)
                return
            if then is not None:
                self._inbox.put(lambda: then(result))

        self._pool.submit(job)

    def _summarise(self) -> None:
        counts = self.counts
        self._say(
            f"simulation: {counts['fixes']} fixes, {counts['tasks']} tasks, {counts['offers']} "
            f"offers, {counts['claims']} claims, {counts['completed']} completed, "
            f"{counts['tips']} tips, {counts['checkins']} roll-call check-ins, "
            f"{counts['patrol_logs']} patrol logs; {counts['fixes_rejected']} fixes refused, "
            f"{counts['call_errors']} calls failed"
        )

    def _count(self, reply: Reply, status: int, what: str) -> None:
        self.counts[what if reply.status == status else f"{what}_refused"] += 1

    # Movement and fixes -------------------------------------------------------------------------

    def _move_everyone(self) -> None:
        now = time.monotonic()
        for patroller in self.patrollers.values():
            if not patroller.on_duty:
                continue
            self._move(patroller, now)
            if now >= patroller.next_fix_at:
                patroller.next_fix_at = now + self.settings.fix_every_s
                patroller.fixes.append(patroller.fix(self._wall_speed(patroller)))
            if now >= patroller.next_post_at and not patroller.posting:
                patroller.next_post_at = now + self.settings.post_every_s
                self._post_fixes(patroller)

    def _wall_speed(self, patroller: Patroller) -> float:
        if not patroller.walker.moving or patroller.paused_until > time.monotonic():
            return 0.0
        return min(patroller.member.speed_mps * self.settings.speed, MAX_WALL_SPEED_MPS)

    def _move(self, patroller: Patroller, now: float) -> None:
        if patroller.state == "on_scene" or patroller.paused_until > now:
            return
        patroller.walker.advance(self._wall_speed(patroller) * 1.0)
        if patroller.walker.moving:
            return
        if patroller.state == "travelling":
            self._arrive(patroller)
        elif patroller.state == "patrol":
            self._next_leg(patroller)

    def _next_leg(self, patroller: Patroller) -> None:
        """On to another corner of the team's patch (now and then the station's), sometimes
        after a pause to talk to a shopkeeper."""
        rng, plan = patroller.rng, self.plan
        team = plan.teams[patroller.member.team]
        nodes = plan.team_nodes(team) if rng.random() < 0.8 else plan.station_nodes(team.station)
        here = plan.streets.nearest_node(patroller.walker.position)
        route = plan.streets.route(here, rng.choice(nodes))
        patroller.walker.follow([plan.streets.nodes[n] for n in route])
        if rng.random() < 0.3:
            patroller.paused_until = time.monotonic() + rng.uniform(30, 180) / self.settings.speed

    def _post_fixes(self, patroller: Patroller) -> None:
        if not patroller.fixes:
            return
        batch, patroller.fixes = patroller.fixes, []
        patroller.posting = True

        def posted(reply: Reply) -> None:
            patroller.posting = False
            if reply.status == 202:
                self.counts["fixes"] += reply.body["accepted"]
                self.counts["fixes_rejected"] += len(reply.body["rejected"])
            elif reply.status == 403:  # off duty (the server restarted, or an officer acted)
                self._call(lambda: patroller.session.post("/duty/start"))

        def lost() -> None:
            patroller.posting = False

        self._call(
            lambda: patroller.session.post("/location", {"fixes": batch}), posted, failed=lost
        )

    # Offers, claims and the scene ---------------------------------------------------------------

    def _on_event(self, owner: str, kind: str, data: dict[str, Any]) -> None:
        patroller = self.patrollers.get(owner)
        if patroller is None:
            return
        if kind == "shouwang.task.offered":
            mine = any(o.get("member_id") == patroller.session.member_id for o in data["offers"])
            if mine:
                self._on_offer(patroller, data)
        elif kind == "shouwang.rollcall.opened":
            self._on_rollcall(patroller, data)

    def _on_offer(self, patroller: Patroller, offer: dict[str, Any]) -> None:
        self.counts["offers"] += 1
        task_id = offer["task_id"]
        decision: Decision = next(patroller.decisions)
        if decision.answer == "ignore" or patroller.state != "patrol":
            return
        if decision.answer == "decline":
            self._after(
                decision.delay_s,
                lambda: self._call(lambda: patroller.session.post(f"/tasks/{task_id}/decline")),
            )
            self.counts["declines"] += 1
            return
        patroller.offers[task_id] = (offer["lat"], offer["lon"])
        self._after(decision.delay_s, lambda: self._claim(patroller, task_id))

    def _claim(self, patroller: Patroller, task_id: str) -> None:
        scene = patroller.offers.pop(task_id, None)
        if patroller.state != "patrol" or scene is None:
            return

        def answered(reply: Reply) -> None:
            if reply.status != 200 or patroller.state != "patrol":
                self.counts["claims_refused"] += 1
                return
            self.counts["claims"] += 1
            patroller.state, patroller.task_id = "travelling", task_id
            patroller.paused_until = 0.0
            streets = self.plan.streets
            here = streets.nearest_node(patroller.walker.position)
            route = streets.route(here, streets.nearest_node(scene))
            patroller.walker.follow([*(streets.nodes[n] for n in route), scene])

        self._call(lambda: patroller.session.post(f"/tasks/{task_id}/claim"), answered)

    def _arrive(self, patroller: Patroller) -> None:
        """At the scene: the fixes tell the server (the arrival is detected from them); the
        member also taps "arrived" a little later in case the fixes were not enough, then
        stays a few minutes and completes with a photo."""
        patroller.state = "on_scene"
        task_id = patroller.task_id
        patroller.fixes.append(patroller.fix(0.0))
        self._post_fixes(patroller)
        self.counts["arrivals"] += 1
        self._after(
            max(5.0, 30.0 / self.settings.speed),
            lambda: self._call(lambda: patroller.session.post(f"/tasks/{task_id}/arrive")),
            wall=True,
        )
        self._after(patroller.rng.uniform(120, 300), lambda: self._complete(patroller, task_id))

    def _complete(self, patroller: Patroller, task_id: str) -> None:
        picture = photo(self.plan.rng("photo", "task", task_id))

        def work() -> Reply:
            media = self._upload(patroller.session, picture)
            return patroller.session.post(
                f"/tasks/{task_id}/complete",
                {"note": "已到场处置完毕,现场拍照留存", "media_ids": [media] if media else []},
            )

        def back_on_patrol() -> None:
            patroller.state, patroller.task_id = "patrol", ""

        def done(reply: Reply) -> None:
            self.counts["completed" if reply.status == 200 else "completions_refused"] += 1
            back_on_patrol()

        self._call(work, done, failed=back_on_patrol)

    @staticmethod
    def _upload(session: Session, picture: bytes) -> str:
        body, content_type = multipart(picture)
        reply = session.call("POST", "/media", raw=body, content_type=content_type)
        return reply.body["media_id"] if reply.status == 201 else ""

    # The city: tips and the officer -------------------------------------------------------------

    def _patrolling(self) -> list[Patroller]:
        return [p for p in self.patrollers.values() if p.on_duty and p.state == "patrol"]

    def _tip(self) -> None:
        rng = self._tips
        self._after(rng.expovariate(1 / self.settings.tip_every_s), self._tip)
        reporter, category = rng.choice(list(self.patrollers.values())), rng.choice(TIP_CATEGORIES)
        candidates = self._patrolling()
        if not candidates:
            return
        # Whoever the plan picked, or (when they are busy on a task) the next on patrol.
        patroller = reporter if reporter in candidates else candidates[0]
        lat, lon = patroller.walker.position
        picture = photo(self.plan.rng("photo", "tip", self.counts["tips_sent"]))
        self.counts["tips_sent"] += 1

        def work() -> Reply:
            media = self._upload(patroller.session, picture)
            report = {
                "category": category,
                "description": TIP_TEXTS[category],
                "location": {"lat": lat, "lon": lon},
                "media_ids": [media] if media else [],
            }
            return patroller.session.post("/reports", report)

        self._call(
            work, lambda r: self.counts.update(["tips" if r.status == 201 else "tips_refused"])
        )

    def _dispatch(self) -> None:
        """The demo officer sends the nearest members to a spot somewhere in town."""
        rng = self._dispatches
        self._after(rng.expovariate(1 / self.settings.dispatch_every_s), self._dispatch)
        node = self.plan.streets.nodes[rng.randrange(len(self.plan.streets.nodes))]
        lat, lon = offset(node, north_m=rng.uniform(-60, 60), east_m=rng.uniform(-60, 60))
        task = {
            "title": rng.choice(TASK_TITLES),
            "priority": rng.choice((1, 2, 2, 3)),
            "location": {"lat": lat, "lon": lon},
            "area": {"center": {"lat": lat, "lon": lon}, "radius_m": 1200},
            "target": {"mode": "nearest", "count": 3},
            "capacity": 1 if rng.random() < 0.8 else 2,
            "expires_in_s": 1800,
            "points": 10,
        }
        self._call(
            lambda: self.officer.post("/tasks", task),
            lambda r: self.counts.update(["tasks" if r.status == 201 else "tasks_refused"]),
        )

    def _review_round(self) -> None:
        """The officer confirms resolved tasks and decides on pending tips."""
        decide = self.plan.rng("reviews", self.counts["review_rounds"])
        self.counts["review_rounds"] += 1

        def work() -> Counter[str]:
            done: Counter[str] = Counter()
            resolved = self.officer.get("/tasks?status=resolved&limit=50")
            for task in resolved.body.get("tasks", []) if resolved.status == 200 else []:
                confirmed = self.officer.post(f"/tasks/{task['task_id']}/confirm")
                done["confirmed" if confirmed.status == 200 else "confirm_refused"] += 1
            pending = self.officer.get("/reports?status=pending&limit=50")
            for report in pending.body.get("reports", []) if pending.status == 200 else []:
                approve = decide.random() < 0.75
                review = {"decision": "approve", "points": 5, "note": "线索属实"}
                if not approve:
                    review = {"decision": "reject", "note": "信息不足"}
                reviewed = self.officer.post(f"/reports/{report['report_id']}/review", review)
                done["approved" if approve else "rejected"] += reviewed.status == 200
            return done

        self._call(work, self.counts.update)

    # Training: roll calls and patrol logs -------------------------------------------------------

    def _open_rollcall(self) -> None:
        """The instructor calls the roll for the class's next patrol session, hourly."""
        patrols = [s for s in self.cohort["sessions"] if s["kind"] == "patrol"]
        if self._rollcalls_opened >= len(patrols):
            return
        session = patrols[self._rollcalls_opened]
        self._rollcalls_opened += 1
        self._after(self.settings.rollcall_every_s, self._open_rollcall)
        self._call(
            lambda: self.officer.post(
                f"/cohorts/{self.cohort['cohort_id']}/rollcalls",
                {"session_id": session["session_id"], "minutes": 30},
            ),
            lambda r: self.counts.update(["rollcalls" if r.status == 201 else "rollcalls_refused"]),
        )

    def _on_rollcall(self, patroller: Patroller, rollcall: dict[str, Any]) -> None:
        rollcall_id = rollcall["rollcall_id"]
        delay = patroller.rng.uniform(20, 240)
        self._after(delay, lambda: self._check_in(patroller, rollcall_id, tries=10))

    def _check_in(self, patroller: Patroller, rollcall_id: str, *, tries: int) -> None:
        def answered(reply: Reply) -> None:
            if reply.status == 200:
                self.counts["checkins"] += 1
            elif "no position" in str(reply.body) and tries > 1:
                # The member's latest fixes have not reached their track yet (slow under load).
                retry = partial(self._check_in, patroller, rollcall_id, tries=tries - 1)
                self._after(5.0, retry, wall=True)
            else:
                self.counts["checkins_refused"] += 1
                log.info("check-in refused: %s %s", reply.status, reply.body)

        self._call(lambda: patroller.session.post(f"/rollcalls/{rollcall_id}/checkin"), answered)

    def _file_patrol_log(self, patroller: Patroller) -> None:
        self._after(self.settings.patrol_log_every_s, lambda: self._file_patrol_log(patroller))
        rng = patroller.rng
        counts = {
            "people_checked": rng.randint(0, 12),
            "vehicles_checked": rng.randint(0, 6),
            "rooms_inspected": rng.randint(0, 4),
            "migrants_registered": rng.randint(0, 3),
            "hazards_found": int(rng.random() < 0.2),
            "offenders_caught": int(rng.random() < 0.03),
        }
        log_entry: dict[str, Any] = {"counts": counts, "note": "夜间巡逻情况"}
        if patroller.shift_id:
            log_entry["shift_id"] = patroller.shift_id
        else:
            log_entry["cohort_id"] = self.cohort.get("cohort_id", "")
        if not log_entry.get("shift_id") and not log_entry.get("cohort_id"):
            return
        self._call(
            lambda: patroller.session.post("/patrol-logs", log_entry),
            lambda r: self.counts.update(
                ["patrol_logs" if r.status == 201 else "patrol_logs_refused"]
            ),
        )

    # Streams ------------------------------------------------------------------------------------

    def _on_stream_closed(self, owner: str) -> None:
        """A stream ends when its token expires (or the server restarts): renew and reopen."""
        patroller = self.patrollers.get(owner)
        if patroller is None or self._stop.is_set():
            return
        self.counts["stream_reopens"] += 1

        def reopen() -> None:
            session = patroller.session
            session.renew(session.access_token)
            self._reader.open(owner, session.access_token)

        self._after(3.0, lambda: self._call(reopen), wall=True)


def _go_off_duty(patroller: Patroller) -> None:
    """``POST /duty/end`` until it is done, or there is no duty left to end (403); a few tries
    over a busy server's 5xx and dropped connections, none when the server is gone for good
    (each try then fails at once)."""
    status = 0
    for attempt in range(OFF_DUTY_TRIES):
        try:
            reply = patroller.session.post("/duty/end")
        except (OSError, http.client.HTTPException):
            status = 0
        else:
            if reply.ok or reply.status == 403:
                return
            status = reply.status
        if attempt + 1 < OFF_DUTY_TRIES:
            time.sleep(0.5 * 2**attempt)
    log.warning("a member could not go off duty (last answer %s)", status or "none")
