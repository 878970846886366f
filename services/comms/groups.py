"""Groups (临时组群) as use cases: officers and team leaders create them; their members post text,
photos and location pins, read the history newest first; membership changes take effect with the
next message; officers draw on the group's map layer. A group past its expiry is read-only and
stays readable to its members and the officers of its station."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from services.comms import model
from services.comms.events import group_created, group_drawing, group_message
from services.comms.handlers import Caller
from services.comms.model import Drawing, Group, Location, Message
from services.comms.ports import Ports
from shouwang.clock import to_millis
from shouwang.errors import FieldError, Forbidden, Gone, InvalidArgument, NotFound, Unavailable
from shouwang.events import Event
from shouwang.identity.v1 import identity_pb2
from shouwang.ids import new_id
from shouwang.store.paging import Page
from shouwang.tasks.v1 import events_pb2 as task_events
from shouwang.training.v1 import events_pb2 as training_events
from shouwang.training.v1 import training_pb2

log = logging.getLogger(__name__)


def create_group(ports: Ports, caller: Caller, request: Any) -> Group:
    if not caller.roles & model.GROUP_CREATORS:
        raise Forbidden(detail="only officers and team leaders create groups")
    now_ms = to_millis(ports.clock.now())
    errors = model.validate_group(request, now_ms=now_ms)
    if errors:
        raise InvalidArgument(detail="the group has invalid fields", errors=errors)
    _require_members(ports, list(request.member_ids), "member_ids")
    in_cohort = _cohort_members(ports, caller, request.cohort_id) if request.cohort_id else ()
    group = model.new_group(
        request,
        group_id=new_id(),
        station_id=caller.station_id,
        created_by=caller.member_id,
        now_ms=now_ms,
        cohort_member_ids=in_cohort,
    )
    if len(group.member_ids) > model.MAX_GROUP_MEMBERS:
        raise InvalidArgument(
            detail="too many members",
            errors=[FieldError("cohort_id", f"a group holds {model.MAX_GROUP_MEMBERS}")],
        )
    return ports.groups.new_group(group, [group_created(group)])


def _cohort_members(ports: Ports, caller: Caller, cohort_id: str) -> tuple[str, ...]:
    """A cohort's trainees and instructors, asked of training on the caller's behalf (a cohort
    the caller may not see is a 404 there, a 422 here), verified members only."""
    if ports.training is None:
        raise Unavailable(detail="the training service is not configured")
    asking = training_pb2.Caller(
        member_id=caller.member_id,
        roles=sorted(caller.roles),
        scope_org_ids=sorted(caller.scope_org_ids),
        city_wide=caller.city_wide,
        station_id=caller.station_id,
        org_id=caller.org_id,
    )
    try:
        cohort = ports.training.GetCohort(
            training_pb2.CohortRequest(caller=asking, cohort_id=cohort_id)
        )
    except NotFound:
        raise InvalidArgument(
            detail="no such cohort of yours",
            errors=[FieldError("cohort_id", "no cohort you may see has this id")],
        ) from None
    wanted = list(dict.fromkeys((*cohort.trainee_ids, *cohort.instructor_ids)))
    verified = _verified(ports, wanted)
    return tuple(m for m in wanted if m in verified)


def _verified(ports: Ports, member_ids: list[str]) -> set[str]:
    """Which of these members identity knows as verified."""
    wanted = list(dict.fromkeys(member_ids))
    if not wanted:
        return set()
    found = ports.identity.GetMembers(identity_pb2.GetMembersRequest(member_ids=wanted))
    return {m.member_id for m in found.members if m.status == "verified"}


def _require_members(ports: Ports, member_ids: list[str], field: str) -> None:
    """Only verified members join a group (a made-up or suspended id is a 422 naming it)."""
    verified = _verified(ports, member_ids)
    errors = [
        FieldError(f"{field}[{i}]", "no verified member has this id")
        for i, member_id in enumerate(member_ids)
        if member_id not in verified
    ]
    if errors:
        raise InvalidArgument(detail="groups hold verified members only", errors=errors)


def list_groups(ports: Ports, caller: Caller, *, size: int, cursor: str) -> Page:
    """The caller's groups; officers also their stations' (administrators: every group)."""
    stations: list[str] | None = []
    if caller.is_officer:
        stations = None if caller.city_wide else sorted(caller.scope_org_ids | {caller.station_id})
    return ports.groups.page_of(caller.member_id, stations, size=size, cursor=cursor)


def _readable(ports: Ports, caller: Caller, group_id: str) -> Group:
    group = ports.groups.get(group_id)
    if group is None or not (caller.member_id in group.everyone or caller.covers(group.station_id)):
        raise NotFound(detail="no such group of yours")
    return group


def _open(ports: Ports, group: Group) -> None:
    if group.ended(to_millis(ports.clock.now())):
        raise Gone(detail="the group has ended")


def _manages(caller: Caller, group: Group) -> bool:
    return caller.member_id == group.created_by or caller.covers(group.station_id)


def change_members(
    ports: Ports, caller: Caller, group_id: str, *, add: list[str], remove: list[str]
) -> Group:
    group = _readable(ports, caller, group_id)
    if not _manages(caller, group):
        raise Forbidden(detail="only the group's creator and officers of its station change it")
    _open(ports, group)
    if len(group.member_ids) + len(add) > model.MAX_GROUP_MEMBERS:
        raise InvalidArgument(
            detail="too many members",
            errors=[FieldError("add_member_ids", f"a group holds {model.MAX_GROUP_MEMBERS}")],
        )
    _require_members(ports, add, "add_member_ids")
    return ports.groups.change_members(
        group_id, add=[m for m in add if m != group.created_by], remove=remove
    )


def post_message(ports: Ports, caller: Caller, request: Any) -> Message:
    group = _readable(ports, caller, request.group_id)
    if caller.member_id not in group.everyone and not caller.is_officer:
        raise NotFound(detail="no such group of yours")
    _open(ports, group)
    errors = model.validate_message(request)
    if errors:
        raise InvalidArgument(detail="the message has invalid fields", errors=errors)
    location = None
    if request.HasField("location"):
        location = Location(lat=request.location.lat, lon=request.location.lon)
    message = Message(
        message_id=new_id(),
        group_id=group.group_id,
        sender_id=caller.member_id,
        text=request.text,
        media_ids=tuple(dict.fromkeys(request.media_ids)),
        location=location,
        sent_at_ms=to_millis(ports.clock.now()),
        recipient_ids=group.everyone,
        station_id=group.station_id,
        voice_media_id=request.voice_media_id,
        voice_duration_ms=request.voice_duration_ms if request.voice_media_id else 0,
    )
    return ports.groups.new_message(message, [group_message(message)])


def list_messages(ports: Ports, caller: Caller, group_id: str, *, size: int, cursor: str) -> Page:
    _readable(ports, caller, group_id)
    return ports.groups.page_messages(group_id, size=size, cursor=cursor)


def get_message(ports: Ports, group_id: str, message_id: str) -> Message:
    """For the gateways' push (a service-to-service read)."""
    message = ports.groups.message(group_id, message_id)
    if message is None:
        raise NotFound(detail="no such message")
    return message


