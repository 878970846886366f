"""Task and report endpoints (CONTRACT.md "Tasks" and "Reports")."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from services.gateway.auth import Caller, authenticate
from services.gateway.context import GatewayContext
from services.gateway.payloads import int_arg, optional_str, optional_str_list, required_str
from shouwang.errors import FieldError, Forbidden, InvalidArgument
from shouwang.http import json_body
from shouwang.identity.v1 import identity_pb2
from shouwang.tasks.v1 import tasks_pb2 as pb


def blueprint(context: GatewayContext) -> Blueprint:
    routes = Blueprint("tasks", __name__)
    tasks = context.clients.tasks

    def caller_of(caller: Caller) -> pb.Caller:
        """The caller with their scope and station, as the tasks service needs them."""
        identity = context.clients.identity
        message = pb.Caller(member_id=caller.member_id, roles=sorted(caller.roles))
        if caller.is_officer:
            scope = identity.ResolveScope(identity_pb2.ResolveScopeRequest(actor=caller.actor))
            message.city_wide, message.scope_org_ids[:] = scope.city_wide, scope.org_ids
        member = identity.GetMember(identity_pb2.GetMemberRequest(member_id=caller.member_id))
        message.station_id = member.station_id
        return message

    @routes.post("/tasks")
    def create_task() -> Response:
        caller = authenticate(context.verifier)

        def create() -> Response:
            task = tasks.CreateTask(task_request(json_body(), caller_of(caller)))
            response = jsonify(task_json(task))
            response.status_code = 201
            return response

        return context.idempotent(caller, create)

    @routes.get("/tasks")
    def list_tasks() -> Response:
        caller = authenticate(context.verifier)
        errors: list[FieldError] = []
        limit = int_arg(request.args, "limit", errors)
        if errors:
            raise InvalidArgument(detail="bad query parameters", errors=errors)
        reply = tasks.ListTasks(
            pb.ListTasksRequest(
                caller=caller_of(caller), status=request.args.get("status", ""), limit=limit
            )
        )
        return jsonify(tasks=[task_json(t) for t in reply.tasks])

    @routes.get("/tasks/<task_id>")
    def get_task(task_id: str) -> Response:
        caller = authenticate(context.verifier)
        return jsonify(
            task_json(tasks.GetTask(pb.GetTaskRequest(caller=caller_of(caller), task_id=task_id)))
        )

    def member_action(task_id: str, rpc: Any, *, verified: bool = False) -> Response:
        caller = authenticate(context.verifier)
        if verified and caller.status != "verified":
            raise Forbidden(detail="only verified members may claim tasks")
        task = rpc(pb.TaskActionRequest(caller=caller_of(caller), task_id=task_id))
        return jsonify(task_json(task))

    @routes.post("/tasks/<task_id>/claim")
    def claim(task_id: str) -> Response:
        return member_action(task_id, tasks.ClaimTask, verified=True)

    @routes.post("/tasks/<task_id>/decline")
    def decline(task_id: str) -> Response:
        return member_action(task_id, tasks.DeclineTask)

    @routes.post("/tasks/<task_id>/arrive")
    def arrive(task_id: str) -> Response:
        return member_action(task_id, tasks.ArriveTask)

    @routes.post("/tasks/<task_id>/confirm")
    def confirm(task_id: str) -> Response:
        return member_action(task_id, tasks.ConfirmTask)

    @routes.post("/tasks/<task_id>/cancel")
    def cancel(task_id: str) -> Response:
        return member_action(task_id, tasks.CancelTask)

    @routes.post("/tasks/<task_id>/complete")
    def complete(task_id: str) -> Response:
        caller = authenticate(context.verifier)
        body = json_body()
        errors: list[FieldError] = []
        note = optional_str(body, "note", errors)
        media_ids = optional_str_list(body, "media_ids", errors)
        if errors:
            raise InvalidArgument(detail="a completion has a note and media ids", errors=errors)
        return jsonify(
            task_json(
                tasks.CompleteTask(
                    pb.CompleteTaskRequest(
                        caller=caller_of(caller), task_id=task_id, note=note, media_ids=media_ids
                    )
                )
            )
        )

    @routes.post("/reports")
    def submit_report() -> Response:
        caller = authenticate(context.verifier)
        if caller.status != "verified":
            raise Forbidden(detail="only verified members report")

        def create() -> Response:
            body = json_body()
            errors: list[FieldError] = []
            category = required_str(body, "category", errors)
            description = required_str(body, "description", errors)
            location = point(body, "location", errors)
            media_ids = optional_str_list(body, "media_ids", errors)
            if errors:
                raise InvalidArgument(detail="the report has invalid fields", errors=errors)
            report = tasks.SubmitReport(
                pb.SubmitReportRequest(
                    caller=caller_of(caller),
                    category=category,
                    description=description,
                    location=location,
                    media_ids=media_ids,
                )
            )
            response = jsonify(report_json(report))
            response.status_code = 201
            return response

        return context.idempotent(caller, create)

    @routes.get("/reports")
    def list_reports() -> Response:
        caller = authenticate(context.verifier)
        errors: list[FieldError] = []
        limit = int_arg(request.args, "limit", errors)
        if errors:
            raise InvalidArgument(detail="bad query parameters", errors=errors)
        reply = tasks.ListReports(
            pb.ListReportsRequest(
                caller=caller_of(caller), status=request.args.get("status", ""), limit=limit
            )
        )
        return jsonify(reports=[report_json(r) for r in reply.reports])

    @routes.post("/reports/<report_id>/review")
    def review_report(report_id: str) -> Response:
        caller = authenticate(context.verifier)
        body = json_body()
        errors: list[FieldError] = []
        decision = required_str(body, "decision", errors)
        note = optional_str(body, "note", errors)
        points = body.get("points", 0)
        if not isinstance(points, int) or isinstance(points, bool):
            errors.append(FieldError("points", "must be an integer"))
            points = 0
        scoped = caller_of(caller)
        task = None
        if isinstance(body.get("task"), dict):
            task = task_request(body["task"], scoped)
        if errors:
            raise InvalidArgument(detail="the review has invalid fields", errors=errors)
        review = pb.ReviewReportRequest(
            caller=scoped, report_id=report_id, decision=decision, points=points, note=note
        )
        if task is not None:
            review.task.CopyFrom(task)
        return jsonify(report_json(tasks.ReviewReport(review)))

    return routes


def point(body: dict[str, Any], name: str, errors: list[FieldError]) -> pb.Point | None:
    value = body.get(name)
    if not isinstance(value, dict) or not all(
        isinstance(value.get(k), int | float) and not isinstance(value.get(k), bool)
        for k in ("lat", "lon")
    ):
        errors.append(FieldError(name, "must be {lat, lon} numbers"))
        return None
    return pb.Point(lat=float(value["lat"]), lon=float(value["lon"]))


def task_request(body: dict[str, Any], caller: pb.Caller) -> pb.CreateTaskRequest:
    """JSON → CreateTaskRequest, with a field error for each wrong type (values are the tasks
    service's to judge, so every rule is written once)."""
    errors: list[FieldError] = []
    request = pb.CreateTaskRequest(
        caller=caller,
        title=optional_str(body, "title", errors),
        description=optional_str(body, "description", errors),
        kind=optional_str(body, "kind", errors),
        skills=optional_str_list(body, "skills", errors),
    )
    for name in ("priority", "capacity", "expires_in_s", "points"):
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(FieldError(name, "must be an integer"))
            continue
        setattr(request, name, value)
        if name == "points":
            request.has_points = True
    location = point(body, "location", errors)
    if location is not None:
        request.location.CopyFrom(location)
    area = body.get("area")
    if isinstance(area, dict) and area.get("type") == "Polygon":
        request.area.polygon_geojson = json.dumps(area)
    elif isinstance(area, dict) and "center" in area:
        center = point(area, "center", errors)
        radius = area.get("radius_m")
        if not isinstance(radius, int | float) or isinstance(radius, bool):
            errors.append(FieldError("area.radius_m", "must be a number"))
        elif center is not None:
            request.area.circle.CopyFrom(pb.Circle(center=center, radius_m=float(radius)))
    elif area is not None:
        errors.append(FieldError("area", "must be a GeoJSON Polygon or {center, radius_m}"))
    target = body.get("target")
    if not isinstance(target, dict):
        errors.append(FieldError("target", "must be {mode, ...}"))
    else:
        request.target.mode = target.get("mode") if isinstance(target.get("mode"), str) else ""
        count = target.get("count", 0)
        if not isinstance(count, int) or isinstance(count, bool):
            errors.append(FieldError("target.count", "must be an integer"))
        else:
            request.target.count = count
        request.target.member_ids[:] = optional_str_list(target, "member_ids", errors)
    if errors:
        raise InvalidArgument(detail="the task has invalid fields", errors=errors)
    return request


def task_json(task: pb.Task) -> dict[str, Any]:
    if task.area.HasField("circle"):
        area: Any = {
            "center": {"lat": task.area.circle.center.lat, "lon": task.area.circle.center.lon},
            "radius_m": task.area.circle.radius_m,
        }
    else:
        area = json.loads(task.area.polygon_geojson or "null")
    target: dict[str, Any] = {"mode": task.target.mode}
    if task.target.mode == "nearest":
        target["count"] = task.target.count
    if task.target.mode == "members":
        target["member_ids"] = list(task.target.member_ids)
    return {
        "task_id": task.task_id,
        "status": task.status,
        "title": task.title,
        "description": task.description,
        "kind": task.kind,
        "priority": task.priority,
        "location": {"lat": task.location.lat, "lon": task.location.lon},
        "area": area,
        "target": target,
        "capacity": task.capacity,
        "skills": list(task.skills),
        "points": task.points,
        "created_at": task.created_at.ToJsonString(),
        "expires_at": task.expires_at.ToJsonString(),
        "station_id": task.station_id,
        "wave": task.wave,
        "search_radius_m": task.radius_m,
        "offers": [
            {
                "member_id": o.member_id,
                "distance_m": o.distance_m,
                "wave": o.wave,
                "offered_at": o.offered_at.ToJsonString(),
                "declined": o.declined,
            }
            for o in task.offers
        ],
        "claims": [
            {
                "member_id": c.member_id,
                "claimed_at": c.claimed_at.ToJsonString(),
                "offer_to_claim_s": c.offer_to_claim_s,
                "arrived_at": c.arrived_at.ToJsonString() if c.HasField("arrived_at") else None,
                "claim_to_arrival_s": c.claim_to_arrival_s if c.HasField("arrived_at") else None,
            }
            for c in task.claims
        ],
        "refused": [{"member_id": r.member_id, "reason": r.reason} for r in task.refused],
        "note": task.note,
        "media_ids": list(task.media_ids),
        "report_id": task.report_id or None,
    }


def report_json(report: pb.Report) -> dict[str, Any]:
    return {
        "report_id": report.report_id,
        "status": report.status,
        "category": report.category,
        "description": report.description,
        "location": {"lat": report.location.lat, "lon": report.location.lon},
        "media_ids": list(report.media_ids),
        "member_id": report.member_id,
        "created_at": report.created_at.ToJsonString(),
        "points": report.points,
        "review_note": report.review_note,
        "task_id": report.task_id or None,
    }
