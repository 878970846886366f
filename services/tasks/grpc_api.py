"""Tasks' gRPC servicer: protobuf in, commands, protobuf out."""

from __future__ import annotations

import grpc

from services.tasks import handlers, reports, stats
from services.tasks.model import Circle, Claim, Offer, Report, Task
from services.tasks.ports import Ports
from shouwang.clock import timestamp_of_millis
from shouwang.rpc import ServiceBinding
from shouwang.scope import Caller
from shouwang.tasks.v1 import tasks_pb2 as pb
from shouwang.tasks.v1 import tasks_pb2_grpc

Context = grpc.ServicerContext


class TasksServicer(tasks_pb2_grpc.TasksServiceServicer):
    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    def CreateTask(self, request, context: Context):
        return self._view(
            handlers.create_task(self.ports, Caller.from_message(request.caller), request)
        )

    def GetTask(self, request, context: Context):
        return self._view(
            handlers.visible_task(self.ports, Caller.from_message(request.caller), request.task_id)
        )

    def ListTasks(self, request, context: Context):
        page = handlers.list_tasks(
            self.ports,
            Caller.from_message(request.caller),
            status=request.status,
            size=request.page_size,
            cursor=request.page_token,
        )
        return pb.TaskList(
            tasks=[self._view(t, with_people=False) for t in page.items],
            next_page_token=page.next_cursor,
        )

    def ClaimTask(self, request, context: Context):
        claimed = handlers.claim_for_reply(
            self.ports, Caller.from_message(request.caller), request.task_id
        )
        return self._view(claimed.task, claims=claimed.claims, offers=claimed.offers)

    def DeclineTask(self, request, context: Context):
        return self._view(
            handlers.decline_task(self.ports, Caller.from_message(request.caller), request.task_id)
        )

    def ArriveTask(self, request, context: Context):
        return self._view(
            handlers.arrive_manually(
                self.ports, Caller.from_message(request.caller), request.task_id
            )
        )

    def CompleteTask(self, request, context: Context):
        return self._view(
            handlers.complete_task(
                self.ports,
                Caller.from_message(request.caller),
                request.task_id,
                note=request.note,
                media_ids=list(request.media_ids),
            )
        )

    def ConfirmTask(self, request, context: Context):
        return self._view(
            handlers.confirm_task(self.ports, Caller.from_message(request.caller), request.task_id)
        )

    def CancelTask(self, request, context: Context):
        return self._view(
            handlers.cancel_task(self.ports, Caller.from_message(request.caller), request.task_id)
        )

    def SubmitReport(self, request, context: Context):
        return report_message(
            reports.submit_report(self.ports, Caller.from_message(request.caller), request)
        )

    def ListReports(self, request, context: Context):
        page = reports.list_reports(
            self.ports,
            Caller.from_message(request.caller),
            status=request.status,
            size=request.page_size,
            cursor=request.page_token,
        )
        return pb.ReportList(
            reports=[report_message(r) for r in page.items], next_page_token=page.next_cursor
        )

    def ReviewReport(self, request, context: Context):
        return report_message(
            reports.review_report(self.ports, Caller.from_message(request.caller), request)
        )

    def ResponseStats(self, request, context: Context):
        found = stats.response(
            self.ports,
            Caller.from_message(request.caller),
            from_ms=request.from_ms,
            to_ms=request.to_ms,
            station_id=request.station_id,
        )
        return pb.ResponseStatsReply(
            tasks=found.tasks,
            measured=found.measured,
            on_scene_within=[
                pb.OnSceneShare(minutes=s.minutes, tasks=s.tasks, share=s.share or 0.0)
                for s in found.on_scene_within
            ],
            offer_to_claim=_distribution(found.offer_to_claim),
            claim_to_arrival=_distribution(found.claim_to_arrival),
            dispatch_to_arrival=_distribution(found.dispatch_to_arrival),
        )

    def TaskActivity(self, request, context: Context):
        tasks, reports_ = stats.activity(
            self.ports,
            Caller.from_message(request.caller),
            from_ms=request.from_ms,
            to_ms=request.to_ms,
            bucket_ms=request.bucket_ms,
            station_id=request.station_id,
        )
        return pb.TaskActivityReply(
            tasks_by_status=[pb.CountsBucket(start_ms=s, counts=c) for s, c in tasks],
            reports_by_category=[pb.CountsBucket(start_ms=s, counts=c) for s, c in reports_],
        )

    def _view(
        self,
        task: Task,
        *,
        with_people: bool = True,
        claims: list[Claim] | None = None,
        offers: list[Offer] | None = None,
    ) -> pb.Task:
        """``claims`` and ``offers`` as the caller knows them, or None to read them."""
        message = pb.Task(
            task_id=task.task_id,
            status=task.status,
            title=task.title,
            description=task.description,
            kind=task.kind,
            priority=task.priority,
            location=pb.Point(lat=task.location.lat, lon=task.location.lon),
            target=pb.Target(
                mode=task.target.mode,
                count=task.target.count,
                member_ids=task.target.member_ids,
            ),
            capacity=task.capacity,
            skills=task.skills,
            points=task.points,
            created_at=timestamp_of_millis(task.created_at_ms),
            expires_at=timestamp_of_millis(task.expires_at_ms),
            station_id=task.station_id,
            created_by=task.created_by,
            wave=task.wave,
            radius_m=task.radius_m,
            note=task.note,
            media_ids=task.media_ids,
            report_id=task.report_id,
            refused=[pb.Refusal(member_id=r.member_id, reason=r.reason) for r in task.refused],
            widen=task.widen,
            scene_radius_m=task.scene_radius_m,
        )
        if isinstance(task.area, Circle):
            c = task.area
            message.area.circle.CopyFrom(
                pb.Circle(center=pb.Point(lat=c.lat, lon=c.lon), radius_m=c.radius_m)
            )
        else:
            message.area.polygon_geojson = task.area.geojson
        if claims is None:
            claims = self.ports.tasks.claims_of(task)  # by id: cheap enough for every list item
        message.claim_count = len(claims)
        if not with_people and task.offered is not None:
            # Lists count offers as waves go out rather than query the offers per task.
            message.offer_count = task.offered
            return message
        if offers is None:
            offers = self.ports.tasks.offers_of(task)
        message.offer_count = len(offers)
        if with_people:
            message.offers.extend(_offer_view(offer) for offer in offers)
            message.claims.extend(_claim_view(claim) for claim in claims)
        return message