def add_drawing(ports: Ports, caller: Caller, group_id: str, feature_geojson: str) -> Drawing:
    group = _readable(ports, caller, group_id)
    if not (caller.is_officer and _manages(caller, group)):
        raise Forbidden(detail="only officers of the group's station draw on its map")
    _open(ports, group)
    errors = model.drawing_errors(feature_geojson)
    if errors:
        raise InvalidArgument(detail="the drawing is not a feature we draw", errors=errors)
    now = ports.clock.now()
    drawing = Drawing(
        drawing_id=new_id(),
        group_id=group_id,
        feature_geojson=model.canonical_feature(feature_geojson),
        created_by=caller.member_id,
        created_at_ms=to_millis(now),
    )
    return ports.groups.new_drawing(drawing, [group_drawing(group, drawing, "added", at=now)])


def delete_drawing(ports: Ports, caller: Caller, group_id: str, drawing_id: str) -> Drawing:
    group = _readable(ports, caller, group_id)
    if not (caller.is_officer and _manages(caller, group)):
        raise Forbidden(detail="only officers of the group's station draw on its map")
    now = ports.clock.now()
    placeholder = Drawing(drawing_id, group_id, "", caller.member_id, to_millis(now))
    deleted = ports.groups.delete_drawing(
        group_id, drawing_id, [group_drawing(group, placeholder, "deleted", at=now)]
    )
    if deleted is None:
        raise NotFound(detail="no such drawing on this group's map")
    return deleted


def list_drawings(ports: Ports, caller: Caller, group_id: str) -> list[Drawing]:
    _readable(ports, caller, group_id)
    return ports.groups.drawings_of(group_id)


# A task's group ------------------------------------------------------------------------------
TASK_ENDINGS = ("closed", "cancelled", "expired", "unfilled")


def on_task_event(ports: Ports, event: Event) -> None:
    """A claim puts the claimant in the task's group (made on the first claim, named after the
    task, of its station, where its officers read and draw); the task's end ends the group."""
    data = event.data
    change = event.type.rsplit(".", 1)[-1]
    if isinstance(data, task_events.TaskUpdated) and change == "claimed" and data.member_id:
        group = Group(
            group_id=model.task_group_id(data.task_id),
            name=(data.title or "task")[: model.MAX_GROUP_NAME],
            member_ids=(),
            task_id=data.task_id,
            created_at_ms=to_millis(event.time),
            expires_at_ms=0,
            station_id=data.station_id,
            created_by="",
        )
        joined = replace(group, member_ids=(data.member_id,))
        ports.groups.join_task_group(group, data.member_id, [group_created(joined)])
    elif change in TASK_ENDINGS:
        ports.groups.end(
            model.task_group_id(data.task_id),  # type: ignore[attr-defined]
            at_ms=to_millis(event.time),
        )


# A cohort's groups -----------------------------------------------------------------------------


def on_training_event(ports: Ports, event: Event) -> None:
    """Trainees enrolled in a cohort join each of its open groups, as if its officer had added
    them: verified members only, up to the group's size. Each group takes an enrolment once (by
    its event id), so a replay adds nobody, not even a trainee an officer has removed since."""
    data = event.data
    if not isinstance(data, training_events.CohortEnrolled) or not data.member_ids:
        return
    now_ms = to_millis(ports.clock.now())
    open_groups = [g for g in ports.groups.of_cohort(data.cohort_id) if not g.ended(now_ms)]
    if not open_groups:
        return
    verified = _verified(ports, list(data.member_ids))
    enrolled = [m for m in dict.fromkeys(data.member_ids) if m in verified]
    for group in open_groups:
        joining = [m for m in enrolled if m not in group.everyone]
        room = max(0, model.MAX_GROUP_MEMBERS - len(group.member_ids))
        if len(joining) > room:
            log.warning(
                "cohort group full: enrolled trainees left out",
                extra={"group_id": group.group_id, "left_out": len(joining) - room},
            )
            joining = joining[:room]
        if joining:
            ports.groups.take_enrolment(group.group_id, event.id, joining)
