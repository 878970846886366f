"""Who a bulletin reaches, asked of location (members on duty inside an area now) and identity
(members whose grid the area covers; members of grids and orgs; everyone), on the publishing
officer's behalf, so identity keeps each officer to the members of their scope."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from services.comms import model
from services.comms.model import Audience, Circle
from services.comms.ports import Ports
from shouwang.identity.v1 import identity_pb2
from shouwang.location.v1 import location_pb2

PAGE = 200
ADDRESSED_STATUS = "verified"


def recipients(ports: Ports, actor: identity_pb2.Actor, audience: Audience) -> list[str]:
    """The member ids addressed, each once, in a stable order."""
    found: dict[str, None] = {}
    if audience.everyone:
        found.update(dict.fromkeys(_members(ports, actor)))
    if audience.area is not None:
        found.update(dict.fromkeys(_on_duty_inside(ports, audience)))
        geometry = model.area_geometry(audience.area)
        covered = [
            g.grid_id for g in _grids(ports, actor) if model.covers(geometry, g.geometry_json)
        ]
        for grid_id in covered:
            found.update(dict.fromkeys(_members(ports, actor, grid_id=grid_id)))
    if audience.grid_ids:
        for grid_id in _with_descendants(ports, actor, audience.grid_ids):
            found.update(dict.fromkeys(_members(ports, actor, grid_id=grid_id)))
    if audience.org_ids:
        for team_id in _teams(ports, actor, audience.org_ids):
            found.update(dict.fromkeys(_members(ports, actor, team_id=team_id)))
    return list(found)


def _on_duty_inside(ports: Ports, audience: Audience) -> list[str]:
    area = location_pb2.Area()
    if isinstance(audience.area, Circle):
        c = audience.area
        area.circle.CopyFrom(location_pb2.Circle(lat=c.lat, lon=c.lon, radius_m=c.radius_m))
    else:
        assert audience.area is not None
        area.polygon_geojson = audience.area.geojson
    found = ports.location.Within(location_pb2.WithinRequest(area=area))
    return [c.member_id for c in found.candidates]


def _pages(call: Callable[[str], Any], field: str) -> Iterator[Any]:
    token = ""
    while True:
        reply = call(token)
        yield from getattr(reply, field)
        token = reply.next_page_token
        if not token:
            return


def _members(ports: Ports, actor: identity_pb2.Actor, **filters: str) -> Iterator[str]:
    for member in _pages(
        lambda token: ports.identity.ListMembers(
            identity_pb2.ListMembersRequest(
                actor=actor, status=ADDRESSED_STATUS, page_size=PAGE, page_token=token, **filters
            )
        ),
        "members",
    ):
        yield member.member_id


def _grids(ports: Ports, actor: identity_pb2.Actor, parent_id: str = "") -> list[Any]:
    return list(
        _pages(
            lambda token: ports.identity.ListGrids(
                identity_pb2.ListGridsRequest(
                    actor=actor, parent_id=parent_id, page_size=PAGE, page_token=token
                )
            ),
            "grids",
        )
    )


def _with_descendants(
    ports: Ports, actor: identity_pb2.Actor, grid_ids: tuple[str, ...]
) -> list[str]:
    """The grids named and every grid under them (members live in the finest level)."""
    children: dict[str, list[str]] = {}
    for grid in _grids(ports, actor):
        children.setdefault(grid.parent_id, []).append(grid.grid_id)
    seen: dict[str, None] = {}
    todo = list(grid_ids)
    while todo:
        grid_id = todo.pop()
        if grid_id not in seen:
            seen[grid_id] = None
            todo += children.get(grid_id, [])
    return list(seen)


def _teams(ports: Ports, actor: identity_pb2.Actor, org_ids: tuple[str, ...]) -> list[str]:
    """The teams named and the teams of the stations named (members belong to teams)."""
    orgs = list(
        _pages(
            lambda token: ports.identity.ListOrgs(
                identity_pb2.ListOrgsRequest(actor=actor, page_size=PAGE, page_token=token)
            ),
            "orgs",
        )
    )
    wanted = set(org_ids)
    return [
        o.org_id for o in orgs if o.kind == "team" and (o.org_id in wanted or o.parent_id in wanted)
    ]
