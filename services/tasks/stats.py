"""Statistics of an officer's scope: offer→claim and claim→arrival distributions, the share of
tasks with someone on scene within 1, 3 and 5 minutes of dispatch (Shaoyang's 1-3-5 promise),
and tasks and reports per time bucket. The computations are pure; ``response`` and ``activity``
read what they need through the repositories."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.tasks import model
from services.tasks.model import Claim, Report, Task
from services.tasks.ports import Ports
from shouwang.clock import to_millis
from shouwang.errors import FieldError, Forbidden, InvalidArgument, NotFound
from shouwang.scope import Caller

ON_SCENE_MINUTES = (1, 3, 5)
# Upper bounds of the histograms' bins, in seconds; a last, open bin holds the rest.
HISTOGRAM_BOUNDS_S = (15.0, 30.0, 60.0, 120.0, 180.0, 300.0, 600.0)
DAY_MS = 24 * 3600 * 1000
MAX_RANGE_MS = 366 * DAY_MS
MIN_BUCKET_MS = 3600 * 1000
MAX_BUCKETS = 800  # a year of days, or 31 days of hours, with room to spare


@dataclass(frozen=True)
class Distribution:
    count: int
    p50_s: float
    p90_s: float
    mean_s: float
    max_s: float
    # (upper bound in seconds, or None for the open last bin; how many durations fall in it)
    histogram: tuple[tuple[float | None, int], ...]


@dataclass(frozen=True)
class TaskOutcome:
    """What the statistics need of one task: when it was dispatched, its status, its claims."""

    created_at_ms: int
    status: str
    claims: tuple[Claim, ...]

    @property
    def first_arrival_ms(self) -> int | None:
        arrivals = [c.arrived_at_ms for c in self.claims if c.arrived_at_ms is not None]
        return min(arrivals) if arrivals else None


@dataclass(frozen=True)
class OnSceneShare:
    minutes: int
    tasks: int
    share: float | None  # None when no task was measured


@dataclass(frozen=True)
class ResponseStats:
    tasks: int
    measured: int
    on_scene_within: tuple[OnSceneShare, ...]
    offer_to_claim: Distribution
    claim_to_arrival: Distribution
    dispatch_to_arrival: Distribution


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of ascending values, interpolating linearly between the
    closest ranks (numpy's default, so a spreadsheet's PERCENTILE.INC agrees); 0 when empty."""
    if not ordered:
        return 0.0
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def distribution(durations_s: Iterable[float]) -> Distribution:
    ordered = sorted(durations_s)
    bins = Counter(_bin_of(value) for value in ordered)
    uppers: list[float | None] = [*HISTOGRAM_BOUNDS_S, None]
    return Distribution(
        count=len(ordered),
        p50_s=percentile(ordered, 50),
        p90_s=percentile(ordered, 90),
        mean_s=sum(ordered) / len(ordered) if ordered else 0.0,
        max_s=ordered[-1] if ordered else 0.0,
        histogram=tuple((upper, bins[index]) for index, upper in enumerate(uppers)),
    )


def _bin_of(value: float) -> int:
    for index, upper in enumerate(HISTOGRAM_BOUNDS_S):
        if value <= upper:
            return index
    return len(HISTOGRAM_BOUNDS_S)


def on_scene_shares(
    outcomes: Iterable[TaskOutcome], *, now_ms: int
) -> tuple[int, tuple[OnSceneShare, ...]]:
    """How many tasks are measured, and for each of 1, 3 and 5 minutes how many of them had a
    claimant on scene within that long of dispatch.

    Measured: someone arrived, or the longest window (5 minutes) has passed without an arrival
    — a task dispatched a minute ago is not a miss yet. A task cancelled before anyone arrived
    is left out (the officer called it off: nobody was meant to go); one that expired or found
    nobody (unfilled) is a miss."""
    longest_ms = max(ON_SCENE_MINUTES) * 60_000
    measured = 0
    within = Counter[int]()
    for outcome in outcomes:
        arrived = outcome.first_arrival_ms
        if arrived is None and (
            outcome.status == model.CANCELLED or now_ms - outcome.created_at_ms < longest_ms
        ):
            continue
        measured += 1
        if arrived is None:
            continue
        for minutes in ON_SCENE_MINUTES:
            if arrived - outcome.created_at_ms <= minutes * 60_000:
                within[minutes] += 1
    shares = tuple(
        OnSceneShare(
            minutes=minutes,
            tasks=within[minutes],
            share=within[minutes] / measured if measured else None,
        )
        for minutes in ON_SCENE_MINUTES
    )
    return measured, shares


