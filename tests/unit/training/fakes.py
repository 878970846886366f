"""In-process fakes of the services training calls: location (a member's recent fixes, as
GetTrack answers), identity (who is verified, as GetMembers answers; the city's grids) and tasks
(the lists the hotspots read incidents from)."""

from __future__ import annotations

from dataclasses import dataclass, field

from shouwang.identity.v1 import identity_pb2
from shouwang.location.v1 import events_pb2 as location_events
from shouwang.location.v1 import location_pb2
from shouwang.tasks.v1 import tasks_pb2


@dataclass
class FakeLocation:
    fixes: dict[str, list[location_events.Fix]] = field(default_factory=dict)
    on_duty: set[str] = field(default_factory=set)

    def GetDutyState(self, request: location_pb2.GetDutyStateRequest) -> location_pb2.DutyState:  # noqa: N802
        return location_pb2.DutyState(
            member_id=request.member_id, on_duty=request.member_id in self.on_duty
        )

    def fix(self, member_id: str, lat: float, lon: float, *, ts_ms: int, accuracy_m: float = 5):
        self.fixes.setdefault(member_id, []).append(
            location_events.Fix(lat=lat, lon=lon, ts_ms=ts_ms, accuracy_m=accuracy_m)
        )

    def GetTrack(self, request: location_pb2.GetTrackRequest) -> location_pb2.Track:  # noqa: N802
        return location_pb2.Track(
            member_id=request.member_id,
            fixes=[
                f
                for f in self.fixes.get(request.member_id, [])
                if request.from_ms <= f.ts_ms <= request.to_ms
            ],
        )


@dataclass
class FakeIdentity:
    statuses: dict[str, str] = field(default_factory=dict)
    teams: dict[str, list[str]] = field(default_factory=dict)
    stations: dict[str, str] = field(default_factory=dict)  # team -> station

    def GetMember(self, request: identity_pb2.GetMemberRequest) -> identity_pb2.Member:  # noqa: N802
        team = next((t for t, people in self.teams.items() if request.member_id in people), "")
        return identity_pb2.Member(
            member_id=request.member_id,
            status=self.statuses.get(request.member_id, ""),
            team_id=team,
            station_id=self.stations.get(team, ""),
        )

    def GetMembers(self, request: identity_pb2.GetMembersRequest) -> identity_pb2.MemberList:  # noqa: N802
        return identity_pb2.MemberList(
            members=[
                identity_pb2.Member(member_id=m, status=self.statuses[m])
                for m in request.member_ids
                if m in self.statuses
            ]
        )

    def ListMembers(self, request: identity_pb2.ListMembersRequest) -> identity_pb2.MemberList:  # noqa: N802
        """One page of a team's members of the status asked (the fake pages by 2)."""
        matching = [
            m
            for m in self.teams.get(request.team_id, [])
            if not request.status or self.statuses.get(m) == request.status
        ]
        start = int(request.page_token or 0)
        page = matching[start : start + 2]
        more = start + 2 < len(matching)
        return identity_pb2.MemberList(
            members=[identity_pb2.Member(member_id=m, status=self.statuses[m]) for m in page],
            next_page_token=str(start + 2) if more else "",
        )

    grids: list[identity_pb2.Grid] = field(default_factory=list)

    def ListGrids(self, request: identity_pb2.ListGridsRequest) -> identity_pb2.GridList:  # noqa: N802
        """Every grid, one page at a time (the fake pages by 1), for officers only."""
        assert "officer" in request.actor.roles
        start = int(request.page_token or 0)
        more = start + 1 < len(self.grids)
        return identity_pb2.GridList(
            grids=self.grids[start : start + 1], next_page_token=str(start + 1) if more else ""
        )


@dataclass
class FakeTasks:
    """The scope's tasks and reports, newest first, paged by 2 like the real lists."""

    tasks: list[tasks_pb2.Task] = field(default_factory=list)
    reports: list[tasks_pb2.Report] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    def ListTasks(self, request: tasks_pb2.ListTasksRequest) -> tasks_pb2.TaskList:  # noqa: N802
        self.asked.append("tasks")
        page, token = self._page(self.tasks, request.page_token)
        return tasks_pb2.TaskList(tasks=page, next_page_token=token)

    def ListReports(self, request: tasks_pb2.ListReportsRequest) -> tasks_pb2.ReportList:  # noqa: N802
        assert request.status == "approved"
        self.asked.append("reports")
        page, token = self._page(self.reports, request.page_token)
        return tasks_pb2.ReportList(reports=page, next_page_token=token)

    @staticmethod
    def _page(items: list, token: str) -> tuple[list, str]:  # type: ignore[type-arg]
        newest_first = sorted(items, key=lambda i: -i.created_at.ToMilliseconds())
        start = int(token or 0)
        return newest_first[start : start + 2], str(start + 2) if start + 2 < len(items) else ""