def _offer_view(offer: Offer) -> pb.OfferView:
    return pb.OfferView(
        member_id=offer.member_id,
        distance_m=offer.distance_m,
        wave=offer.wave,
        offered_at=timestamp_of_millis(offer.offered_at_ms),
        declined=offer.declined_at_ms is not None,
    )


def _claim_view(claim: Claim) -> pb.ClaimView:
    view = pb.ClaimView(
        member_id=claim.member_id,
        claimed_at=timestamp_of_millis(claim.claimed_at_ms),
        offer_to_claim_s=claim.offer_to_claim_s,
    )
    if claim.arrived_at_ms is not None:
        view.arrived_at.CopyFrom(timestamp_of_millis(claim.arrived_at_ms))
        view.claim_to_arrival_s = claim.claim_to_arrival_s or 0.0
    return view


def _distribution(found: stats.Distribution) -> pb.Distribution:
    return pb.Distribution(
        count=found.count,
        p50_s=found.p50_s,
        p90_s=found.p90_s,
        mean_s=found.mean_s,
        max_s=found.max_s,
        histogram=[pb.HistogramBin(upper_s=u or 0.0, count=n) for u, n in found.histogram],
    )


def report_message(report: Report) -> pb.Report:
    return pb.Report(
        report_id=report.report_id,
        status=report.status,
        category=report.category,
        description=report.description,
        location=pb.Point(lat=report.location.lat, lon=report.location.lon),
        media_ids=report.media_ids,
        member_id=report.member_id,
        station_id=report.station_id,
        created_at=timestamp_of_millis(report.created_at_ms),
        points=report.points,
        review_note=report.review_note,
        task_id=report.task_id,
        reviewed_by=report.reviewed_by,
    )


def binding(ports: Ports) -> ServiceBinding:
    return ServiceBinding(
        add=tasks_pb2_grpc.add_TasksServiceServicer_to_server,
        servicer=TasksServicer(ports),
        full_name=pb.DESCRIPTOR.services_by_name["TasksService"].full_name,
    )
