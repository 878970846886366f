"""CreateTaskRequest as a test writes it: a valid one with the fields it cares about changed."""

from __future__ import annotations

from google.protobuf.message import Message

from shouwang.tasks.v1 import tasks_pb2 as pb


def task_request(**changes: object) -> pb.CreateTaskRequest:
    """A valid request (priority 1, the 3 nearest) with ``changes``: messages or dicts of their
    fields for message fields, lists for repeated ones, plain values otherwise."""
    request = pb.CreateTaskRequest(
        title="Lost child near the market",
        priority=1,
        location=pb.Point(lat=27.8, lon=120.65),
        target=pb.Target(mode="nearest", count=3),
    )
    for name, value in changes.items():
        if isinstance(value, Message):
            getattr(request, name).CopyFrom(value)
        elif isinstance(value, dict):
            getattr(request, name).CopyFrom(type(getattr(request, name))(**value))
        elif isinstance(value, list):
            getattr(request, name).extend(value)
        else:
            setattr(request, name, value)
    return request
