"""Task and report endpoints (CONTRACT.md "Tasks" and "Reports")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.context import GatewayContext
from services.gateway.models.tasks import (
    Completion,
    ReportDraft,
    ReportListQuery,
    ReportPage,
    ReportReview,
    ReportView,
    TaskDraft,
    TaskListQuery,
    TaskPage,
    TaskSummary,
    TaskView,
)
from services.gateway.scope import caller_message
from shouwang.errors import FieldError, InvalidArgument
from shouwang.store import BlobStore
from shouwang.tasks.v1 import tasks_pb2 as pb
from shouwang.typed_routes import TypedRoutes


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("tasks", tag="tasks", idempotency=context.idempotent)
    tasks = context.clients.tasks

    scoped = partial(caller_message, context.clients.identity, pb.Caller)

    @api.post(
        "/tasks",
        summary="Dispatch a task to members near a place",
        access=Access.OFFICER,
        body=TaskDraft,
        reply=TaskView,
        status=201,
        idempotent=True,
    )
    def create_task(caller: Caller, body: TaskDraft) -> TaskView:
        request = body.to_proto(scoped(caller))
        request.request_id = context.retry_id(caller)
        return TaskView.from_proto(tasks.CreateTask(request))

    @api.get(
        "/tasks",
        summary="Tasks of the officer's scope, or those offered to the member; newest first",
        access=Access.MEMBER,
        query=TaskListQuery,
        reply=TaskPage,
    )
    def list_tasks(caller: Caller, query: TaskListQuery) -> TaskPage:
        reply = tasks.ListTasks(
            pb.ListTasksRequest(
                caller=scoped(caller),
                status=query.status or "",
                page_size=query.limit,
                page_token=query.cursor or "",
            )
        )
        return TaskPage(
            tasks=[TaskSummary.from_proto(t) for t in reply.tasks],
            next_cursor=reply.next_page_token or None,
        )

    @api.get(
        "/tasks/{task_id}",
        summary="A task with its offers and claims",
        access=Access.MEMBER,
        reply=TaskView,
    )
    def get_task(caller: Caller, task_id: str) -> TaskView:
        return TaskView.from_proto(
            tasks.GetTask(pb.GetTaskRequest(caller=scoped(caller), task_id=task_id))
        )

    def act(
        rpc: Callable[[pb.TaskActionRequest], pb.Task], caller: Caller, task_id: str
    ) -> TaskView:
        return TaskView.from_proto(
            rpc(pb.TaskActionRequest(caller=scoped(caller), task_id=task_id))
        )

    @api.post(
        "/tasks/{task_id}/claim",
        summary="Claim a task offered to the caller",
        access=Access.VERIFIED,
        reply=TaskView,
        errors=(409, 410),
    )
    def claim_task(caller: Caller, task_id: str) -> TaskView:
        # Who claims is all a claim is decided on (the offer, the slots, the member's other
        # claims): no scope or station to ask identity for, one gRPC hop fewer in a race.
        claimant = pb.Caller(member_id=caller.member_id, roles=sorted(caller.roles))
        return TaskView.from_proto(
            tasks.ClaimTask(pb.TaskActionRequest(caller=claimant, task_id=task_id))
        )

    @api.post(
        "/tasks/{task_id}/decline",
        summary="Decline a task offered to the caller",
        access=Access.MEMBER,
        reply=TaskView,
        errors=(409,),
    )
    def decline_task(caller: Caller, task_id: str) -> TaskView:
        return act(tasks.DeclineTask, caller, task_id)

    @api.post(
        "/tasks/{task_id}/arrive",
        summary="Mark the claimant on scene",
        access=Access.MEMBER,
        reply=TaskView,
        errors=(409,),
    )
    def arrive(caller: Caller, task_id: str) -> TaskView:
        return act(tasks.ArriveTask, caller, task_id)

    @api.post(
        "/tasks/{task_id}/confirm",
        summary="Close a resolved task; its claimants earn its points",
        access=Access.OFFICER,
        reply=TaskView,
        errors=(409, 410),
    )
    def confirm_task(caller: Caller, task_id: str) -> TaskView:
        return act(tasks.ConfirmTask, caller, task_id)

    @api.post(
        "/tasks/{task_id}/cancel",
        summary="Cancel a task; its claimants are released",
        access=Access.OFFICER,
        reply=TaskView,
        errors=(409, 410),
    )
    def cancel_task(caller: Caller, task_id: str) -> TaskView:
        return act(tasks.CancelTask, caller, task_id)

    @api.post(
        "/tasks/{task_id}/complete",
        summary="Report the task done, with a note and the claimant's own photos",
        access=Access.MEMBER,
        body=Completion,
        reply=TaskView,
        errors=(409, 410),
    )
    def complete_task(caller: Caller, task_id: str, body: Completion) -> TaskView:
        check_own_media(context.blobs, caller, body.media_ids)
        return TaskView.from_proto(
            tasks.CompleteTask(
                pb.CompleteTaskRequest(
                    caller=scoped(caller),
                    task_id=task_id,
                    note=body.note,
                    media_ids=body.media_ids,
                )
            )
        )

    @api.post(
        "/reports",
        summary="Report a tip or hazard",
        access=Access.VERIFIED,
        body=ReportDraft,
        reply=ReportView,
        status=201,
        idempotent=True,
    )
    def submit_report(caller: Caller, body: ReportDraft) -> ReportView:
        check_own_media(context.blobs, caller, body.media_ids)
        report = tasks.SubmitReport(
            pb.SubmitReportRequest(
                caller=scoped(caller),
                category=body.category,
                description=body.description,
                location=pb.Point(lat=body.location.lat, lon=body.location.lon),
                media_ids=body.media_ids,
            )
        )
        return ReportView.from_proto(report)

    @api.get(
        "/reports",
        summary="The officer's review queue, or the member's own reports; newest first",
        access=Access.MEMBER,
        query=ReportListQuery,
        reply=ReportPage,
    )
    def list_reports(caller: Caller, query: ReportListQuery) -> ReportPage:
        reply = tasks.ListReports(
            pb.ListReportsRequest(
                caller=scoped(caller),
                status=query.status or "",
                page_size=query.limit,
                page_token=query.cursor or "",
            )
        )
        return ReportPage(
            reports=[ReportView.from_proto(r) for r in reply.reports],
            next_cursor=reply.next_page_token or None,
        )

    @api.post(
        "/reports/{report_id}/review",
        summary="Approve (with points, perhaps dispatching a task) or reject a report, once",
        access=Access.OFFICER,
        body=ReportReview,
        reply=ReportView,
        errors=(409,),
    )
    def review_report(caller: Caller, report_id: str, body: ReportReview) -> ReportView:
        officer = scoped(caller)
        review = pb.ReviewReportRequest(
            caller=officer,
            report_id=report_id,
            decision=body.decision,
            points=body.points,
            note=body.note,
        )
        if body.task is not None:
            review.task.CopyFrom(body.task.to_proto(officer))
        return ReportView.from_proto(tasks.ReviewReport(review))

    return api


def check_own_media(
    blobs: BlobStore, caller: Caller, media_ids: Sequence[str], *, videos: bool = False
) -> None:
    """Evidence must be the caller's own uploads: points are paid for reports and completions,
    so another member's photo or a made-up id must not earn them (a 422 names each bad one).
    ``videos``: video clips are taken too (a bulletin's media)."""
    what = "photo or video clip" if videos else "photo"
    kinds = (None, "video") if videos else (None,)  # a photo's metadata has no "kind"
    errors = [
        FieldError(f"media_ids[{i}]", f"no {what} you uploaded has this id")
        for i, media_id in enumerate(media_ids)
        if not _uploaded_by(blobs, media_id, caller.member_id, kinds)
    ]
    if errors:
        raise InvalidArgument(detail=f"media_ids must name {what}s you uploaded", errors=errors)


def _uploaded_by(
    blobs: BlobStore, media_id: str, member_id: str, kinds: tuple[str | None, ...]
) -> bool:
    """An upload of the member's of one of ``kinds`` (a voice clip is no evidence: it goes in
    voice_media_id; a video clip is a bulletin's)."""
    try:
        metadata = blobs.metadata(media_id)
    except ValueError:  # not even the shape of a blob id
        return False
    return (
        metadata is not None
        and metadata.get("uploader") == member_id
        and metadata.get("kind") in kinds
    )
