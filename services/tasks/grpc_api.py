"""Tasks' gRPC servicer: protobuf in, commands, protobuf out."""

from __future__ import annotations

import grpc

from services.tasks import handlers, model, reports
from services.tasks.handlers import Caller
from services.tasks.ports import Ports
from shouwang.clock import from_millis, to_timestamp
from shouwang.rpc import ServiceBinding
from shouwang.store import Document
from shouwang.tasks.v1 import tasks_pb2 as pb
from shouwang.tasks.v1 import tasks_pb2_grpc

Context = grpc.ServicerContext


class TasksServicer(tasks_pb2_grpc.TasksServiceServicer):
    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    def CreateTask(self, request, context: Context):
        return self._view(handlers.create_task(self.ports, _caller(request.caller), request))

    def GetTask(self, request, context: Context):
        return self._view(
            handlers.visible_task(self.ports, _caller(request.caller), request.task_id)
        )

    def ListTasks(self, request, context: Context):
        page = handlers.list_tasks(
            self.ports,
            _caller(request.caller),
            status=request.status,
            size=request.page_size,
            cursor=request.page_token,
        )
        return pb.TaskList(
            tasks=[self._view(t, with_people=False) for t in page.items],
            next_page_token=page.next_cursor,
        )

    def ClaimTask(self, request, context: Context):
        return self._view(handlers.claim_task(self.ports, _caller(request.caller), request.task_id))

    def DeclineTask(self, request, context: Context):
        return self._view(
            handlers.decline_task(self.ports, _caller(request.caller), request.task_id)
        )

    def ArriveTask(self, request, context: Context):
        return self._view(
            handlers.arrive_manually(self.ports, _caller(request.caller), request.task_id)
        )

    def CompleteTask(self, request, context: Context):
        return self._view(
            handlers.complete_task(
                self.ports,
                _caller(request.caller),
                request.task_id,
                note=request.note,
                media_ids=list(request.media_ids),
            )
        )

    def ConfirmTask(self, request, context: Context):
        return self._view(
            handlers.confirm_task(self.ports, _caller(request.caller), request.task_id)
        )

    def CancelTask(self, request, context: Context):
        return self._view(
            handlers.cancel_task(self.ports, _caller(request.caller), request.task_id)
        )

    def SubmitReport(self, request, context: Context):
        return report_message(reports.submit_report(self.ports, _caller(request.caller), request))

    def ListReports(self, request, context: Context):
        page = reports.list_reports(
            self.ports,
            _caller(request.caller),
            status=request.status,
            size=request.page_size,
            cursor=request.page_token,
        )
        return pb.ReportList(
            reports=[report_message(r) for r in page.items], next_page_token=page.next_cursor
        )

    def ReviewReport(self, request, context: Context):
        return report_message(reports.review_report(self.ports, _caller(request.caller), request))

    def _view(self, task: Document, *, with_people: bool = True) -> pb.Task:
        message = pb.Task(
            task_id=task["_id"],
            status=task["status"],
            title=task["title"],
            description=task["description"],
            kind=task["kind"],
            priority=task["priority"],
            location=pb.Point(**task["location"]),
            target=pb.Target(
                mode=task["target"]["mode"],
                count=task["target"]["count"],
                member_ids=task["target"]["member_ids"],
            ),
            capacity=task["capacity"],
            skills=task["skills"],
            points=task["points"],
            created_at=to_timestamp(from_millis(task["created_at"])),
            expires_at=to_timestamp(from_millis(task["expires_at"])),
            station_id=task["station_id"],
            created_by=task["created_by"],
            wave=task["wave"],
            radius_m=task["radius_m"],
            note=task.get("note", ""),
            media_ids=task.get("media_ids", []),
            report_id=task.get("report_id", ""),
            refused=[pb.Refusal(**r) for r in task.get("refused", [])],
            widen=task.get("widen", True),
            scene_radius_m=task.get("scene_radius_m", model.SCENE_RADIUS_M),
        )
        area = task["area"]
        if "circle" in area:
            c = area["circle"]
            message.area.circle.CopyFrom(
                pb.Circle(center=pb.Point(lat=c["lat"], lon=c["lon"]), radius_m=c["radius_m"])
            )
        else:
            message.area.polygon_geojson = area["polygon_geojson"]
        claims = self.ports.tasks.claims_of(task)  # by id: cheap enough for every list item
        message.claim_count = len(claims)
        if not with_people and "offered" in task:
            # Lists count offers as waves go out rather than query the offers per task.
            message.offer_count = task["offered"]
            return message
        offers = self.ports.tasks.offers_of(task["_id"])
        message.offer_count = len(offers)
        if with_people:
            for offer in offers:
                message.offers.append(
                    pb.OfferView(
                        member_id=offer["member_id"],
                        distance_m=offer["distance_m"],
                        wave=offer["wave"],
                        offered_at=to_timestamp(from_millis(offer["offered_at"])),
                        declined=bool(offer.get("declined_at")),
                    )
                )
            for claim in claims:
                view = pb.ClaimView(
                    member_id=claim["member_id"],
                    claimed_at=to_timestamp(from_millis(claim["claimed_at"])),
                    offer_to_claim_s=claim["offer_to_claim_s"],
                )
                if claim.get("arrived_at"):
                    view.arrived_at.CopyFrom(to_timestamp(from_millis(claim["arrived_at"])))
                    view.claim_to_arrival_s = claim["claim_to_arrival_s"]
                message.claims.append(view)
        return message


def report_message(report: Document) -> pb.Report:
    return pb.Report(
        report_id=report["_id"],
        status=report["status"],
        category=report["category"],
        description=report["description"],
        location=pb.Point(**report["location"]),
        media_ids=report["media_ids"],
        member_id=report["member_id"],
        station_id=report["station_id"],
        created_at=to_timestamp(from_millis(report["created_at"])),
        points=report.get("points", 0),
        review_note=report.get("review_note", ""),
        task_id=report.get("task_id", ""),
        reviewed_by=report.get("reviewed_by", ""),
    )


def _caller(caller: pb.Caller) -> Caller:
    return Caller(
        member_id=caller.member_id,
        roles=frozenset(caller.roles),
        scope_org_ids=frozenset(caller.scope_org_ids),
        city_wide=caller.city_wide,
        station_id=caller.station_id,
    )


def binding(ports: Ports) -> ServiceBinding:
    return ServiceBinding(
        add=tasks_pb2_grpc.add_TasksServiceServicer_to_server,
        servicer=TasksServicer(ports),
        full_name=pb.DESCRIPTOR.services_by_name["TasksService"].full_name,
    )
