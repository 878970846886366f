"""Statistics and coverage (CONTRACT.md "Statistics and coverage"): response times and the
1-3-5 shares from tasks, activity series from tasks and location, coverage from location over
the city's grids."""

from __future__ import annotations

from functools import partial

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.context import GatewayContext
from services.gateway.models.common import millis
from services.gateway.models.stats import (
    Activity,
    ActivityQuery,
    CoverageMap,
    CoverageQuery,
    ResponseStats,
    StatsQuery,
)
from services.gateway.scope import caller_message
from shouwang.errors import FieldError, InvalidArgument, NotFound
from shouwang.identity.v1 import identity_pb2, identity_pb2_grpc
from shouwang.location.v1 import location_pb2
from shouwang.tasks.v1 import tasks_pb2
from shouwang.typed_routes import TypedRoutes

# Pages of orgs and grids read per call: a city's stations and teams, and its grids of every
# level, are a few hundred; beyond these the rest are left out.
_PAGE = 200
MAX_ORG_PAGES = 10
MAX_GRIDS = 2000


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("stats", tag="statistics")
    identity, location, tasks = (
        context.clients.identity,
        context.clients.location,
        context.clients.tasks,
    )
    scoped = partial(caller_message, identity, tasks_pb2.Caller)

    def station_of(caller: Caller, org_id: str | None) -> str:
        """The station ``org_id`` names, checked against the caller's scope ("" for none)."""
        if org_id is None:
            return ""
        token = ""
        for _ in range(MAX_ORG_PAGES):
            page = identity.ListOrgs(
                identity_pb2.ListOrgsRequest(actor=caller.actor, page_size=_PAGE, page_token=token)
            )
            for org in page.orgs:
                if org.org_id == org_id:
                    if org.kind != "station":
                        raise InvalidArgument(
                            detail="statistics are kept per station",
                            errors=[
                                FieldError(
                                    "org_id",
                                    "must name a station (tasks and reports "
                                    "belong to stations, not teams)",
                                )
                            ],
                        )
                    return org_id
            token = page.next_page_token
            if not token:
                break
        raise NotFound(detail="no such station in your scope")

    def member_stations(caller: Caller, station: str) -> list[str]:
        """Whose members count: the station asked, else the caller's scope ([]: the city)."""
        if station:
            return [station]
        scope = identity.ResolveScope(identity_pb2.ResolveScopeRequest(actor=caller.actor))
        return [] if scope.city_wide else list(scope.org_ids)

    @api.get(
        "/stats/response",
        summary="Response times and the share of tasks with someone on scene in 1, 3, 5 minutes",
        access=Access.OFFICER,
        query=StatsQuery,
        reply=ResponseStats,
    )
    def response_stats(caller: Caller, query: StatsQuery) -> ResponseStats:
        station = station_of(caller, query.org_id)
        found = tasks.ResponseStats(
            tasks_pb2.StatsRequest(
                caller=scoped(caller),
                from_ms=millis(query.from_),
                to_ms=millis(query.to),
                station_id=station,
            )
        )
        return ResponseStats.from_proto(found, org_id=station or None)

    @api.get(
        "/stats/activity",
        summary="Tasks by status, reports by category, members on duty and patrol hours per "
        "hour or day",
        access=Access.OFFICER,
        query=ActivityQuery,
        reply=Activity,
    )
    def activity(caller: Caller, query: ActivityQuery) -> Activity:
        station = station_of(caller, query.org_id)
        window = {
            "from_ms": millis(query.from_),
            "to_ms": millis(query.to),
            "bucket_ms": query.bucket.milliseconds,
        }
        found = tasks.TaskActivity(
            tasks_pb2.ActivityRequest(caller=scoped(caller), station_id=station, **window)
        )
        duty = location.DutyActivity(
            location_pb2.DutyActivityRequest(station_ids=member_stations(caller, station), **window)
        )
        return Activity.combine(found, duty, bucket=query.bucket, org_id=station or None)

    @api.get(
        "/live/coverage",
        summary="How fast the nearest free member could reach each cell of the city's grids",
        description="Cells are squares (100 m, or coarser to stay within 2,500); reach is the "
        "straight-line distance to the nearest free on-duty member of the officer's scope, "
        "times 1.3 for the streets, over the mode's speed.",
        access=Access.OFFICER,
        query=CoverageQuery,
        reply=CoverageMap,
    )
    def coverage(caller: Caller, query: CoverageQuery) -> CoverageMap:
        found = location.Coverage(
            location_pb2.CoverageRequest(
                grids=_grids(identity, caller),
                station_ids=member_stations(caller, ""),
                mode=query.mode.value,
                minutes=query.minutes,
            )
        )
        return CoverageMap.from_proto(found, minutes=query.minutes, mode=query.mode)

    return api


def _grids(
    identity: identity_pb2_grpc.IdentityServiceStub, caller: Caller
) -> list[location_pb2.CoverageGrid]:
    grids: list[location_pb2.CoverageGrid] = []
    token = ""
    while len(grids) < MAX_GRIDS:
        page = identity.ListGrids(
            identity_pb2.ListGridsRequest(actor=caller.actor, page_size=_PAGE, page_token=token)
        )
        grids += [
            location_pb2.CoverageGrid(
                grid_id=g.grid_id, level=g.level, geometry_json=g.geometry_json
            )
            for g in page.grids
        ]
        token = page.next_page_token
        if not token:
            break
    return grids[:MAX_GRIDS]
