"""The two measurements: dispatch → offer on the stream, and the claim race on one task."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench import cpu_shares
from bench.dispatch.population import RealMember
from bench.dispatch.streams import OfferStream
from bench.dispatch.volley import ClaimVolley

OFFER_TIMEOUT_S = 10.0
MAX_MISSED = 10  # beyond this the streams are not delivering: stop rather than wait 10 s a task
RACE_CAPACITY = 3
RACE_SETUP_ATTEMPTS = 3


class Client:
    """One keep-alive HTTP connection, so a timed call pays no TCP handshake."""

    def __init__(self, base_url: str, token: str, *, timeout_s: float = 30.0) -> None:
        url = urlsplit(base_url)
        self._connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout_s)
        self.token = token
        self._connection.connect()
        self._used_at = time.monotonic()

    def keep_alive(self, *, max_idle_s: float = 20.0) -> None:
        """Reconnect, untimed, if the server may have dropped the idle connection meanwhile."""
        if time.monotonic() - self._used_at > max_idle_s:
            self._connection.close()
            self._connection.connect()

    def get(self, path: str) -> int:
        self._connection.request("GET", path)
        response = self._connection.getresponse()
        response.read()
        self._used_at = time.monotonic()
        return response.status

    def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        payload = b"" if body is None else json.dumps(body).encode()
        self._connection.request(
            "POST",
            path,
            body=payload,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        response = self._connection.getresponse()
        raw = response.read()
        self._used_at = time.monotonic()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:  # not JSON (a proxy's or a crashed worker's page): the bytes
            return response.status, raw

    def close(self) -> None:
        self._connection.close()


@dataclass
class DispatchSamples:
    offer_ms: list[float] = field(default_factory=list)  # POST sent → offer read off the stream
    post_ms: list[float] = field(default_factory=list)  # POST sent → 201 read
    missed: int = 0  # no offer on the stream within OFFER_TIMEOUT_S
    wrong_member: int = 0  # the first wave went to someone else


def nearest_task(member: RealMember) -> dict[str, Any]:
    return {
        "title": "bench: check a report at this spot",
        "kind": "patrol",
        "priority": 2,
        "location": {"lat": member.spot.lat, "lon": member.spot.lon},
        "target": {"mode": "nearest", "count": 1},
        "capacity": 1,
    }


def measure_dispatch(
    officer: Client,
    members: Sequence[RealMember],
    streams: dict[str, OfferStream],
    *,
    tasks: int,
    before_each: Callable[[], None] = lambda: None,
) -> DispatchSamples:
    """Dispatch ``tasks`` tasks one at a time, each at a real member's spot (rotating), and cancel
    each once its offer arrived so no wave timer keeps working in the background."""
    samples = DispatchSamples()
    for i in range(tasks):
        before_each()
        member = members[i % len(members)]
        officer.keep_alive()
        started = time.perf_counter()
        status, task = officer.post("/api/v1/tasks", nearest_task(member))
        posted = time.perf_counter()
        if status != 201:
            raise RuntimeError(f"POST /tasks answered {status}: {task}")
        offered_to = [o["member_id"] for o in task["offers"]]
        if offered_to != [member.member_id]:
            samples.wrong_member += 1
        stream = streams[member.member_id]
        arrived = stream.offer_arrival(task["task_id"], timeout_s=OFFER_TIMEOUT_S)
        if arrived is None:
            samples.missed += 1
            if samples.missed > MAX_MISSED:
                still_open = sum(s.open for s in streams.values())
                raise RuntimeError(
                    f"{samples.missed} offers never reached the stream "
                    f"({still_open}/{len(streams)} streams still open)"
                )
        else:
            samples.offer_ms.append((arrived - started) * 1000)
            samples.post_ms.append((posted - started) * 1000)
        _cancel(officer, task["task_id"])
    return samples


@dataclass
class RaceSamples:
    claim_ms: list[float] = field(default_factory=list)  # every contender's claim
    winner_ms: list[float] = field(default_factory=list)  # the claims answered 200
    # Each race's winners in the order told: whether a slow winner is one race's or every
    # race's third (the slots are taken one at a time).
    winner_ms_by_race: list[list[float]] = field(default_factory=list)
    races: int = 0
    contenders: int = 0
    exactly_capacity_won: int = 0  # races in which exactly RACE_CAPACITY claims got 200
    statuses: dict[int, int] = field(default_factory=dict)
    # Race tasks that refused someone location had just called eligible, and were set up again:
    # what tasks said, and what location said of those members just after.
    refused_setups: list[dict[str, Any]] = field(default_factory=list)
    # From the claims' start to the last answer, summed over the races: the wall time and each
    # process group's CPU (bench.cpu_shares) — what a race costs the machine.
    racing_s: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=dict)
    offers_shown_ms: list[float] = field(default_factory=list)  # POST's reply → on every stream

    def count_cpu(self, seconds: float, used: dict[str, float]) -> None:
        self.racing_s += seconds
        for group, cpu in used.items():
            self.cpu_s[group] = self.cpu_s.get(group, 0.0) + cpu


def measure_claim_race(
    base_url: str,
    officer: Client,
    members: Sequence[RealMember],
    *,
    races: int,
    wait_until_free: Callable[[], None],
    ineligible: Callable[[Sequence[str]], list[str]],
    streams: Mapping[str, OfferStream] | None = None,
    samples: RaceSamples | None = None,
) -> RaceSamples:
    """Each race: one task of capacity 3 offered to every real member, who all claim it at once
    — with ``streams``, once the offer is on every member's stream, as members claim what
    their phone shows. A race task that refuses someone is cancelled and set
    up again (at most ``RACE_SETUP_ATTEMPTS`` times), the refusal kept in ``samples`` (given:
    kept if this raises)."""
    samples = samples or RaceSamples()
    samples.contenders = len(members)
    volley = ClaimVolley(base_url, [m.token for m in members])
    last_winners: list[str] = []
    try:
        for _ in range(races):
            for attempt in range(1, RACE_SETUP_ATTEMPTS + 1):
                wait_until_free()
                officer.keep_alive()
                task_id, refused = _race_task(officer, members)
                if not refused:
                    break
                _cancel(officer, task_id)
                ids = [r["member_id"] for r in refused]
                samples.refused_setups.append(
                    {
                        "race": samples.races + 1,
                        "refused": refused,
                        "ineligible_in_location_after": ineligible(ids),
                        # a winner is marked busy after its reply, which may land after the
                        # cancel that freed it (tasks.scene.occupy releases it again)
                        "previous_race_winners": last_winners,
                    }
                )
                if attempt == RACE_SETUP_ATTEMPTS:
                    raise RuntimeError(f"race task refused someone {attempt} times: {refused}")
            if streams is not None:
                _offers_shown(streams, members, task_id, samples)
            results = _claim_at_once(volley, task_id, samples)
            last_winners = [
                member.member_id
                for member, (status, _) in zip(members, results, strict=True)
                if status == 200
            ]
            won = len(last_winners)
            samples.races += 1
            samples.exactly_capacity_won += won == RACE_CAPACITY
            for status, elapsed_ms in results:
                samples.statuses[status] = samples.statuses.get(status, 0) + 1
                samples.claim_ms.append(elapsed_ms)
                if status == 200:
                    samples.winner_ms.append(elapsed_ms)
            samples.winner_ms_by_race.append(
                sorted(round(ms, 1) for status, ms in results if status == 200)
            )
            _cancel(officer, task_id)  # frees the winners for the next race
    finally:
        volley.close()
    return samples


def _race_task(officer: Client, members: Sequence[RealMember]) -> tuple[str, list[dict[str, Any]]]:
    """The race task's id and whom it refused."""
    body = {
        "title": "bench: claim race",
        "priority": 2,
        "location": {"lat": members[0].spot.lat, "lon": members[0].spot.lon},
        "target": {"mode": "members", "member_ids": [m.member_id for m in members]},
        "capacity": RACE_CAPACITY,
    }
    status, task = officer.post("/api/v1/tasks", body)
    if status != 201:
        raise RuntimeError(f"POST /tasks (race) answered {status}: {task}")
    refused = task.get("refused") or []
    if not refused and len(task["offers"]) != len(members):
        raise RuntimeError(f"race task offered to {len(task['offers'])} of {len(members)}")
    return task["task_id"], refused


