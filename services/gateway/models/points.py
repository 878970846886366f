"""Shapes of balances, boards, the reward catalogue, redemptions and penalties (CONTRACT.md
"Reports, media, points, push"). The bounds mirror those the points service enforces."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from services.gateway.models.common import Id, LongText, Name, OptionalId, Page, PageQuery
from shouwang.clock import rfc3339_of
from shouwang.points.v1 import limits
from shouwang.points.v1 import points_pb2 as pb
from shouwang.typed_routes import ApiModel, QueryModel, ReplyModel

Period = StrEnum("Period", {name.upper(): name for name in limits.PERIODS})
BoardScope = StrEnum("BoardScope", {name.upper(): name for name in limits.SCOPES})
RedemptionStatus = StrEnum(
    "RedemptionStatus", {name.upper(): name for name in limits.REDEMPTION_STATUSES}
)

# Query strings spell closed sets as Literal: the OpenAPI parameters then carry the values inline.
PeriodName = Literal[limits.PERIODS]  # type: ignore[valid-type]
ScopeName = Literal[limits.SCOPES]  # type: ignore[valid-type]
StatusName = Literal[limits.REDEMPTION_STATUSES]  # type: ignore[valid-type]

Cost = Annotated[int, Field(ge=1, le=limits.MAX_COST, description="points one unit costs")]
Stock = Annotated[
    int,
    Field(ge=0, le=limits.MAX_STOCK, description="units ever offered; it only grows"),
]
PenaltyPoints = Annotated[
    int,
    Field(
        ge=1,
        le=limits.MAX_PENALTY_POINTS,
        description="points to take away; the rules cap one penalty lower (200 by default)",
    ),
]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=limits.MAX_REASON)]


# Balance and ledger -----------------------------------------------------------------------------
class EntryView(ReplyModel):
    delta: int
    reason: str
    ref: str = Field(description="the task, report, redemption or penalty the entry is for")
    at: str
    note: str | None = Field(default=None, description="the officer's reason, for penalties")

    @classmethod
    def from_proto(cls, entry: pb.Entry) -> EntryView:
        return cls(
            delta=entry.delta,
            reason=entry.reason,
            ref=entry.ref,
            at=rfc3339_of(entry.at),
            note=entry.note or None,
        )


class PointsAccount(Page):
    """The caller's balance and a page of their ledger, newest first."""

    balance: int
    entries: list[EntryView]


# Boards -----------------------------------------------------------------------------------------
class LeaderboardQuery(QueryModel):
    period: PeriodName = "week"
    scope: ScopeName = "team"
    scope_id: OptionalId = Field(
        default="",
        description="officers: another team or station; members always see their own",
    )
    limit: Annotated[int, Field(ge=1, le=limits.MAX_PAGE_SIZE)] = limits.DEFAULT_PAGE_SIZE


class Standing(ReplyModel):
    rank: int
    member_id: str
    name: str
    points: int

    @classmethod
    def from_proto(cls, entry: pb.LeaderboardEntry, *, name: str = "") -> Standing:
        return cls(
            rank=entry.rank,
            member_id=entry.member_id,
            name=entry.name or name,
            points=entry.points,
        )


class Leaderboard(ReplyModel):
    """The top of a board, and where the caller stands on it."""

    period: Period
    scope: BoardScope
    period_key: str = Field(description="e.g. 2026-W03, 2026-01 or all")
    entries: list[Standing]
    me: Standing | None = Field(
        description="the caller's own rank; null when they have no points in the period here"
    )


# Catalogue --------------------------------------------------------------------------------------
class CatalogueQuery(PageQuery):
    include_inactive: bool = Field(default=False, description="officers: list withdrawn items too")


class ItemDraft(ApiModel):
    name: Name
    description: LongText = ""
    cost: Cost
    stock: Stock


class StockUpdate(ApiModel):
    stock: Stock
    active: bool | None = Field(
        default=None, description="withdraw the item (false) or return it (true)"
    )


class ItemView(ReplyModel):
    """A reward in the catalogue."""

    item_id: str
    name: str
    description: str
    cost: int
    stock: int
    remaining: int
    active: bool

    @classmethod
    def from_proto(cls, item: pb.Item) -> ItemView:
        return cls(
            item_id=item.item_id,
            name=item.name,
            description=item.description,
            cost=item.cost,
            stock=item.stock,
            remaining=item.remaining,
            active=item.active,
        )


class Catalogue(Page):
    """A page of the catalogue, cheapest first."""

    items: list[ItemView]


# Redemptions ------------------------------------------------------------------------------------
class RedemptionOrder(ApiModel):
    item_id: Id


class RedemptionsQuery(PageQuery):
    member_id: OptionalId = Field(
        default="", description="officers: one member's; members always see their own"
    )
    status: StatusName | None = None


class RedemptionView(ReplyModel):
    """A redemption: what was spent on which item, and whether it was handed over."""

    redemption_id: str
    member_id: str
    item_id: str
    item_name: str
    cost: int
    status: RedemptionStatus
    refusal: str | None
    created_at: str
    fulfilled_at: str | None

    @classmethod
    def from_proto(cls, redemption: pb.Redemption) -> RedemptionView:
        fulfilled = redemption.HasField("fulfilled_at")
        return cls(
            redemption_id=redemption.redemption_id,
            member_id=redemption.member_id,
            item_id=redemption.item_id,
            item_name=redemption.item_name,
            cost=redemption.cost,
            status=RedemptionStatus(redemption.status),
            refusal=redemption.refusal or None,
            created_at=rfc3339_of(redemption.created_at),
            fulfilled_at=rfc3339_of(redemption.fulfilled_at) if fulfilled else None,
        )


class Redemptions(Page):
    """A page of redemptions, newest first."""

    redemptions: list[RedemptionView]


# Penalties --------------------------------------------------------------------------------------
class PenaltyDraft(ApiModel):
    member_id: Id
    points: PenaltyPoints
    reason: Reason


class PenaltyTaken(ReplyModel):
    """What the penalty took: never more than the member's balance."""

    entry_id: str | None = Field(description="null when the balance was already zero")
    member_id: str
    delta: int
    balance: int

    @classmethod
    def from_proto(cls, award: pb.Award) -> PenaltyTaken:
        return cls(
            entry_id=award.entry_id or None,
            member_id=award.member_id,
            delta=award.delta,
            balance=award.balance,
        )
