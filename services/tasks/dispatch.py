"""The wave policy of ``nearest`` dispatch. Pure: given what happened, what to do next.

The first wave offers the task to the ``count`` nearest eligible members inside the area. When a
wave times out with capacity left, the next ``count`` nearest not yet offered get it. When nobody
is left inside, a task that may widen (by default those without an area drawn) searches ×1.5 wider
up to the maximum; nobody left at the maximum, or in the area of a task that may not widen, makes
the task ``unfilled`` so the dispatcher can act.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.tasks.model import Refusal

WIDEN_FACTOR = 1.5
MAX_SEARCH_RADIUS_M = 20_000.0


@dataclass(frozen=True)
class WavePlan:
    radius_m: float
    offer_to: list[tuple[str, float]]  # (member id, metres), nearest first
    unfilled: bool = False  # nobody left within reach
    refused: tuple[Refusal, ...] = ()  # named members who could not be offered it


def plan_wave(
    *,
    count: int,
    radius_m: float,
    max_radius_m: float,
    search,  # type: ignore[no-untyped-def]  # (radius_m) -> [(member_id, metres)] not yet offered
) -> WavePlan:
    """Offer to the next ``count`` candidates, widening the radius until some are found."""
    radius = radius_m
    while True:
        candidates = search(radius)
        if candidates:
            return WavePlan(radius_m=radius, offer_to=list(candidates[:count]))
        if radius >= max_radius_m:
            return WavePlan(radius_m=radius, offer_to=[], unfilled=True)
        radius = min(max_radius_m, radius * WIDEN_FACTOR)


def after_wave(
    *,
    mode: str,
    offered: bool,
    claimed: bool,
    exhausted: bool,
    now_ms: int,
    timeout_ms: int,
    expires_at_ms: int,
) -> tuple[bool, int | None]:
    """What follows a wave: (whether the task is now unfilled, when its timer's next step is
    due — None for never). ``nearest`` waits ``timeout_ms`` for claims before its next wave;
    the other modes, and a search that reached its limit, wait only for the expiry. A task
    with neither offers nor claims after its wave is unfilled."""
    if not offered and not claimed and (exhausted or mode != "nearest"):
        return True, None
    if mode == "nearest" and not exhausted:
        return False, min(now_ms + timeout_ms, expires_at_ms)
    return False, expires_at_ms