def _offers_shown(
    streams: Mapping[str, OfferStream],
    members: Sequence[RealMember],
    task_id: str,
    samples: RaceSamples,
) -> None:
    """Until the race task's offer has reached every contender's stream (from the POST's reply,
    in ``samples.offers_shown_ms``)."""
    began = time.perf_counter()
    for member in members:
        if streams[member.member_id].offer_arrival(task_id, timeout_s=OFFER_TIMEOUT_S) is None:
            raise RuntimeError(f"the race task's offer never reached {member.member_id}'s stream")
    samples.offers_shown_ms.append((time.perf_counter() - began) * 1000)


def _claim_at_once(
    volley: ClaimVolley, task_id: str, samples: RaceSamples
) -> list[tuple[int, float]]:
    """Every contender's claim, sent together once each connection is ready; the machine's CPU
    from then until the last answer is counted in ``samples``."""
    try:
        volley.ready()
        cpu_before, began = cpu_shares.snapshot(), time.perf_counter()
        results = volley.claim(task_id)
    except (OSError, ValueError) as error:  # the row keeps its dispatch figures (the caller)
        raise RuntimeError(f"a claim race's connections failed: {error!r}") from error
    samples.count_cpu(
        time.perf_counter() - began, cpu_shares.cpu_seconds(cpu_before, cpu_shares.snapshot())
    )
    return results


def _cancel(officer: Client, task_id: str) -> None:
    status, body = officer.post(f"/api/v1/tasks/{task_id}/cancel")
    if status != 200:
        raise RuntimeError(f"cancel answered {status}: {body}")
