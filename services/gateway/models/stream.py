"""Shapes of the push stream's opening (CONTRACT.md "GET /stream"; docs/push-stream.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from shouwang.typed_routes import QueryModel, ReplyModel


class StreamQuery(QueryModel):
    ticket: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        default=None,
        description="a single-use ticket from POST /stream/tickets, for clients that cannot "
        "send an Authorization header (EventSource)",
    )
    last_event_id: Annotated[str, StringConstraints(max_length=4096)] | None = Field(
        default=None,
        description="resume after this SSE id: an event id and the cursor after it (the "
        "Last-Event-ID header wins)",
    )


class StreamTicket(ReplyModel):
    """A ticket that opens one stream, once, within ``expires_in`` seconds."""

    ticket: str
    expires_in: int