def response_stats(outcomes: Sequence[TaskOutcome], *, now_ms: int) -> ResponseStats:
    claims = [claim for outcome in outcomes for claim in outcome.claims]
    measured, shares = on_scene_shares(outcomes, now_ms=now_ms)
    first_arrivals = [
        (arrived - outcome.created_at_ms) / 1000
        for outcome in outcomes
        if (arrived := outcome.first_arrival_ms) is not None
    ]
    return ResponseStats(
        tasks=len(outcomes),
        measured=measured,
        on_scene_within=shares,
        offer_to_claim=distribution(c.offer_to_claim_s for c in claims),
        claim_to_arrival=distribution(
            c.claim_to_arrival_s for c in claims if c.claim_to_arrival_s is not None
        ),
        dispatch_to_arrival=distribution(first_arrivals),
    )


def bucket_starts(from_ms: int, to_ms: int, bucket_ms: int) -> list[int]:
    return list(range(from_ms, to_ms, bucket_ms))


def counts_per_bucket(
    items: Iterable[tuple[int, str]], *, from_ms: int, to_ms: int, bucket_ms: int
) -> list[tuple[int, dict[str, int]]]:
    """``(at_ms, key)`` pairs counted per key in each bucket of [from_ms, to_ms)."""
    starts = bucket_starts(from_ms, to_ms, bucket_ms)
    counts: list[Counter[str]] = [Counter() for _ in starts]
    for at_ms, key in items:
        if from_ms <= at_ms < to_ms:
            counts[(at_ms - from_ms) // bucket_ms][key] += 1
    return [(start, dict(count)) for start, count in zip(starts, counts, strict=True)]


# Reading the scope's tasks and reports -----------------------------------------------------


def check_range(from_ms: int, to_ms: int, *, bucket_ms: int | None = None) -> None:
    """The bounds a gRPC caller meets as an HTTP one does (the gateway's are as tight)."""
    errors = []
    if to_ms <= from_ms:
        errors.append(FieldError("to", "must be after from"))
    elif to_ms - from_ms > MAX_RANGE_MS:
        errors.append(FieldError("to", "at most 366 days after from"))
    if bucket_ms is not None:
        if bucket_ms < MIN_BUCKET_MS:
            errors.append(FieldError("bucket", "at least an hour"))
        elif to_ms > from_ms and math.ceil((to_ms - from_ms) / bucket_ms) > MAX_BUCKETS:
            errors.append(FieldError("bucket", f"at most {MAX_BUCKETS} buckets in the range"))
    if errors:
        raise InvalidArgument(detail="the time range is out of bounds", errors=errors)


def scope_stations(caller: Caller, station_id: str) -> list[str] | None:
    """The stations an officer's statistics cover (None: every station, an administrator's
    whole city); one of them when ``station_id`` names it."""
    if not caller.is_officer:
        raise Forbidden(detail="only officers read statistics")
    if station_id:
        if not caller.covers(station_id):
            raise NotFound(detail="no such station in your scope")
        return [station_id]
    return None if caller.city_wide else sorted(caller.scope_org_ids)


def response(
    ports: Ports, caller: Caller, *, from_ms: int, to_ms: int, station_id: str
) -> ResponseStats:
    check_range(from_ms, to_ms)
    stations = scope_stations(caller, station_id)
    tasks = ports.tasks.created_between(station_ids=stations, from_ms=from_ms, to_ms=to_ms)
    outcomes = [_outcome(ports, task) for task in tasks]
    return response_stats(outcomes, now_ms=to_millis(ports.clock.now()))


def _outcome(ports: Ports, task: Task) -> TaskOutcome:
    return TaskOutcome(
        created_at_ms=task.created_at_ms,
        status=task.status,
        claims=tuple(ports.tasks.claims_of(task)),
    )


def activity(
    ports: Ports, caller: Caller, *, from_ms: int, to_ms: int, bucket_ms: int, station_id: str
) -> tuple[list[tuple[int, dict[str, int]]], list[tuple[int, dict[str, int]]]]:
    """Tasks created per bucket by their status now, and reports submitted per bucket by
    category."""
    check_range(from_ms, to_ms, bucket_ms=bucket_ms)
    stations = scope_stations(caller, station_id)
    tasks: list[Task] = ports.tasks.created_between(
        station_ids=stations, from_ms=from_ms, to_ms=to_ms
    )
    reports: list[Report] = ports.reports.created_between(
        station_ids=stations, from_ms=from_ms, to_ms=to_ms
    )
    window = {"from_ms": from_ms, "to_ms": to_ms, "bucket_ms": bucket_ms}
    return (
        counts_per_bucket(((t.created_at_ms, t.status) for t in tasks), **window),
        counts_per_bucket(((r.created_at_ms, r.category) for r in reports), **window),
    )
