"""The scene of a task: the geofence whose entry marks a claimant on scene, and releasing the
claimants (not busy, scene no longer watched) when the task is over."""

from __future__ import annotations

import logging

from services.tasks import model
from services.tasks.model import Task
from services.tasks.ports import Ports
from shouwang.clock import timestamp_of_millis
from shouwang.errors import Unavailable
from shouwang.location.v1 import location_pb2

log = logging.getLogger(__name__)


def occupy(ports: Ports, task: Task, member_ids: list[str]) -> None:
    """New claimants are busy and the scene is watched for them: done after the claims' replies
    (see ``deferred``; the winners of one race at once), so a release that ran meanwhile (the
    task cancelled, expired or closed on any replica) is run again after it. Releasing is
    idempotent, and either the release's status change comes before the re-read below, or its
    own calls to location come after ours. A task over before this runs (cancelled right after
    the claim) makes nobody busy: marked and released again, the member was busy for a moment
    after being freed, and a dispatch in that moment passed them over."""
    try:
        now = ports.tasks.get(task.task_id)
    except Unavailable:
        now = None  # marked as before the read was added; the re-read below decides
    if now is None or now.status not in model.FINISHED:
        for member_id in member_ids:  # one call failing leaves the others' marks to make
            try:
                ports.location.SetBusy(location_pb2.SetBusyRequest(member_id=member_id, busy=True))
            except Exception:
                log.exception(
                    "claimant not marked busy",
                    extra={"task_id": task.task_id, "member_id": member_id},
                )
        try:
            watch(ports, task)
        finally:
            now = ports.tasks.get(task.task_id)
    if now is not None and now.status in model.FINISHED:
        release(ports, now)


def watch(ports: Ports, task: Task) -> None:
    """(Re)register the scene fence for the task's current claimants."""
    claimants = [c.member_id for c in ports.tasks.claims_of(task)]
    ports.location.RegisterGeofence(
        location_pb2.RegisterGeofenceRequest(
            fence_id=_fence_id(task),
            ref=task.task_id,
            area=location_pb2.Area(
                circle=location_pb2.Circle(
                    lat=task.location.lat, lon=task.location.lon, radius_m=task.scene_radius_m
                )
            ),
            member_ids=claimants,
            expires_at=timestamp_of_millis(task.expires_at_ms),
        )
    )


def release(ports: Ports, task: Task) -> None:
    """The task is over for its claimants: not busy any more, scene no longer watched."""
    for claim in ports.tasks.deactivate_claims(task):
        if not _claims_elsewhere(ports, claim.member_id, task):
            ports.location.SetBusy(
                location_pb2.SetBusyRequest(member_id=claim.member_id, busy=False)
            )
    ports.location.RemoveGeofence(location_pb2.RemoveGeofenceRequest(fence_id=_fence_id(task)))


def _claims_elsewhere(ports: Ports, member_id: str, task: Task) -> bool:
    """Whether the member holds a claim on another task not over. A hold alone is not one: a
    claim under way whose task this release just freed them of may still lose its race, and
    nobody would free them then; should it win, its claim marks them busy after this."""
    held = ports.tasks.held(member_id)
    if held is None or held.task_id == task.task_id:
        return False
    other = ports.tasks.get(held.task_id)
    if other is None or other.status in model.FINISHED:
        return False
    return ports.tasks.claim(other, member_id) is not None


def _fence_id(task: Task) -> str:
    return f"task:{task.task_id}"
